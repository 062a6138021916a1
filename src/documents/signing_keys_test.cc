#include "documents/signing_keys.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "documents/documents_test_support.h"

namespace muster {
namespace {

using testing::ExampleDocument;

Instant At(const char* text) { return *ParseInstant(text, "t"); }

class SigningKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = testing::OpenMigratedStore(dir_, "keys");
    ASSERT_NE(db_, nullptr);
    key_dir_ = dir_.path() / "keys";
    auto ring = KeyRing::Open(*db_, key_dir_);
    ASSERT_TRUE(ring.ok()) << ring.status().ToString();
    ring_ = std::move(ring).value();
  }

  std::string Rotate(const char* when) {
    auto key_id = ring_->Rotate(*db_, At(when));
    EXPECT_TRUE(key_id.ok()) << key_id.status().ToString();
    return key_id.ok() ? *key_id : "";
  }

  testing::TempDir dir_;
  std::unique_ptr<Connection> db_;
  std::filesystem::path key_dir_;
  std::unique_ptr<KeyRing> ring_;
};

TEST_F(SigningKeysTest, NothingSignsBeforeTheFirstRotation) {
  Status status = ring_->Sign("content").status();
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(status.message().find("no active key") != std::string::npos) << status.message();
}

TEST_F(SigningKeysTest, KeyIdIsCreationDateAndFourHexDigits) {
  std::string key_id = Rotate("2026-11-29T10:00:00Z");
  EXPECT_THAT(key_id, ::testing::MatchesRegex("2026-11-29-[0-9a-f]{4}"));
  EXPECT_EQ(ring_->active_key_id(), key_id);
}

TEST_F(SigningKeysTest, SignedDocumentVerifiesAsGenuineWithTheActiveKey) {
  std::string key_id = Rotate("2026-11-29T10:00:00Z");
  std::string content = CanonicalContent(ExampleDocument(1));
  auto signature = ring_->Sign(content);
  ASSERT_TRUE(signature.ok()) << signature.status().ToString();
  EXPECT_EQ(signature->key_id, key_id);
  EXPECT_EQ(signature->bytes.size(), 64u);
  Verification verification = ring_->Verify(content, *signature);
  EXPECT_TRUE(verification.genuine) << verification.detail;
  EXPECT_EQ(verification.key_state, KeyState::kActive);
}

TEST_F(SigningKeysTest, TamperedDocumentFailsVerification) {
  Rotate("2026-11-29T10:00:00Z");
  SummonsDocument document = ExampleDocument(1);
  auto signature = ring_->Sign(CanonicalContent(document));
  ASSERT_TRUE(signature.ok());
  document.appearance_at += std::chrono::hours(24);  // a forger moves the date by one day
  Verification verification = ring_->Verify(CanonicalContent(document), *signature);
  EXPECT_FALSE(verification.genuine);
  EXPECT_FALSE(verification.signature_valid);
  EXPECT_EQ(verification.detail, "signature: does not match the content (altered or forged)");

  Signature flipped = *signature;
  flipped.bytes[10] ^= 0x04;
  EXPECT_FALSE(ring_->Verify(CanonicalContent(ExampleDocument(1)), flipped).genuine);
}

