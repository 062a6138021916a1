// A throwaway registry on a simulated clock for tests, and persons to put in it.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "domain/identifiers.h"
#include "registry/registry.h"
#include "store/engines/open.h"
#include "testing/temp_dir.h"
#include "testing/test_store.h"

namespace muster::testing {

inline std::string ReadProfileText(const std::string& profile_id) {
  std::ifstream file(SourceDir() / "profiles" / (profile_id + ".toml"));
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// The key directory of the test registry `name` in `dir`.
inline std::filesystem::path KeyDirectory(const TempDir& dir, const std::string& name) {
  return dir.path() / (name + ".keys");
}

// Attaches a key ring to `registry` over the key directory of `name` in `dir`, and creates the
// first signing key if the store has none: every summons is signed when issued.
inline Status EnableTestSigning(Registry& registry, const TempDir& dir, const std::string& name) {
  RETURN_IF_ERROR(registry.EnableSigning(KeyDirectory(dir, name)));
  if (registry.key_ring()->active_key_id()) return Status::Ok();
  return registry.RotateSigningKey().status();
}

// A registry on a simulated clock starting at `start`, with a signing key.
inline std::unique_ptr<Registry> MakeRegistry(const TempDir& dir, const std::string& profile_id,
                                              Instant start, const std::string& name = "registry") {
  auto connection = OpenStore(StoreUrl(dir, name), OpenMode::kCreate);
  EXPECT_TRUE(connection.ok()) << connection.status().ToString();
  auto registry = Registry::Create(std::move(connection).value(), ReadProfileText(profile_id),
                                   profile_id + ".toml", start);
  EXPECT_TRUE(registry.ok()) << registry.status().ToString();
  if (!registry.ok()) return nullptr;
  Status signing = EnableTestSigning(**registry, dir, name);
  EXPECT_TRUE(signing.ok()) << signing.ToString();
  return std::move(registry).value();
}

inline Instant At(std::string_view text) {
  auto instant = ParseInstant(text, "test");
  EXPECT_TRUE(instant.ok()) << instant.status().ToString();
  return instant.ok() ? *instant : Instant{};
}

inline CivilDate Day(std::string_view text) {
  auto date = ParseDate(text, "test");
  EXPECT_TRUE(date.ok()) << date.status().ToString();
  return date.ok() ? *date : CivilDate{};
}

// A valid SNILS for serial number `n` (bodies above the unchecked range).
inline std::string TestSnils(int n) {
  std::string body = std::to_string(100000000 + n);
  int check = SnilsCheckNumber(body);
  return body + (check < 10 ? "0" : "") + std::to_string(check);
}

struct PersonSpec {
  CivilDate birth_date = Day("2004-06-15");
  std::string office = "RYA-01";
  bool portal = true;
  Sex sex = Sex::kMale;
  int serial = 1;
};

inline PersonId AddPerson(Registry& registry, const PersonSpec& spec) {
  NewPerson person;
  person.family_name = "Иванов";
  person.given_name = "Иван";
  person.patronymic = "Иванович";
  person.family_name_latin = "Ivanov";
  person.given_name_latin = "Ivan";
  person.patronymic_latin = "Ivanovich";
  person.sex = spec.sex;
  person.birth_date = spec.birth_date;
  person.office = spec.office;
  person.has_portal_account = spec.portal;
  person.identifiers = {{IdentifierKind::kSnils, TestSnils(spec.serial)}};
  person.source = "test";
  auto id = registry.RegisterPerson({.actor = "test"}, person);
  EXPECT_TRUE(id.ok()) << id.status().ToString();
  return id.ok() ? *id : 0;
}

// Counts rows of a projection query with one integer parameter.
inline int64_t Count(Registry& registry, std::string_view sql, int64_t parameter) {
  auto query = Query::Make(registry.connection(), sql);
  EXPECT_TRUE(query.ok());
  query->Bind(parameter);
  auto has_row = query->Next();
  EXPECT_TRUE(has_row.ok() && *has_row);
  int64_t count = query->Int(0);
  query->Finish();
  return count;
}

inline int64_t MeasuresInForce(Registry& registry, PersonId person) {
  return Count(registry, "SELECT COUNT(*) FROM measures WHERE person_id = $1 AND lifted_at IS NULL", person);
}

inline int64_t Events(Registry& registry) {
  return Count(registry, "SELECT seq + $1 FROM ledger_head", 0);
}

}  // namespace muster::testing
