// The short code printed on every summons, which anyone can type (or scan) to check it.
//
// Twelve symbols of Crockford's base32 alphabet (0-9 and A-Z without I, L, O, U), shown in
// groups of four: "7K3Q-9XMD-2F4W". The first eleven carry 55 bits of a BLAKE2b hash of the
// signature; the twelfth is a Luhn mod 32 check symbol, so a single mistyped symbol or two
// swapped neighbours are recognised as a typo before any lookup ("check the code") instead of
// being reported as an unknown, possibly fake, notice. Reading is forgiving the way Crockford
// intends: lower case, O for 0, I and L for 1, spaces and hyphens are all accepted.
//
// Because the code is derived from the signature, nobody can produce the code of a notice
// without the signing key; the registry also stores it in a UNIQUE column and finds the
// summons by it. Two signatures may map to the same 55 bits (expected about once in 10^8
// notices), so a code is derived with an attempt number: AllocateVerificationCode takes the
// first attempt whose code is not yet in summonses.verification_code.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "documents/signing_keys.h"
#include "store/database.h"

namespace muster {

// How many attempt numbers a code may use; CodeBelongsToSignature checks all of them.
inline constexpr int kVerificationCodeAttempts = 8;

// The code of `signature` for `attempt` (0 ≤ attempt < kVerificationCodeAttempts), formatted
// "XXXX-XXXX-XXXX".
std::string VerificationCode(const Signature& signature, int attempt = 0);

// The canonical form "XXXX-XXXX-XXXX" of a code as a person typed it. kInvalidArgument with
// the field "verification_code" if it has the wrong length, a symbol outside the alphabet, or
// a check symbol that does not match (a typo).
Result<std::string> NormalizeVerificationCode(std::string_view typed);

// True if `code` (canonical form) is the code of `signature` for some attempt number.
bool CodeBelongsToSignature(std::string_view code, const Signature& signature);

// The code of `signature` for the first attempt number whose code no summons has yet, read
// from summonses.verification_code through `connection` (inside the caller's transaction when
// there is one, so codes taken earlier in the same batch count). kInternal if every attempt
// is taken, which would take astronomically bad luck.
Result<std::string> AllocateVerificationCode(Connection& connection, const Signature& signature);

}  // namespace muster