TEST_F(SigningKeysTest, RotatedKeyStillVerifiesOldDocuments) {
  std::string old_key = Rotate("2026-11-29T10:00:00Z");
  std::string content = CanonicalContent(ExampleDocument(1));
  auto old_signature = ring_->Sign(content);
  ASSERT_TRUE(old_signature.ok());

  std::string new_key = Rotate("2026-12-01T10:00:00Z");
  ASSERT_NE(new_key, old_key);
  EXPECT_EQ(ring_->active_key_id(), new_key);
  Verification old = ring_->Verify(content, *old_signature);
  EXPECT_TRUE(old.genuine) << old.detail;
  EXPECT_EQ(old.key_state, KeyState::kRetired);
  auto new_signature = ring_->Sign(content);
  ASSERT_TRUE(new_signature.ok());
  EXPECT_EQ(new_signature->key_id, new_key);
  EXPECT_EQ(ring_->Verify(content, *new_signature).key_state, KeyState::kActive);

  // The retired secret is gone from disk: it will never sign again.
  EXPECT_FALSE(std::filesystem::exists(key_dir_ / (old_key + ".key")));
  EXPECT_TRUE(std::filesystem::exists(key_dir_ / (new_key + ".key")));

  // A node that opens the store later (verify-only, no key directory) agrees.
  auto verifier = KeyRing::Open(*db_, "");
  ASSERT_TRUE(verifier.ok());
  EXPECT_TRUE((*verifier)->Verify(content, *old_signature).genuine);
  EXPECT_EQ((*verifier)->Verify(content, *old_signature).key_state, KeyState::kRetired);
  EXPECT_EQ((*verifier)->Sign(content).status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(SigningKeysTest, RevokedKeyIsReported) {
  std::string key_id = Rotate("2026-11-29T10:00:00Z");
  std::string content = CanonicalContent(ExampleDocument(1));
  auto signature = ring_->Sign(content);
  ASSERT_TRUE(signature.ok());
  ASSERT_TRUE(
      ring_->Revoke(*db_, key_id, "key file copied off node 2", At("2026-12-02T08:00:00Z")).ok());

  Verification verification = ring_->Verify(content, *signature);
  EXPECT_FALSE(verification.genuine);
  EXPECT_TRUE(verification.signature_valid);
  EXPECT_EQ(verification.key_state, KeyState::kRevoked);
  EXPECT_EQ(verification.key_revoked_at, At("2026-12-02T08:00:00Z"));
  EXPECT_EQ(verification.key_revoke_reason, "key file copied off node 2");
  EXPECT_EQ(
      verification.detail,
      "signing key " + key_id + ": revoked at 2026-12-02T08:00:00Z (key file copied off node 2)");
  // Nothing signs until the next rotation, and the secret is destroyed.
  EXPECT_EQ(ring_->active_key_id(), std::nullopt);
  EXPECT_EQ(ring_->Sign(content).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(std::filesystem::exists(key_dir_ / (key_id + ".key")));
  // A second revocation keeps the first one's time and reason.
  ASSERT_TRUE(ring_->Revoke(*db_, key_id, "again", At("2026-12-09T08:00:00Z")).ok());
  EXPECT_EQ(ring_->Verify(content, *signature).key_revoke_reason, "key file copied off node 2");
}

TEST_F(SigningKeysTest, RevokeNeedsAKnownKeyAndAReason) {
  Rotate("2026-11-29T10:00:00Z");
  EXPECT_EQ(ring_->Revoke(*db_, "2020-01-01-0000", "x", At("2026-12-02T08:00:00Z")).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(ring_->Revoke(*db_, *ring_->active_key_id(), "", At("2026-12-02T08:00:00Z")).code(),
            StatusCode::kInvalidArgument);
}

TEST_F(SigningKeysTest, UnknownKeyIsReportedAsUnknown) {
  Rotate("2026-11-29T10:00:00Z");
  auto signature = ring_->Sign("content");
  ASSERT_TRUE(signature.ok());
  Signature foreign = *signature;
  foreign.key_id = "2019-01-01-dead";
  Verification verification = ring_->Verify("content", foreign);
  EXPECT_FALSE(verification.genuine);
  EXPECT_EQ(verification.key_state, KeyState::kUnknown);
}

TEST_F(SigningKeysTest, SecretStaysInAnOwnerOnlyFileAndNeverInTheStore) {
  std::string key_id = Rotate("2026-11-29T10:00:00Z");
  std::filesystem::path file = key_dir_ / (key_id + ".key");
  struct stat info {};
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  std::ifstream in(file);
  std::string seed_hex;
  in >> seed_hex;
  ASSERT_EQ(seed_hex.size(), 64u);
  auto rows = Query::Make(*db_, "SELECT key_id, algorithm, public_key FROM signing_keys");
  ASSERT_TRUE(rows.ok());
  ASSERT_TRUE(*rows->Next());
  EXPECT_EQ(rows->Text(1), "ed25519");
  EXPECT_EQ(rows->Text(2).find(seed_hex), std::string::npos);
  EXPECT_NE(rows->Text(2), seed_hex);
}

TEST_F(SigningKeysTest, RefusesToSignWithASecretFileOthersCanRead) {
  std::string key_id = Rotate("2026-11-29T10:00:00Z");
  std::filesystem::path file = key_dir_ / (key_id + ".key");
  ASSERT_EQ(::chmod(file.c_str(), 0644), 0);
  auto reopened = KeyRing::Open(*db_, key_dir_);
  ASSERT_TRUE(reopened.ok());  // still verifies
  Status status = (*reopened)->Sign("content").status();
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(status.message().find("mode 0644") != std::string::npos) << status.message();
  EXPECT_EQ((*reopened)->signing_status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(SigningKeysTest, RefusesASecretFileOfAnotherKey) {
  std::string key_id = Rotate("2026-11-29T10:00:00Z");
  std::filesystem::path file = key_dir_ / (key_id + ".key");
  std::filesystem::remove(file);
  {
    std::ofstream out(file);
    out << std::string(64, 'a') << "\n";
  }
  ASSERT_EQ(::chmod(file.c_str(), 0600), 0);
  auto reopened = KeyRing::Open(*db_, key_dir_);
  ASSERT_TRUE(reopened.ok());
  Status status = (*reopened)->Sign("content").status();
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(status.message().find("does not hold the key") != std::string::npos);
  // The secret's digits never appear in an error.
  EXPECT_EQ(status.message().find("aaaaaaaa"), std::string::npos);
}

TEST_F(SigningKeysTest, AnotherNodesRotationIsSeenAfterReload) {
  Rotate("2026-11-29T10:00:00Z");
  auto other_node = KeyRing::Open(*db_, dir_.path() / "other-keys");
  ASSERT_TRUE(other_node.ok());
  auto newer = (*other_node)->Rotate(*db_, At("2026-12-01T10:00:00Z"));
  ASSERT_TRUE(newer.ok()) << newer.status().ToString();
  auto signature = (*other_node)->Sign("content");
  ASSERT_TRUE(signature.ok());
  EXPECT_EQ(ring_->Verify("content", *signature).key_state, KeyState::kUnknown);
  ASSERT_TRUE(ring_->Reload(*db_).ok());
  EXPECT_TRUE(ring_->Verify("content", *signature).genuine);
  EXPECT_EQ(ring_->active_key_id(), *newer);
  // This node has no secret for the other node's key: it reports why it cannot sign.
  EXPECT_EQ(ring_->Sign("content").status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(SigningKeysTest, TheStoreAllowsOneActiveKeyOnly) {
  Rotate("2026-11-29T10:00:00Z");
  auto second_active =
      ExecuteSql(*db_,
                 "INSERT INTO signing_keys (key_id, algorithm, public_key, created_at, active) "
                 "VALUES ('2026-11-29-0000', 'ed25519', '00', 0, 1)");
  EXPECT_EQ(second_active.status().code(), StatusCode::kAlreadyExists);
}

TEST(SignatureBytesTest, RoundTripThroughText) {
  std::string bytes(64, '\0');
  for (int i = 0; i < 64; ++i) bytes[i] = static_cast<char>(i * 5 + 3);
  std::string text = EncodeSignatureBytes(bytes);
  EXPECT_EQ(text.size(), 86u);
  EXPECT_EQ(*DecodeSignatureBytes(text), bytes);
  EXPECT_EQ(DecodeSignatureBytes(text.substr(1)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeSignatureBytes(text + "AA").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace muster
