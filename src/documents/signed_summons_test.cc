#include "documents/signed_summons.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "documents/documents_test_support.h"
#include "documents/verification_code.h"
#include "documents/verification_page.h"

namespace muster {
namespace {

using testing::ExampleDocument;
using testing::InsertSummonsRow;

Instant At(const char* text) { return *ParseInstant(text, "t"); }

class SignedSummonsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = testing::OpenMigratedStore(dir_, "signed");
    ASSERT_NE(db_, nullptr);
    auto ring = KeyRing::Open(*db_, dir_.path() / "keys");
    ASSERT_TRUE(ring.ok()) << ring.status().ToString();
    ring_ = std::move(ring).value();
    ASSERT_TRUE(ring_->Rotate(*db_, At("2026-04-01T00:00:00Z")).ok());
  }

  // Issues summons `summons_id` the way the registry will: row, signature, saved columns.
  SignedSummons Issue(SummonsId summons_id, std::string_view status = "issued") {
    SummonsDocument document = ExampleDocument(summons_id);
    EXPECT_TRUE(InsertSummonsRow(*db_, document, status).ok());
    auto signed_summons = SignSummons(*db_, *ring_, document);
    EXPECT_TRUE(signed_summons.ok()) << signed_summons.status().ToString();
    EXPECT_TRUE(SaveSignedSummons(*db_, *signed_summons).ok());
    return *signed_summons;
  }

  PublicVerification Check(std::string_view code) {
    auto checked = CheckVerificationCode(*db_, *ring_, code);
    EXPECT_TRUE(checked.ok()) << checked.status().ToString();
    return checked.ok() ? *checked : PublicVerification{};
  }

  testing::TempDir dir_;
  std::unique_ptr<Connection> db_;
  std::unique_ptr<KeyRing> ring_;
};

TEST_F(SignedSummonsTest, SavedSummonsLoadsBackAndVerifies) {
  SignedSummons issued = Issue(1);
  EXPECT_EQ(issued.content, CanonicalContent(issued.document));
  auto loaded = LoadSignedSummons(*db_, 1);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->document, issued.document);
  EXPECT_EQ(loaded->content, issued.content);
  EXPECT_EQ(loaded->signature.bytes, issued.signature.bytes);
  EXPECT_EQ(loaded->verification_code, issued.verification_code);
  EXPECT_TRUE(VerifySignedSummons(*ring_, *loaded).genuine);
}

TEST_F(SignedSummonsTest, SigningRefusesAnInvalidDocument) {
  SummonsDocument document = ExampleDocument(1);
  document.purpose.clear();
  EXPECT_EQ(SignSummons(*db_, *ring_, document).status().message(), "purpose: empty");
}

