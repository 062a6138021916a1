// Officer passwords (Argon2id through libsodium's crypto_pwhash_str) and TOTP second factors
// (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/time.h"

namespace muster::access {

// At least this many characters; the rest is left to the officer (NIST SP 800-63B).
inline constexpr size_t kMinPasswordLength = 12;

// An Argon2id hash string ("$argon2id$v=19$m=…") with libsodium's interactive limits, or
// kInvalidArgument ("password: …") for a password that is too short.
Result<std::string> HashPassword(std::string_view password);
// True if `password` matches `hash` (constant time inside libsodium).
bool VerifyPassword(std::string_view hash, std::string_view password);

// RFC 4648 base32 without padding, as authenticator apps expect.
std::string Base32Encode(std::string_view bytes);
Result<std::string> Base32Decode(std::string_view text, std::string_view field);

// A fresh 160-bit TOTP secret, base32.
std::string NewTotpSecret();
// The 6-digit code of `secret` (base32) for the 30-second step `step`.
Result<std::string> TotpCode(std::string_view secret, int64_t step);
int64_t TotpStep(Instant at);
// The step `code` is valid for at `now` (the current step or one either side, for clock
// drift), provided it is later than `last_used_step` so that a code is never accepted twice.
std::optional<int64_t> MatchTotp(std::string_view secret, std::string_view code, Instant now,
                                 std::optional<int64_t> last_used_step);
// otpauth://totp/Muster:LOGIN?secret=…&issuer=Muster — for a QR code in an authenticator app.
std::string TotpProvisioningUri(std::string_view login, std::string_view secret);

// A random bearer token: `prefix` + 43 characters of base64url (256 bits).
std::string NewBearerToken(std::string_view prefix);

}  // namespace muster::access
