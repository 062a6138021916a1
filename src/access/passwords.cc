#include "access/passwords.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <array>

#include "common/crypto.h"

namespace muster::access {

Result<std::string> HashPassword(std::string_view password) {
  if (password.size() < kMinPasswordLength) {
    return InvalidArgument("password: must have at least " + std::to_string(kMinPasswordLength) +
                           " characters");
  }
  RETURN_IF_ERROR(InitCrypto());
  std::array<char, crypto_pwhash_STRBYTES> hash{};
  if (crypto_pwhash_str(hash.data(), password.data(), password.size(),
                        crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return Internal("password: out of memory while hashing");
  }
  return std::string(hash.data());
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  if (!InitCrypto().ok()) return false;
  std::string terminated(hash);
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

namespace {
constexpr std::string_view kBase32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
}

std::string Base32Encode(std::string_view bytes) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kBase32Alphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kBase32Alphabet[(buffer << (5 - bits)) & 31]);
  return out;
}

Result<std::string> Base32Decode(std::string_view text, std::string_view field) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=' || c == ' ') continue;
    char upper = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    size_t value = kBase32Alphabet.find(upper);
    if (value == std::string_view::npos) {
      return InvalidArgument(std::string(field) + ": not base32");
    }
    buffer = (buffer << 5) | static_cast<uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xff));
      bits -= 8;
    }
  }
  return out;
}

std::string NewTotpSecret() {
  (void)InitCrypto();
  std::array<unsigned char, 20> secret{};
  randombytes_buf(secret.data(), secret.size());
  return Base32Encode(std::string_view(reinterpret_cast<const char*>(secret.data()), secret.size()));
}

int64_t TotpStep(Instant at) { return ToUnixSeconds(at) / 30; }

Result<std::string> TotpCode(std::string_view secret, int64_t step) {
  ASSIGN_OR_RETURN(std::string key, Base32Decode(secret, "totp_secret"));
  std::array<unsigned char, 8> counter{};
  for (int i = 7; i >= 0; --i) {
    counter[i] = static_cast<unsigned char>(step & 0xff);
    step >>= 8;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_size = 0;
  if (HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), counter.data(), counter.size(),
           mac.data(), &mac_size) == nullptr) {
    return Internal("totp: HMAC failed");
  }
  int offset = mac[mac_size - 1] & 0x0f;
  uint32_t binary = ((mac[offset] & 0x7fu) << 24) | (mac[offset + 1] << 16) |
                    (mac[offset + 2] << 8) | mac[offset + 3];
  std::string code = std::to_string(binary % 1000000);
  return std::string(6 - code.size(), '0') + code;
}

std::optional<int64_t> MatchTotp(std::string_view secret, std::string_view code, Instant now,
                                 std::optional<int64_t> last_used_step) {
  if (code.size() != 6) return std::nullopt;
  int64_t current = TotpStep(now);
  for (int64_t step : {current, current - 1, current + 1}) {
    if (last_used_step && step <= *last_used_step) continue;
    auto expected = TotpCode(secret, step);
    if (expected.ok() && expected->size() == code.size() &&
        sodium_memcmp(expected->data(), code.data(), code.size()) == 0) {
      return step;
    }
  }
  return std::nullopt;
}

std::string TotpProvisioningUri(std::string_view login, std::string_view secret) {
  return "otpauth://totp/Muster:" + std::string(login) + "?secret=" + std::string(secret) +
         "&issuer=Muster&algorithm=SHA1&digits=6&period=30";
}

std::string NewBearerToken(std::string_view prefix) {
  (void)InitCrypto();
  std::array<unsigned char, 32> random{};
  randombytes_buf(random.data(), random.size());
  std::array<char, sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)> text{};
  sodium_bin2base64(text.data(), text.size(), random.data(), random.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return std::string(prefix) + text.data();
}

}  // namespace muster::access
