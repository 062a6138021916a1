#include "documents/verification_code.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace muster {
namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

Signature FakeSignature(int seed) {
  Signature signature{.key_id = "2026-11-29-a1b2", .bytes = std::string(64, '\0')};
  for (int i = 0; i < 64; ++i) signature.bytes[i] = static_cast<char>(seed * 31 + i * 7);
  return signature;
}

TEST(VerificationCodeTest, IsTwelveCrockfordSymbolsInGroupsOfFour) {
  const std::string group = "[0-9ABCDEFGHJKMNPQRSTVWXYZ]{4}";
  for (int seed = 0; seed < 200; ++seed) {
    std::string code = VerificationCode(FakeSignature(seed));
    EXPECT_THAT(code, ::testing::MatchesRegex(group + "-" + group + "-" + group));
    EXPECT_EQ(*NormalizeVerificationCode(code), code);
  }
}

TEST(VerificationCodeTest, DependsOnSignatureKeyAndAttempt) {
  Signature signature = FakeSignature(1);
  std::set<std::string> codes;
  for (int attempt = 0; attempt < kVerificationCodeAttempts; ++attempt) {
    codes.insert(VerificationCode(signature, attempt));
  }
  EXPECT_EQ(codes.size(), static_cast<size_t>(kVerificationCodeAttempts));
  Signature other_key = signature;
  other_key.key_id = "2026-11-29-ffff";
  EXPECT_NE(VerificationCode(other_key), VerificationCode(signature));
  Signature other_bytes = signature;
  other_bytes.bytes[63] ^= 1;
  EXPECT_NE(VerificationCode(other_bytes), VerificationCode(signature));
}

TEST(VerificationCodeTest, BelongsToItsSignatureForEveryAttemptOnly) {
  Signature signature = FakeSignature(2);
  EXPECT_TRUE(CodeBelongsToSignature(VerificationCode(signature, 0), signature));
  EXPECT_TRUE(CodeBelongsToSignature(VerificationCode(signature, kVerificationCodeAttempts - 1),
                                     signature));
  EXPECT_FALSE(CodeBelongsToSignature(VerificationCode(FakeSignature(3)), signature));
}

TEST(NormalizeVerificationCodeTest, ReadsWhatPeopleTypeTheCrockfordWay) {
  std::string code = VerificationCode(FakeSignature(4));
  std::string typed;
  for (char c : code) {
    if (c == '-') continue;
    typed += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (typed.size() % 3 == 0) typed += ' ';
  }
  EXPECT_EQ(*NormalizeVerificationCode(typed), code);
  // O for zero, I and L for one.
  std::string with_zero_and_one;
  for (char c : code) with_zero_and_one += c == '0' ? 'O' : c == '1' ? 'l' : c;
  EXPECT_EQ(*NormalizeVerificationCode(with_zero_and_one), code);
}

TEST(NormalizeVerificationCodeTest, RejectsWrongLengthAndForeignSymbols) {
  EXPECT_EQ(NormalizeVerificationCode("7K3Q-9XMD").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(NormalizeVerificationCode("7K3Q-9XMD-2F4W-1").status().code(),
            StatusCode::kInvalidArgument);
  Status foreign = NormalizeVerificationCode("7K3Q-9XMD-2FU4").status();
  EXPECT_TRUE(foreign.message().starts_with("verification_code: 'U'")) << foreign.message();
  EXPECT_FALSE(NormalizeVerificationCode("").ok());
  EXPECT_FALSE(NormalizeVerificationCode("<script>").ok());
}

TEST(NormalizeVerificationCodeTest, CatchesEverySingleMistypedSymbol) {
  for (int seed = 0; seed < 20; ++seed) {
    std::string code = VerificationCode(FakeSignature(seed));
    for (size_t position = 0; position < code.size(); ++position) {
      if (code[position] == '-') continue;
      for (char replacement : kAlphabet) {
        if (replacement == code[position]) continue;
        std::string typo = code;
        typo[position] = replacement;
        EXPECT_FALSE(NormalizeVerificationCode(typo).ok()) << code << " → " << typo;
      }
    }
  }
}

// Luhn mod 32 misses one kind of neighbour swap only: "0Z" ↔ "Z0".
TEST(NormalizeVerificationCodeTest, CatchesSwappedNeighboursExceptZeroAndZ) {
  int checked = 0;
  for (int seed = 0; seed < 200; ++seed) {
    std::string code = VerificationCode(FakeSignature(seed));
    std::string symbols;
    for (char c : code)
      if (c != '-') symbols += c;
    for (size_t i = 0; i + 1 < symbols.size(); ++i) {
      char a = symbols[i], b = symbols[i + 1];
      if (a == b || (a == '0' && b == 'Z') || (a == 'Z' && b == '0')) continue;
      std::string swapped = symbols;
      std::swap(swapped[i], swapped[i + 1]);
      EXPECT_FALSE(NormalizeVerificationCode(swapped).ok()) << symbols << " → " << swapped;
      ++checked;
    }
  }
  EXPECT_GT(checked, 1000);
}

}  // namespace
}  // namespace muster
