// Webhook signatures: how a consumer knows a payload came from Muster, unchanged and recently.
//
// Every delivery carries `Muster-Signature: t=<unix seconds>,<scheme>=<hex>` over the bytes
// `t + "." + body`, so the timestamp is signed with the body and a captured delivery cannot be
// replayed later than the consumer's tolerance (5 minutes by default). Two schemes:
//   v1=…       HMAC-SHA256 with the subscription's shared secret (as Stripe and GitHub do);
//              reproducible with `printf '%s.%s' "$t" "$body" | openssl dgst -sha256 -hmac KEY`.
//   ed25519=…  an Ed25519 signature by Muster's webhook key; the consumer holds only the
//              public key, so nobody at the consumer can forge a payload.
// The Verify functions are what a consumer runs; Muster's tests use them and, independently,
// the openssl command line.
//
// Thread-safe after InitCrypto() (the functions call it).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/time.h"

namespace muster::enforcement {

enum class SignatureScheme { kHmacSha256, kEd25519 };
std::string_view SignatureSchemeName(SignatureScheme scheme);  // "hmac-sha256", "ed25519"
Result<SignatureScheme> ParseSignatureScheme(std::string_view text, std::string_view field);

// A fresh random HMAC secret: 64 lower-case hex characters, used as the key bytes as written.
std::string NewWebhookSecret();

// Lower-case hex HMAC-SHA256 of `message` under `key`.
std::string HmacSha256Hex(std::string_view key, std::string_view message);

struct Ed25519Key {
  std::string seed;        // 32 bytes, secret
  std::string public_key;  // 32 bytes
};
// The key pair of a 32-byte seed (kInvalidArgument naming "seed" otherwise).
Result<Ed25519Key> Ed25519KeyFromSeed(std::string_view seed);
Ed25519Key NewEd25519Key();

// "t=1767225600,v1=5f0c…"
std::string SignHmacSha256(std::string_view secret, Instant timestamp, std::string_view body);
// "t=1767225600,ed25519=9a1b…" (the 64-byte signature in hex)
std::string SignEd25519(const Ed25519Key& key, Instant timestamp, std::string_view body);

inline constexpr std::chrono::seconds kDefaultSignatureTolerance{300};

// Checks a Muster-Signature header as a consumer would: the header parses, its timestamp is
// within `tolerance` of `now` (kPermissionDenied "signature: timestamp … outside tolerance",
// against replay), and the signature matches (compared in constant time; kPermissionDenied
// "signature: mismatch"). kInvalidArgument for a malformed header.
Status VerifyHmacSha256(std::string_view header, std::string_view body, std::string_view secret,
                        Instant now, std::chrono::seconds tolerance = kDefaultSignatureTolerance);
Status VerifyEd25519(std::string_view header, std::string_view body, std::string_view public_key,
                     Instant now, std::chrono::seconds tolerance = kDefaultSignatureTolerance);

}  // namespace muster::enforcement
