#include "documents/verification_page.h"

#include <sodium.h>

#include <boost/json.hpp>

#include "documents/signed_summons.h"
#include "documents/summons_document.h"
#include "documents/verification_code.h"
#include "domain/region.h"

namespace muster {
namespace {

namespace json = boost::json;

constexpr std::string_view kStyle =
    "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:0;background:#f4f4f1;color:#1c1c1c;"
    "line-height:1.45}"
    "main{max-width:40rem;margin:0 auto;padding:1.5rem 1rem}"
    "h1{font-size:1.4rem;margin:0 0 1rem}"
    "h2{font-size:1.15rem;margin:0 0 .5rem}"
    ".en{color:#555;font-size:.92em}"
    ".verdict{border-left:.5rem solid;padding:.8rem 1rem;background:#fff;margin:1rem 0}"
    ".genuine{border-color:#1a7f37}.bad{border-color:#b42318}.unknown{border-color:#b54708}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;background:#fff;"
    "padding:.8rem 1rem;margin:1rem 0}"
    "dt{font-weight:bold}dd{margin:0}"
    ".code{font-family:'DejaVu Sans Mono',monospace;font-size:1.1em;letter-spacing:.05em}"
    ".fraud{background:#fff4e5;padding:.8rem 1rem;margin:1rem 0;border:1px solid #f5c27a}"
    "form{margin:1.5rem 0}input{font-family:monospace;font-size:1.1rem;padding:.3rem;"
    "width:12em}button{font-size:1rem;padding:.35rem .8rem;margin-left:.4rem}";

std::string Escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Russian and English, side by side.
std::string Both(std::string_view ru, std::string_view en) {
  return Escape(ru) + " <span class=\"en\" lang=\"en\">" + Escape(en) + "</span>";
}

struct StatusWords {
  std::string_view ru;
  std::string_view en;
};

StatusWords DescribeStatus(std::string_view status) {
  if (status == "issued") return {"выдана, ожидает вручения", "issued, not yet served"};
  if (status == "served") return {"вручена", "served"};
  if (status == "appeared") return {"явка отмечена", "appearance recorded"};
  if (status == "excused") return {"уважительная причина принята", "excuse accepted"};
  if (status == "cancelled")
    return {"отменена — являться по ней не нужно", "cancelled — you need not appear"};
  return {status, status};
}

StatusWords DescribeKey(KeyState state) {
  switch (state) {
    case KeyState::kActive:
      return {"действующий", "active"};
    case KeyState::kRetired:
      return {"выведен из обращения, подпись действительна", "retired, signature still valid"};
    case KeyState::kRevoked:
      return {"отозван", "revoked"};
    case KeyState::kUnknown:
      return {"неизвестен", "unknown"};
  }
  return {"неизвестен", "unknown"};
}

std::string PageStart(std::string_view title_ru, std::string_view title_en) {
  std::string html;
  html.reserve(4096);
  html +=
      "<!DOCTYPE html>\n<html lang=\"ru\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"robots\" content=\"noindex, nofollow\">\n"
      "<meta name=\"referrer\" content=\"no-referrer\">\n<title>";
  html += Escape(title_ru) + " / " + Escape(title_en);
  html += "</title>\n<style>";
  html += kStyle;
  html += "</style>\n</head>\n<body>\n<main>\n<h1>";
  html += Both("Проверка повестки", "Notice verification");
  html += "</h1>\n";
  return html;
}

std::string FraudAndForm(std::string_view code_value) {
  std::string html;
  html += "<section class=\"fraud\">\n<h2>";
  html += Both("Осторожно: мошенники", "Beware of fraud");
  html += "</h2>\n<p>";
  html += Escape(kAntiFraudRu);
  html += "</p>\n<p lang=\"en\" class=\"en\">";
  html += Escape(kAntiFraudEn);
  html += "</p>\n</section>\n";
  html += "<form method=\"get\" action=\"/verify\">\n<label for=\"code\">";
  html += Both("Код с повестки", "Code on the notice");
  html +=
      "</label><br>\n<input id=\"code\" name=\"code\" autocomplete=\"off\" "
      "spellcheck=\"false\" maxlength=\"20\" placeholder=\"XXXX-XXXX-XXXX\" value=\"";
  html += Escape(code_value);
  html += "\"><button type=\"submit\">Проверить / Check</button>\n</form>\n";
  return html;
}

std::string PageEnd() { return "</main>\n</body>\n</html>\n"; }

std::string Row(std::string_view label_ru, std::string_view label_en, std::string value_html) {
  return "<dt>" + Both(label_ru, label_en) + "</dt><dd>" + value_html + "</dd>\n";
}

// Whether the store knows `key_id` and whether it is revoked there, to catch a rotation or a
// revocation made on another node since the ring was loaded.
Result<bool> RingIsStale(Connection& connection, const std::string& key_id, KeyState ring_state) {
  ASSIGN_OR_RETURN(
      Query query,
      Query::Make(connection, "SELECT revoked_at FROM signing_keys WHERE key_id = $1"));
  query.Bind(key_id);
  ASSIGN_OR_RETURN(bool known, query.Next());
  if (!known) return ring_state != KeyState::kUnknown;
  bool revoked_in_store = !query.IsNull(0);
  return ring_state == KeyState::kUnknown || revoked_in_store != (ring_state == KeyState::kRevoked);
}

}  // namespace

std::string_view VerificationOutcomeName(VerificationOutcome outcome) {
  switch (outcome) {
    case VerificationOutcome::kGenuine:
      return "genuine";
    case VerificationOutcome::kNotGenuine:
      return "not_genuine";
    case VerificationOutcome::kUnknownCode:
      return "unknown_code";
    case VerificationOutcome::kMalformedCode:
      return "malformed_code";
  }
  return "unknown_code";
}

Result<PublicVerification> CheckVerificationCode(Connection& connection, KeyRing& key_ring,
                                                 std::string_view typed_code) {
  PublicVerification result;
  auto code = NormalizeVerificationCode(typed_code);
  if (!code.ok()) {
    result.outcome = VerificationOutcome::kMalformedCode;
    // Echoed back so the person sees what they typed: printable ASCII only (a code has no
    // other characters), at most 32, so the page and the JSON stay valid UTF-8.
    for (char c : typed_code.substr(0, 32)) result.code += (c >= 0x20 && c < 0x7f) ? c : '?';
    return result;
  }
  result.code = *code;
  auto found = LoadSignedSummonsByCode(connection, result.code);
  if (!found.ok()) {
    if (found.status().code() == StatusCode::kNotFound) {
      result.outcome = VerificationOutcome::kUnknownCode;
      return result;
    }
    if (found.status().code() == StatusCode::kDataLoss) {
      // A stored record that no longer even parses: it cannot be confirmed.
      result.outcome = VerificationOutcome::kNotGenuine;
      return result;
    }
    return found.status();
  }
  const SignedSummons& signed_summons = found->signed_summons;
  Verification verification = VerifySignedSummons(key_ring, signed_summons);
  ASSIGN_OR_RETURN(
      bool stale, RingIsStale(connection, signed_summons.signature.key_id, verification.key_state));
  if (stale) {
    RETURN_IF_ERROR(key_ring.Reload(connection));
    verification = VerifySignedSummons(key_ring, signed_summons);
  }
  result.key_state = verification.key_state;
  result.key_id = signed_summons.signature.key_id;
  result.key_revoked_at = verification.key_revoked_at;
  if (!verification.genuine) {
    result.outcome = VerificationOutcome::kNotGenuine;
    return result;
  }
  const SummonsDocument& document = signed_summons.document;
  result.outcome = VerificationOutcome::kGenuine;
  result.initials = Initials(document);
  result.office = document.office;
  if (auto region = RegionOfOffice(document.office, "office"); region.ok()) {
    result.office_region_ru = std::string((*region)->name_ru);
    result.office_region_en = std::string((*region)->name_en);
  }
  if (auto date = AppearanceLocalDate(document); date.ok()) result.appearance_date = *date;
  result.purpose = document.purpose;
  result.summons_status = found->status;
  return result;
}

std::string RenderVerificationHtml(const PublicVerification& verification) {
  std::string html = PageStart("Проверка повестки", "Notice verification");
  html += "<p>" + Both("Код", "Code") + ": <span class=\"code\">" + Escape(verification.code) +
          "</span></p>\n";
  switch (verification.outcome) {
    case VerificationOutcome::kGenuine: {
      html += "<section class=\"verdict genuine\">\n<h2>";
      html += Both("Повестка подлинная", "This notice is genuine");
      html += "</h2>\n<p>";
      html += Both(
          "Она выдана реестром и подписана его ключом. Сверьте сведения ниже со своим "
          "экземпляром: они должны совпадать.",
          "It was issued by the registry and signed with its key. Compare the facts "
          "below with your copy: they must match.");
      html += "</p>\n</section>\n<dl>\n";
      html += Row("Инициалы (Ф. И. О.)", "Initials", Escape(verification.initials));
      std::string office = Escape(verification.office);
      if (!verification.office_region_ru.empty()) {
        office += " — " + Both(verification.office_region_ru, verification.office_region_en);
      }
      html += Row("Военный комиссариат", "Registration office", office);
      if (verification.appearance_date) {
        html += Row("Дата явки", "Appearance date",
                    Escape(FormatRussianDate(*verification.appearance_date)));
      }
      html += Row("Цель вызова", "Purpose", Escape(verification.purpose));
      StatusWords status = DescribeStatus(verification.summons_status);
      html += Row("Состояние", "Status", Both(status.ru, status.en));
      StatusWords key = DescribeKey(verification.key_state);
      html += Row("Ключ подписи", "Signing key",
                  "<span class=\"code\">" + Escape(verification.key_id) + "</span>, " +
                      Both(key.ru, key.en));
      html += "</dl>\n";
      break;
    }
    case VerificationOutcome::kNotGenuine: {
      html += "<section class=\"verdict bad\">\n<h2>";
      html += Both("Подлинность НЕ подтверждена", "NOT confirmed as genuine");
      html += "</h2>\n<p>";
      if (verification.key_state == KeyState::kRevoked) {
        std::string when = verification.key_revoked_at
                               ? FormatRussianDate(CivilDate(
                                     date::floor<date::days>(*verification.key_revoked_at)))
                               : std::string();
        html += Both("Ключ, которым подписан документ, отозван " + when +
                         ". Такой документ недействителен, пока военный комиссариат не выдаст "
                         "его заново.",
                     "The key that signed this document was revoked on " + when +
                         ". The document is not valid until the office issues it again.");
      } else {
        html += Both("Запись о повестке не совпадает со своей подписью.",
                     "The record of this notice does not match its signature.");
      }
      html += "</p>\n<p>";
      html += Both(
          "Не выполняйте указаний из этого документа и не сообщайте свои данные. "
          "Обратитесь в военный комиссариат по телефону с его официального сайта.",
          "Do not follow instructions in this document and do not give out your data. "
          "Contact the registration office by the phone number on its official site.");
      html += "</p>\n</section>\n";
      break;
    }
    case VerificationOutcome::kUnknownCode: {
      html += "<section class=\"verdict unknown\">\n<h2>";
      html += Both("Повестка с таким кодом не найдена", "No notice has this code");
      html += "</h2>\n<p>";
      html += Both(
          "Сверьте код ещё раз. Если он введён верно, документ может быть поддельным: "
          "не выполняйте его указаний и сообщите о нём в военный комиссариат.",
          "Check the code again. If it is typed correctly, the document may be fake: "
          "do not follow it, and report it to the registration office.");
      html += "</p>\n</section>\n";
      break;
    }
    case VerificationOutcome::kMalformedCode: {
      html += "<section class=\"verdict unknown\">\n<h2>";
      html += Both("Код введён с ошибкой", "This code is mistyped");
      html += "</h2>\n<p>";
      html += Both(
          "Код состоит из 12 знаков, например 7K3Q-9XMD-2F4W: цифры и латинские буквы "
          "без I, L, O и U. Проверьте каждый знак.",
          "A code has 12 symbols, like 7K3Q-9XMD-2F4W: digits and Latin letters "
          "without I, L, O and U. Check each symbol.");
      html += "</p>\n</section>\n";
      break;
    }
  }
  html +=
      FraudAndForm(verification.outcome == VerificationOutcome::kGenuine ? "" : verification.code);
  html += PageEnd();
  return html;
}

std::string RenderVerificationFormHtml() {
  std::string html = PageStart("Проверка повестки", "Notice verification");
  html += "<p>";
  html += Both(
      "Введите код, напечатанный на повестке, или отсканируйте её QR-код, чтобы "
      "проверить, что повестка настоящая. Вход на сайт не нужен.",
      "Type the code printed on the notice, or scan its QR code, to check that it is "
      "genuine. No login is needed.");
  html += "</p>\n";
  html += FraudAndForm("");
  html += PageEnd();
  return html;
}

json::object VerificationJson(const PublicVerification& verification) {
  json::object object;
  object["code"] = verification.code;
  object["outcome"] = VerificationOutcomeName(verification.outcome);
  object["genuine"] = verification.outcome == VerificationOutcome::kGenuine;
  bool found = verification.outcome == VerificationOutcome::kGenuine ||
               verification.outcome == VerificationOutcome::kNotGenuine;
  if (found && !verification.key_id.empty()) {
    object["key_state"] = KeyStateName(verification.key_state);
    object["key_id"] = verification.key_id;
    if (verification.key_revoked_at) {
      object["key_revoked_at"] = FormatInstant(*verification.key_revoked_at);
    }
  }
  if (verification.outcome == VerificationOutcome::kGenuine) {
    json::object summons;
    summons["initials"] = verification.initials;
    summons["office"] = verification.office;
    if (verification.appearance_date) {
      summons["appearance_date"] = FormatDate(*verification.appearance_date);
    }
    summons["purpose"] = verification.purpose;
    summons["status"] = verification.summons_status;
    object["summons"] = std::move(summons);
  }
  object["notice"] = json::object{{"ru", kAntiFraudRu}, {"en", kAntiFraudEn}};
  return object;
}

const std::string& VerificationPageContentSecurityPolicy() {
  static const std::string policy = [] {
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(kStyle.data()),
                       kStyle.size());
    char
        base64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(base64, sizeof base64, digest, sizeof digest, sodium_base64_VARIANT_ORIGINAL);
    return std::string("default-src 'none'; style-src 'sha256-") + base64 +
           "'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
  }();
  return policy;
}

}  // namespace muster
