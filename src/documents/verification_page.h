// Public verification of a notice, without login: GET /verify/{code} (HTML for people, JSON
// for programs).
//
// Anyone holding a paper or a screenshot can check whether a notice is genuine. The answer
// shows only what is needed to match the paper in hand — initials, office, appearance date,
// purpose, the summons's status — never the full name, birth date or address, because anyone
// may type any code. Every answer repeats the anti-fraud rule in plain words: Muster never
// asks for codes or passwords and never sends links to pay.
//
// The page is one self-contained HTML document in Russian and English: no scripts, no external
// assets, an inline style allowed by the Content-Security-Policy below; every value is
// escaped. The route should send it with `Content-Security-Policy:
// VerificationPageContentSecurityPolicy()`, `Cache-Control: no-store`,
// `Referrer-Policy: no-referrer` and `X-Content-Type-Options: nosniff`.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/time.h"
#include "documents/signing_keys.h"
#include "store/database.h"

namespace muster {

inline constexpr std::string_view kAntiFraudRu =
    "Muster никогда не просит сообщить коды или пароли и никогда не присылает ссылок для оплаты.";
inline constexpr std::string_view kAntiFraudEn =
    "Muster never asks for codes or passwords and never sends links to pay.";

enum class VerificationOutcome {
  kGenuine,        // found, signature valid, key active or retired
  kNotGenuine,     // found, but the record does not verify or its key is revoked
  kUnknownCode,    // well-formed code that no summons has
  kMalformedCode,  // wrong length, foreign symbol or failed check symbol: a typo
};
// "genuine", "not_genuine", "unknown_code", "malformed_code"
std::string_view VerificationOutcomeName(VerificationOutcome outcome);

struct PublicVerification {
  std::string code;  // canonical form; when malformed, as typed (32 bytes, ASCII, else '?')
  VerificationOutcome outcome = VerificationOutcome::kUnknownCode;
  // Set whenever a summons was found.
  KeyState key_state = KeyState::kUnknown;
  std::string key_id;
  std::optional<Instant> key_revoked_at;
  // Set only when genuine.
  std::string initials;          // "С. И. П."
  std::string office;            // "RYA-01"
  std::string office_region_ru;  // "Рязанская область" (empty if the office id is unusual)
  std::string office_region_en;              // "Ryazan Oblast"
  std::optional<CivilDate> appearance_date;  // local date at the office
  std::string purpose;
  std::string summons_status;  // "issued", "served", "appeared", "excused", "cancelled"
};

// The whole check behind GET /verify/{code}: normalises the typed code, finds the summons by
// it, verifies the stored document, signature and code. A mistyped, unknown, tampered or
// revoked-key notice is an outcome, not an error; the only errors are the store's (kUnavailable
// …). Before trusting its in-memory state for the notice's key, it asks the store whether that
// key was revoked or added since, and reloads the ring if so, so a revocation made on another
// node shows at once. Runs on the thread that owns `connection`.
Result<PublicVerification> CheckVerificationCode(Connection& connection, KeyRing& key_ring,
                                                 std::string_view typed_code);

// The page for a check's result (HTTP 200 for every outcome: the page is the answer).
std::string RenderVerificationHtml(const PublicVerification& verification);
// The page for GET /verify with no code: what this is, the anti-fraud rule and a form that
// sends GET /verify?code=….
std::string RenderVerificationFormHtml();
// The minimal JSON view:
//   {"code","outcome","genuine","key_state"?,"key_id"?,"key_revoked_at"?,
//    "summons"?:{"initials","office","appearance_date","purpose","status"},
//    "notice":{"ru","en"}}
boost::json::object VerificationJson(const PublicVerification& verification);

// "default-src 'none'; style-src 'sha256-…'; form-action 'self'; base-uri 'none';
// frame-ancestors 'none'": allows exactly the page's inline style and nothing else.
const std::string& VerificationPageContentSecurityPolicy();

}  // namespace muster
