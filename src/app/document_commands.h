// `muster keys …` and `muster print …`: the signing keys of the registry and printed summonses
// for registered mail (docs/DOCUMENTS.md, docs/CLI.md).
//
//   muster keys list
//   muster keys rotate
//   muster keys revoke --key ID --reason TEXT
//   muster print (--summons ID… | --batch NAME | --channel registered_mail --unserved)
//                [--out FILE] [--verify-url URL]
//
// Every summons is signed when it is issued, with the active key whose secret lives in the key
// directory: `--key-dir` (env MUSTER_KEY_DIR), by default "<path>.keys" beside a SQLite store.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace CLI {
class App;
}

namespace muster {

class Registry;

// The key directory of the store at `store_url`: `key_dir` when given, else "<path>.keys"
// beside a SQLite store ("sqlite:/data/muster.db" → "/data/muster.db.keys"), else empty (a
// PostgreSQL store has no place of its own on this machine; such a node only verifies).
std::filesystem::path KeyDirectoryFor(std::string_view store_url, std::string_view key_dir);

// Attaches the key ring of `key_directory` to a new registry and creates its first signing
// key (the directory is created with mode 0700 if missing). kFailedPrecondition, before
// anything is written, if `key_directory` is empty.
Status CheckKeyDirectoryGiven(const std::filesystem::path& key_directory);
Result<std::string> CreateFirstSigningKey(Registry& registry,
                                          const std::filesystem::path& key_directory);

// Adds `keys` and `print` to `app`. `store`, `key_dir` and `actor` are the global options
// (read when a subcommand runs); the subcommand's exit code is written to `exit_code`.
void AddDocumentCommands(CLI::App& app, const std::string& store, const std::string& key_dir,
                         int& exit_code);

}  // namespace muster
