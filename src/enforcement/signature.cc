#include "enforcement/signature.h"

#include <sodium.h>

#include <charconv>
#include <optional>

#include "common/crypto.h"

namespace muster::enforcement {
namespace {

std::string SignedBytes(Instant timestamp, std::string_view body) {
  std::string bytes = std::to_string(ToUnixSeconds(timestamp));
  bytes += '.';
  bytes += body;
  return bytes;
}

struct ParsedHeader {
  int64_t timestamp = 0;
  std::string signature_hex;
};

// "t=<digits>,<name>=<hex>" in any order; other fields are ignored (room for a v2).
Result<ParsedHeader> ParseHeader(std::string_view header, std::string_view name) {
  ParsedHeader parsed;
  bool has_timestamp = false;
  size_t pos = 0;
  while (pos <= header.size()) {
    size_t comma = header.find(',', pos);
    std::string_view field =
        header.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    size_t equals = field.find('=');
    if (equals != std::string_view::npos) {
      std::string_view key = field.substr(0, equals);
      std::string_view value = field.substr(equals + 1);
      if (key == "t") {
        auto [end, error] =
            std::from_chars(value.data(), value.data() + value.size(), parsed.timestamp);
        if (error != std::errc() || end != value.data() + value.size()) {
          return InvalidArgument("signature: malformed timestamp '" + std::string(value) + "'");
        }
        has_timestamp = true;
      } else if (key == name) {
        parsed.signature_hex = std::string(value);
      }
    }
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  if (!has_timestamp) return InvalidArgument("signature: no t= timestamp");
  if (parsed.signature_hex.empty()) {
    return InvalidArgument("signature: no " + std::string(name) + "= signature");
  }
  return parsed;
}

Status CheckTimestamp(int64_t timestamp, Instant now, std::chrono::seconds tolerance) {
  int64_t skew = ToUnixSeconds(now) - timestamp;
  if (skew > tolerance.count() || -skew > tolerance.count()) {
    return PermissionDenied("signature: timestamp " + std::to_string(timestamp) + " is " +
                            std::to_string(skew) + " s from now, outside the tolerance of " +
                            std::to_string(tolerance.count()) + " s");
  }
  return Status::Ok();
}

std::optional<std::string> HexDecode(std::string_view hex) {
  std::string bytes(hex.size() / 2, '\0');
  size_t length = 0;
  const char* end = nullptr;
  if (hex.size() % 2 != 0 ||
      sodium_hex2bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), hex.data(),
                     hex.size(), nullptr, &length, &end) != 0 ||
      length != bytes.size()) {
    return std::nullopt;
  }
  return bytes;
}

}  // namespace

std::string_view SignatureSchemeName(SignatureScheme scheme) {
  switch (scheme) {
    case SignatureScheme::kHmacSha256:
      return "hmac-sha256";
    case SignatureScheme::kEd25519:
      return "ed25519";
  }
  return "?";
}

Result<SignatureScheme> ParseSignatureScheme(std::string_view text, std::string_view field) {
  if (text == "hmac-sha256") return SignatureScheme::kHmacSha256;
  if (text == "ed25519") return SignatureScheme::kEd25519;
  return InvalidArgument(std::string(field) + ": unknown signature scheme '" + std::string(text) +
                         "' (hmac-sha256 or ed25519)");
}

std::string NewWebhookSecret() {
  (void)InitCrypto();
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  (void)InitCrypto();
  crypto_auth_hmacsha256_state state;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  crypto_auth_hmacsha256_final(&state, mac);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(mac), sizeof mac));
}

Result<Ed25519Key> Ed25519KeyFromSeed(std::string_view seed) {
  RETURN_IF_ERROR(InitCrypto());
  if (seed.size() != crypto_sign_SEEDBYTES) {
    return InvalidArgument("seed: an Ed25519 seed is 32 bytes, got " + std::to_string(seed.size()));
  }
  unsigned char public_key[crypto_sign_PUBLICKEYBYTES];
  unsigned char secret_key[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(public_key, secret_key,
                           reinterpret_cast<const unsigned char*>(seed.data()));
  sodium_memzero(secret_key, sizeof secret_key);
  return Ed25519Key{std::string(seed),
                    std::string(reinterpret_cast<const char*>(public_key), sizeof public_key)};
}

Ed25519Key NewEd25519Key() {
  (void)InitCrypto();
  unsigned char seed[crypto_sign_SEEDBYTES];
  randombytes_buf(seed, sizeof seed);
  auto key = Ed25519KeyFromSeed(std::string_view(reinterpret_cast<const char*>(seed), sizeof seed));
  sodium_memzero(seed, sizeof seed);
  return std::move(key).value();
}

std::string SignHmacSha256(std::string_view secret, Instant timestamp, std::string_view body) {
  return "t=" + std::to_string(ToUnixSeconds(timestamp)) +
         ",v1=" + HmacSha256Hex(secret, SignedBytes(timestamp, body));
}

std::string SignEd25519(const Ed25519Key& key, Instant timestamp, std::string_view body) {
  (void)InitCrypto();
  unsigned char public_key[crypto_sign_PUBLICKEYBYTES];
  unsigned char secret_key[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(public_key, secret_key,
                           reinterpret_cast<const unsigned char*>(key.seed.data()));
  std::string message = SignedBytes(timestamp, body);
  unsigned char signature[crypto_sign_BYTES];
  crypto_sign_detached(signature, nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), secret_key);
  sodium_memzero(secret_key, sizeof secret_key);
  return "t=" + std::to_string(ToUnixSeconds(timestamp)) + ",ed25519=" +
         HexEncode(std::string_view(reinterpret_cast<const char*>(signature), sizeof signature));
}

Status VerifyHmacSha256(std::string_view header, std::string_view body, std::string_view secret,
                        Instant now, std::chrono::seconds tolerance) {
  ASSIGN_OR_RETURN(ParsedHeader parsed, ParseHeader(header, "v1"));
  RETURN_IF_ERROR(CheckTimestamp(parsed.timestamp, now, tolerance));
  std::string expected =
      HmacSha256Hex(secret, std::to_string(parsed.timestamp) + "." + std::string(body));
  if (parsed.signature_hex.size() != expected.size() ||
      sodium_memcmp(parsed.signature_hex.data(), expected.data(), expected.size()) != 0) {
    return PermissionDenied("signature: mismatch");
  }
  return Status::Ok();
}

Status VerifyEd25519(std::string_view header, std::string_view body, std::string_view public_key,
                     Instant now, std::chrono::seconds tolerance) {
  RETURN_IF_ERROR(InitCrypto());
  ASSIGN_OR_RETURN(ParsedHeader parsed, ParseHeader(header, "ed25519"));
  RETURN_IF_ERROR(CheckTimestamp(parsed.timestamp, now, tolerance));
  std::optional<std::string> signature = HexDecode(parsed.signature_hex);
  if (!signature || signature->size() != crypto_sign_BYTES) {
    return InvalidArgument("signature: ed25519 signature is not 64 bytes of hex");
  }
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES) {
    return InvalidArgument("public_key: an Ed25519 public key is 32 bytes");
  }
  std::string message = std::to_string(parsed.timestamp) + "." + std::string(body);
  if (crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature->data()),
                                  reinterpret_cast<const unsigned char*>(message.data()),
                                  message.size(),
                                  reinterpret_cast<const unsigned char*>(public_key.data())) != 0) {
    return PermissionDenied("signature: mismatch");
  }
  return Status::Ok();
}

}  // namespace muster::enforcement
