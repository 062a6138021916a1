// Hashing primitives used by the ledger's hash chain and idempotency checks.
//
// Thin wrappers over libsodium so that the rest of Muster never handles raw digest buffers.
// Thread-safe after InitCrypto() has been called once (the registry calls it on open).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace muster {

// Initialises libsodium. Idempotent; returns kInternal if the library cannot start.
Status InitCrypto();

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// Lower-case hex SHA-256 of the concatenation of `parts`, without materialising it.
std::string Sha256Hex(std::initializer_list<std::string_view> parts);

std::string HexEncode(std::string_view bytes);

}  // namespace muster
