// Shared by the documents tests: a migrated store of the test engine, an example summons and
// the bare person and summons rows a signed document is saved into.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "documents/summons_document.h"
#include "store/database.h"
#include "store/engines/open.h"
#include "store/migrations.h"
#include "testing/test_store.h"

namespace muster::testing {

inline std::unique_ptr<Connection> OpenMigratedStore(const TempDir& dir, const std::string& name) {
  auto connection = OpenStore(StoreUrl(dir, name), OpenMode::kCreate);
  EXPECT_TRUE(connection.ok()) << connection.status().ToString();
  if (!connection.ok()) return nullptr;
  Status migrated = Migrate(**connection);
  EXPECT_TRUE(migrated.ok()) << migrated.ToString();
  return std::move(connection).value();
}

inline SummonsDocument ExampleDocument(SummonsId summons_id, PersonId person_id = 7) {
  SummonsDocument document;
  document.summons_id = summons_id;
  document.person_id = person_id;
  document.family_name = "Соколов";
  document.given_name = "Иван";
  document.patronymic = "Петрович";
  document.birth_date = CivilDate{date::year(2005), date::month(3), date::day(1)};
  document.purpose = "медицинское освидетельствование";
  document.office = "RYA-01";
  document.place = "г. Рязань, ул. Ленина, 1, каб. 5";
  document.time_zone = "Europe/Moscow";
  document.legal_basis = "fz53-art31-service";
  document.profile_version = "2026.1";
  document.appearance_at = *ParseInstant("2026-05-04T06:00:00Z", "t");
  document.issued_at = *ParseInstant("2026-04-20T09:30:00Z", "t");
  return document;
}

// The rows the registry's projector would have written (migration 1 columns only).
inline Status InsertSummonsRow(Connection& db, const SummonsDocument& document,
                               std::string_view status = "issued") {
  ASSIGN_OR_RETURN(Query person, Query::Make(db, "SELECT 1 FROM persons WHERE person_id = $1"));
  person.Bind(document.person_id);
  ASSIGN_OR_RETURN(bool exists, person.Next());
  person.Finish();
  if (!exists) {
    RETURN_IF_ERROR(ExecuteSql(db,
                               "INSERT INTO persons (person_id, family_name, given_name, "
                               "patronymic, family_name_latin, "
                               "given_name_latin, patronymic_latin, sex, birth_date, region, "
                               "office, has_portal_account, "
                               "status, registered_at, source) VALUES ($1, $2, $3, $4, 'Sokolov', "
                               "'Ivan', 'Petrovich', "
                               "'M', $5, 'RYA', $6, 0, 'registered', 0, 'test')",
                               document.person_id, document.family_name, document.given_name,
                               document.patronymic,
                               static_cast<int64_t>(ToEpochDays(document.birth_date)),
                               document.office)
                        .status());
  }
  return ExecuteSql(db,
                    "INSERT INTO summonses (summons_id, person_id, batch, purpose, office, place, "
                    "appearance_at, "
                    "legal_basis, profile_version, issued_at, issued_seq, status) VALUES ($1, $2, "
                    "'test', $3, "
                    "$4, $5, $6, $7, $8, $9, 0, $10)",
                    document.summons_id, document.person_id, document.purpose, document.office,
                    document.place, ToUnixSeconds(document.appearance_at), document.legal_basis,
                    document.profile_version, ToUnixSeconds(document.issued_at), status)
      .status();
}

}  // namespace muster::testing