TEST_F(SignedSummonsTest, UnsignedOrUnknownSummonsIsNotFound) {
  EXPECT_EQ(LoadSignedSummons(*db_, 99).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(InsertSummonsRow(*db_, ExampleDocument(5)).ok());  // issued before signing existed
  EXPECT_EQ(LoadSignedSummons(*db_, 5).status().code(), StatusCode::kNotFound);
}

TEST_F(SignedSummonsTest, CodeCollisionTakesTheNextAttempt) {
  SignedSummons first = Issue(1);
  // Another summons whose signature would give the same first code (forced here).
  SignedSummons second = first;
  second.document = ExampleDocument(2);
  ASSERT_TRUE(InsertSummonsRow(*db_, second.document).ok());
  auto code = AllocateVerificationCode(*db_, first.signature);
  ASSERT_TRUE(code.ok());
  EXPECT_NE(*code, first.verification_code);
  EXPECT_EQ(*code, VerificationCode(first.signature, 1));
  EXPECT_TRUE(CodeBelongsToSignature(*code, first.signature));
  // Saving a taken code is refused by the store's unique index.
  EXPECT_EQ(SaveSignedSummons(*db_, second).code(), StatusCode::kAlreadyExists);
}

TEST_F(SignedSummonsTest, GenuineCodeShowsOnlyMinimalFacts) {
  SignedSummons issued = Issue(1, "served");
  // Typed sloppily: lower case, no hyphens.
  std::string typed;
  for (char c : issued.verification_code) {
    if (c != '-') typed += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  PublicVerification result = Check(typed);
  EXPECT_EQ(result.outcome, VerificationOutcome::kGenuine);
  EXPECT_EQ(result.code, issued.verification_code);
  EXPECT_EQ(result.initials, "С. И. П.");
  EXPECT_EQ(result.office, "RYA-01");
  EXPECT_EQ(result.office_region_ru, "Рязанская область");
  ASSERT_TRUE(result.appearance_date.has_value());
  EXPECT_EQ(FormatDate(*result.appearance_date), "2026-05-04");
  EXPECT_EQ(result.purpose, "медицинское освидетельствование");
  EXPECT_EQ(result.summons_status, "served");
  EXPECT_EQ(result.key_state, KeyState::kActive);

  std::string json = boost::json::serialize(VerificationJson(result));
  EXPECT_EQ(json.find("Соколов"), std::string::npos);
  EXPECT_EQ(json.find("2005"), std::string::npos);    // birth year
  EXPECT_EQ(json.find("Ленина"), std::string::npos);  // address
  std::string html = RenderVerificationHtml(result);
  EXPECT_EQ(html.find("Соколов"), std::string::npos);
  EXPECT_NE(html.find("Повестка подлинная"), std::string::npos);
}

TEST_F(SignedSummonsTest, TamperedStoredDocumentIsNotGenuine) {
  SignedSummons issued = Issue(1);
  std::string forged = issued.content;
  forged.replace(forged.find("2026-05-04T06"), 13, "2026-05-03T06");
  ASSERT_TRUE(
      ExecuteSql(*db_, "UPDATE summonses SET document = $1 WHERE summons_id = 1", forged).ok());
  PublicVerification result = Check(issued.verification_code);
  EXPECT_EQ(result.outcome, VerificationOutcome::kNotGenuine);
  EXPECT_TRUE(result.initials.empty());  // nothing from an unverified record is shown
  EXPECT_FALSE(result.appearance_date.has_value());

  // Garbage in the column is not a server error either.
  ASSERT_TRUE(ExecuteSql(*db_, "UPDATE summonses SET document = 'x' WHERE summons_id = 1").ok());
  EXPECT_EQ(Check(issued.verification_code).outcome, VerificationOutcome::kNotGenuine);
}

TEST_F(SignedSummonsTest, DocumentMovedToAnotherSummonsRowIsNotGenuine) {
  SignedSummons issued = Issue(1);
  ASSERT_TRUE(InsertSummonsRow(*db_, ExampleDocument(2)).ok());
  ASSERT_TRUE(
      ExecuteSql(*db_, "UPDATE summonses SET verification_code = NULL WHERE summons_id = 1").ok());
  ASSERT_TRUE(ExecuteSql(*db_,
                         "UPDATE summonses SET document = $1, key_id = $2, signature = $3, "
                         "verification_code = $4 WHERE summons_id = 2",
                         issued.content, issued.signature.key_id,
                         EncodeSignatureBytes(issued.signature.bytes), issued.verification_code)
                  .ok());
  EXPECT_EQ(Check(issued.verification_code).outcome, VerificationOutcome::kNotGenuine);
}

TEST_F(SignedSummonsTest, UnknownAndMistypedCodesAreOutcomesNotErrors) {
  SignedSummons issued = Issue(1);
  Signature other = issued.signature;
  other.bytes[0] ^= 1;
  EXPECT_EQ(Check(VerificationCode(other)).outcome, VerificationOutcome::kUnknownCode);
  std::string typo = issued.verification_code;
  typo[0] = typo[0] == '7' ? '8' : '7';
  PublicVerification mistyped = Check(typo);
  EXPECT_EQ(mistyped.outcome, VerificationOutcome::kMalformedCode);
  EXPECT_EQ(mistyped.code, typo);
  EXPECT_EQ(Check("' OR 1=1 --").outcome, VerificationOutcome::kMalformedCode);
  EXPECT_EQ(Check("код\xff").code, "??????\?");  // never echoes bytes that are not ASCII
}

TEST_F(SignedSummonsTest, OldNoticeStillVerifiesAfterRotation) {
  SignedSummons issued = Issue(1);
  ASSERT_TRUE(ring_->Rotate(*db_, At("2026-06-01T00:00:00Z")).ok());
  PublicVerification result = Check(issued.verification_code);
  EXPECT_EQ(result.outcome, VerificationOutcome::kGenuine);
  EXPECT_EQ(result.key_state, KeyState::kRetired);
}

TEST_F(SignedSummonsTest, RevocationOnAnotherNodeShowsAtOnce) {
  SignedSummons issued = Issue(1);
  auto other_node = KeyRing::Open(*db_, "");
  ASSERT_TRUE(other_node.ok());
  ASSERT_TRUE((*other_node)
                  ->Revoke(*db_, issued.signature.key_id, "compromised", At("2026-06-01T00:00:00Z"))
                  .ok());
  // ring_ was loaded before the revocation; the check notices and reloads.
  PublicVerification result = Check(issued.verification_code);
  EXPECT_EQ(result.outcome, VerificationOutcome::kNotGenuine);
  EXPECT_EQ(result.key_state, KeyState::kRevoked);
  EXPECT_EQ(result.key_revoked_at, At("2026-06-01T00:00:00Z"));
  boost::json::object json = VerificationJson(result);
  EXPECT_EQ(json.at("key_state").as_string(), "revoked");
  EXPECT_EQ(json.at("genuine").as_bool(), false);
  EXPECT_FALSE(json.contains("summons"));
  // The internal reason is not published.
  EXPECT_EQ(RenderVerificationHtml(result).find("compromised"), std::string::npos);
}

}  // namespace
}  // namespace muster
