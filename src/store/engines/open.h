// Opening a store by URL, the one place that knows every engine.
//
//   sqlite:PATH   the embedded default (also a bare PATH)
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
// kExisting; kInvalidArgument for an unknown scheme.
Result<std::unique_ptr<Connection>> OpenStore(std::string_view url, OpenMode mode);

}  // namespace muster
