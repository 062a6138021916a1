// Opening a store by URL, the one place that knows every engine.
//
//   sqlite:PATH                                the embedded default (also a bare PATH)
//   postgresql://USER@HOST:PORT/DATABASE?...   PostgreSQL (also postgres://); any libpq
//                                              connection URL, parameters included
//
// Callers (the CLI, the server, tests) name a store by URL and get a Connection; nothing else
// in Muster depends on a particular engine.
#pragma once

#include <memory>
#include <string_view>

#include "common/status.h"
#include "store/database.h"

namespace muster {

enum class OpenMode { kExisting, kCreate };

// Opens the store named by `url`. kNotFound if the database does not exist and `mode` is
// kExisting; kInvalidArgument for an unknown scheme. On PostgreSQL the database must exist
// in both modes (kNotFound otherwise: create it with `createdb` as the owner); kCreate only
// means the schema may be created in it. An unreachable server is kUnavailable.
Result<std::unique_ptr<Connection>> OpenStore(std::string_view url, OpenMode mode);

}  // namespace muster
