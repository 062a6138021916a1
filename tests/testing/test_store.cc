#include "testing/test_store.h"

#include <gtest/gtest.h>

#include <cctype>
#include <mutex>
#include <set>

#include "testing/postgres_server.h"

namespace muster::testing {
namespace {

// PostgreSQL database names: lower-case letters, digits and '_' from the temp dir and name.
std::string DatabaseName(const TempDir& dir, const std::string& name) {
  std::string database = "t_";
  for (char c : dir.path().filename().string() + "_" + name) {
    database += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
  }
  return database;
}

}  // namespace

std::string StoreUrl(const TempDir& dir, const std::string& name) {
  if (TestEngine() != "postgresql") return "sqlite:" + dir.File(name + ".db");
  auto server = PostgresServer::Shared();
  if (!server.ok()) {
    ADD_FAILURE() << "cannot start the test PostgreSQL server: " << server.status().ToString();
    return "postgresql://unavailable/none";
  }
  static std::mutex mutex;
  static std::set<std::string> created;
  std::string database = DatabaseName(dir, name);
  std::lock_guard<std::mutex> lock(mutex);
  if (created.insert(database).second) {
    Status status = (*server)->CreateDatabase(database);
    if (!status.ok()) ADD_FAILURE() << "CREATE DATABASE " << database << ": " << status.ToString();
  }
  return (*server)->UrlFor(database);
}

}  // namespace muster::testing
