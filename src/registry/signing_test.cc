// Every summons is signed when it is issued (docs/DOCUMENTS.md, DESIGN.md §2.5): the signed
// document travels in the SummonsIssued event, the summons row holds it, and the public check
// finds it genuine. Without a key that can sign, nothing is issued.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "documents/signed_summons.h"
#include "documents/verification_page.h"
#include "ledger/ledger.h"
#include "registry/registry.h"
#include "testing/registry_fixture.h"

namespace muster {
namespace {

using ::testing::HasSubstr;
using testing::AddPerson;
using testing::At;
using testing::Day;
using testing::Events;

CommandContext Officer() { return {.actor = "officer"}; }

class SigningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = testing::MakeRegistry(dir_, "ru-127fz", At("2026-04-01T09:00:00+03:00"));
    ASSERT_NE(registry_, nullptr);
  }

  testing::TempDir dir_;
  std::unique_ptr<Registry> registry_;
};

TEST_F(SigningTest, EverySummonsIsSignedAtIssueAndVerifiesAsGenuine) {
  PersonId person = AddPerson(*registry_, {.birth_date = Day("2005-03-01")});
  auto summons = registry_->IssueSummons(Officer(), {.person_id = person, .purpose = "medical examination"});
  ASSERT_TRUE(summons.ok()) << summons.status().ToString();

  auto stored = LoadSignedSummons(registry_->connection(), *summons);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  const SummonsDocument& document = stored->document;
  EXPECT_EQ(document.summons_id, *summons);
  EXPECT_EQ(document.person_id, person);
  EXPECT_EQ(document.family_name, "Иванов");
  EXPECT_EQ(document.birth_date, Day("2005-03-01"));
  EXPECT_EQ(document.purpose, "medical examination");
  EXPECT_EQ(document.office, "RYA-01");
  EXPECT_EQ(document.time_zone, "Europe/Moscow");
  EXPECT_EQ(document.profile_version, "ru-127fz@2026.1");
  EXPECT_EQ(document.issued_at, At("2026-04-01T09:00:00+03:00"));
  EXPECT_EQ(document.appearance_at, At("2026-04-15T09:00:00+03:00"));
  // The notice cites the duty to appear ([summons]), not a measure's basis.
  EXPECT_EQ(document.legal_basis, "fz53-art31-duty");
  EXPECT_EQ(stored->signature.key_id, *registry_->key_ring()->active_key_id());
  EXPECT_TRUE(VerifySignedSummons(*registry_->key_ring(), *stored).genuine);

  auto check = CheckVerificationCode(registry_->connection(), *registry_->key_ring(),
                                     stored->verification_code);
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_EQ(check->outcome, VerificationOutcome::kGenuine);
}

TEST_F(SigningTest, TheSignedDocumentIsInTheLedgerSoARebuiltRowHoldsTheSameBytes) {
  PersonId person = AddPerson(*registry_, {});
  auto summons = registry_->IssueSummons(Officer(), {.person_id = person});
  ASSERT_TRUE(summons.ok()) << summons.status().ToString();
  auto stored = LoadSignedSummons(registry_->connection(), *summons);
  ASSERT_TRUE(stored.ok());
  std::string payload;
  ASSERT_TRUE(ReadPersonEvents(registry_->connection(), person, [&](const LedgerEvent& event) {
                if (event.type == "SummonsIssued") payload = event.payload;
                return Status::Ok();
              }).ok());
  auto parsed = boost::json::parse(payload).as_object();
  EXPECT_EQ(parsed.at("document").as_string(), stored->content);
  EXPECT_EQ(parsed.at("verification_code").as_string(), stored->verification_code);
  EXPECT_EQ(parsed.at("key_id").as_string(), stored->signature.key_id);
  EXPECT_EQ(parsed.at("legal_basis").as_string(), "fz53-art31-duty");
}

TEST_F(SigningTest, CodesAreUniqueWithinABatch) {
  for (int i = 0; i < 30; ++i) AddPerson(*registry_, {.serial = 100 + i});
  auto batch = registry_->IssueBatch(Officer(), {.limit = 30}, {.batch = "b"});
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(batch->issued, 30);
  EXPECT_EQ(testing::Count(*registry_,
                           "SELECT COUNT(DISTINCT verification_code) + $1 FROM summonses", 0),
            30);
}

TEST_F(SigningTest, WithoutAKeyThatCanSignNothingIsIssued) {
  PersonId person = AddPerson(*registry_, {});
  for (int i = 0; i < 3; ++i) AddPerson(*registry_, {.serial = 10 + i});
  ASSERT_TRUE(registry_->RevokeSigningKey(*registry_->key_ring()->active_key_id(), "test").ok());
  int64_t events = Events(*registry_);
  auto single = registry_->IssueSummons(Officer(), {.person_id = person});
  EXPECT_EQ(single.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(single.status().message(), HasSubstr("signing: cannot sign a summons"));
  auto batch = registry_->IssueBatch(Officer(), {.limit = 10}, {});
  EXPECT_EQ(batch.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Events(*registry_), events) << "a refused issue changes nothing";

  // A rotation restores signing; the retired notices still verify.
  ASSERT_TRUE(registry_->RotateSigningKey().ok());
  EXPECT_TRUE(registry_->IssueSummons(Officer(), {.person_id = person}).ok());
}

TEST(SigningWithoutRingTest, ARegistryWithoutAKeyRingRefusesToIssue) {
  testing::TempDir dir;
  auto connection = OpenStore(testing::StoreUrl(dir, "bare"), OpenMode::kCreate);
  ASSERT_TRUE(connection.ok());
  auto registry = Registry::Create(std::move(connection).value(), testing::ReadProfileText("ru-127fz"),
                                   "ru-127fz.toml", At("2026-04-01T09:00:00+03:00"));
  ASSERT_TRUE(registry.ok());
  PersonId person = AddPerson(**registry, {});
  auto summons = (*registry)->IssueSummons(Officer(), {.person_id = person});
  EXPECT_EQ(summons.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(summons.status().message(), HasSubstr("no signing key ring"));
  EXPECT_EQ((*registry)->key_ring(), nullptr);
}

}  // namespace
}  // namespace muster
