// `muster mail …`, `muster consent …` and `muster notify`: the delivery channels of issue 6
// (docs/CLI.md, docs/RULES.md "Delivery").
//
//   muster mail import --file F [--format csv|jsonl] [--json]
//   muster consent record --person P --channel sms|email --address A --evidence TEXT
//   muster consent withdraw --person P --channel sms|email --evidence TEXT
//   muster consent list --person P
//   muster notify --summons S --channel sms|email [--mark sent|delivered|failed] [--at T]
//                 --evidence TEXT
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace muster {

// Adds `mail`, `consent` and `notify` to `app`. `store`, `actor` and `idempotency_key` are the
// global options (read when a subcommand runs); the exit code is written to `exit_code`.
void AddDeliveryCommands(CLI::App& app, const std::string& store, const std::string& actor,
                         const std::string& idempotency_key, int& exit_code);

}  // namespace muster
