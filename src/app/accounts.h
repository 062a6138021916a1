// Accounts on the command line (`muster account …`) and the demo registry's accounts.
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "common/status.h"
#include "registry/registry.h"

namespace muster {

// Adds `muster account add|key|revoke|revoke-key|list|totp`. `store` is read when a command
// runs; failures set `exit_code`.
void AddAccountCommands(CLI::App& app, const std::string& store, int& exit_code);

struct DemoAccount {
  std::string role;   // what the account shows off
  std::string login;  // or the citizen's SNILS
  std::string secret;  // password, API key, or "(demo login)"
};

// Creates the demo's officers, auditor, agency and a citizen with a summons and measures, and
// writes their credentials to `credentials_file` (mode 0600; demo registries only — the
// passwords are random per demo and never in the repository).
Result<std::vector<DemoAccount>> CreateDemoAccounts(Registry& registry,
                                                    const std::filesystem::path& credentials_file);

}  // namespace muster
