#include "documents/verification_code.h"

#include <sodium.h>

#include <array>
#include <cstdint>

namespace muster {
namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::string_view kDomain = "muster-verification-code-v1";
constexpr int kDataSymbols = 11;
constexpr int kSymbols = kDataSymbols + 1;
constexpr int kBase = 32;

// The value of a symbol as Crockford reads it, or -1.
int SymbolValue(char symbol) {
  switch (symbol) {
    case 'O':
    case 'o':
      return 0;
    case 'I':
    case 'i':
    case 'L':
    case 'l':
      return 1;
    default:
      break;
  }
  char upper = (symbol >= 'a' && symbol <= 'z') ? static_cast<char>(symbol - 'a' + 'A') : symbol;
  size_t index = kAlphabet.find(upper);
  return (index == std::string_view::npos || upper == '\0') ? -1 : static_cast<int>(index);
}

// Luhn mod N (N = 32): doubling every second symbol from the right detects every single
// substitution and almost every transposition of neighbours.
int LuhnSum(const std::array<int, kSymbols>& values, int count, int first_factor) {
  int factor = first_factor;
  int sum = 0;
  for (int i = count - 1; i >= 0; --i) {
    int addend = factor * values[i];
    factor = factor == 2 ? 1 : 2;
    sum += addend / kBase + addend % kBase;
  }
  return sum;
}

std::string Format(const std::array<int, kSymbols>& values) {
  std::string code;
  code.reserve(kSymbols + 2);
  for (int i = 0; i < kSymbols; ++i) {
    if (i > 0 && i % 4 == 0) code += '-';
    code += kAlphabet[values[i]];
  }
  return code;
}

}  // namespace

std::string VerificationCode(const Signature& signature, int attempt) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, crypto_generichash_BYTES_MIN);
  auto update = [&](std::string_view bytes) {
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(bytes.data()),
                              bytes.size());
  };
  const char attempt_byte = static_cast<char>(attempt);
  update(kDomain);
  update({&attempt_byte, 1});
  update(signature.key_id);
  update({"\0", 1});
  update(signature.bytes);
  std::array<unsigned char, crypto_generichash_BYTES_MIN> digest{};
  crypto_generichash_final(&state, digest.data(), digest.size());

  uint64_t bits = 0;
  for (int i = 0; i < 7; ++i) bits = (bits << 8) | digest[i];
  bits >>= 1;  // 56 → 55 bits, eleven symbols of five
  std::array<int, kSymbols> values{};
  for (int i = 0; i < kDataSymbols; ++i) {
    values[i] = static_cast<int>((bits >> (5 * (kDataSymbols - 1 - i))) & 31);
  }
  values[kDataSymbols] = (kBase - LuhnSum(values, kDataSymbols, 2) % kBase) % kBase;
  return Format(values);
}

Result<std::string> NormalizeVerificationCode(std::string_view typed) {
  std::array<int, kSymbols> values{};
  int count = 0;
  for (char symbol : typed) {
    if (symbol == '-' || symbol == ' ' || symbol == '\t') continue;
    int value = SymbolValue(symbol);
    if (value < 0) {
      return InvalidArgument("verification_code: '" + std::string(1, symbol) +
                             "' is not a symbol of the code (0-9 and A-Z without I, L, O, U)");
    }
    if (count == kSymbols) {
      return InvalidArgument("verification_code: too long; a code has 12 symbols");
    }
    values[count++] = value;
  }
  if (count != kSymbols) {
    return InvalidArgument("verification_code: " + std::to_string(count) +
                           " symbols; a code has 12 (XXXX-XXXX-XXXX)");
  }
  if (LuhnSum(values, kSymbols, 1) % kBase != 0) {
    return InvalidArgument("verification_code: check symbol does not match; a symbol is mistyped");
  }
  return Format(values);
}

bool CodeBelongsToSignature(std::string_view code, const Signature& signature) {
  for (int attempt = 0; attempt < kVerificationCodeAttempts; ++attempt) {
    if (VerificationCode(signature, attempt) == code) return true;
  }
  return false;
}

Result<std::string> AllocateVerificationCode(Connection& connection, const Signature& signature) {
  for (int attempt = 0; attempt < kVerificationCodeAttempts; ++attempt) {
    std::string code = VerificationCode(signature, attempt);
    ASSIGN_OR_RETURN(
        Query query,
        Query::Make(connection, "SELECT 1 FROM summonses WHERE verification_code = $1"));
    query.Bind(code);
    ASSIGN_OR_RETURN(bool taken, query.Next());
    if (!taken) return code;
  }
  return Internal("verification_code: every attempt collides with an existing code");
}

}  // namespace muster
