// `muster feed …`: agency feeds, the review queue, merges and the registration sweep
// (docs/FEEDS.md).
//
//   muster feed upload --agency A --sequence N --file F [--format csv|jsonl] [--json]
//   muster feed generate --agency A --records N --out F [--format csv|jsonl] [--truth F]
//                        [--seed N] [--unidentified 0.3] [--newcomers 0.05]
//   muster feed review list [--limit N] | show ID | decide ID (--link | --new) --note TEXT
//   muster feed merge --survivor P --merged Q --reason TEXT
//   muster feed split --merge M --reason TEXT
//   muster feed sweep
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace muster {

// Adds the `feed` subcommand to `app`. `store` and `actor` are the global options (read when a
// subcommand runs); the subcommand's exit code is written to `exit_code`.
void AddFeedCommands(CLI::App& app, const std::string& store, const std::string& actor,
                     int& exit_code);

}  // namespace muster
