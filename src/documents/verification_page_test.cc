#include "documents/verification_page.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace muster {
namespace {

PublicVerification Genuine() {
  PublicVerification verification;
  verification.code = "7K3Q-9XMD-2F4W";
  verification.outcome = VerificationOutcome::kGenuine;
  verification.key_state = KeyState::kRetired;
  verification.key_id = "2026-11-29-a1b2";
  verification.initials = "С. И. П.";
  verification.office = "RYA-01";
  verification.office_region_ru = "Рязанская область";
  verification.office_region_en = "Ryazan Oblast";
  verification.appearance_date = CivilDate{date::year(2026), date::month(5), date::day(4)};
  verification.purpose = "медицинское освидетельствование";
  verification.summons_status = "cancelled";
  return verification;
}

TEST(VerificationPageTest, GenuinePageShowsTheMinimalFactsInBothLanguages) {
  std::string html = RenderVerificationHtml(Genuine());
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  for (std::string_view expected :
       {"Повестка подлинная", "This notice is genuine", "С. И. П.", "RYA-01", "Рязанская область",
        "04.05.2026", "медицинское освидетельствование", "являться по ней не нужно",
        "you need not appear", "7K3Q-9XMD-2F4W", "2026-11-29-a1b2",
        "retired, signature still valid"}) {
    EXPECT_NE(html.find(expected), std::string::npos) << expected;
  }
}

TEST(VerificationPageTest, EveryPageCarriesTheAntiFraudRule) {
  PublicVerification unknown;
  unknown.code = "7K3Q-9XMD-2F4W";
  unknown.outcome = VerificationOutcome::kUnknownCode;
  PublicVerification not_genuine = unknown;
  not_genuine.outcome = VerificationOutcome::kNotGenuine;
  PublicVerification malformed = unknown;
  malformed.outcome = VerificationOutcome::kMalformedCode;
  for (const std::string& html :
       {RenderVerificationHtml(Genuine()), RenderVerificationHtml(unknown),
        RenderVerificationHtml(not_genuine), RenderVerificationHtml(malformed),
        RenderVerificationFormHtml()}) {
    EXPECT_NE(html.find(kAntiFraudRu), std::string::npos);
    EXPECT_NE(html.find(kAntiFraudEn), std::string::npos);
  }
  EXPECT_NE(RenderVerificationHtml(unknown).find("No notice has this code"), std::string::npos);
  EXPECT_NE(RenderVerificationHtml(not_genuine).find("NOT confirmed"), std::string::npos);
  EXPECT_NE(RenderVerificationHtml(malformed).find("mistyped"), std::string::npos);
}

TEST(VerificationPageTest, EscapesEverythingItEchoes) {
  PublicVerification malformed;
  malformed.code = "<script>alert('x')</script>";
  malformed.outcome = VerificationOutcome::kMalformedCode;
  std::string html = RenderVerificationHtml(malformed);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), std::string::npos);

  PublicVerification genuine = Genuine();
  genuine.purpose = "\"><img src=x onerror=alert(1)>";
  html = RenderVerificationHtml(genuine);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_NE(html.find("&quot;&gt;&lt;img"), std::string::npos);
}

TEST(VerificationPageTest, LoadsNothingFromElsewhere) {
  for (const std::string& html :
       {RenderVerificationHtml(Genuine()), RenderVerificationFormHtml()}) {
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_EQ(html.find("<link"), std::string::npos);
    EXPECT_EQ(html.find("src="), std::string::npos);
    EXPECT_EQ(html.find("http"), std::string::npos);
    EXPECT_EQ(html.find("url("), std::string::npos);
  }
}

TEST(VerificationPageTest, PolicyAllowsExactlyTheInlineStyle) {
  const std::string& policy = VerificationPageContentSecurityPolicy();
  EXPECT_THAT(policy, ::testing::MatchesRegex(
                          "default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]{43}='; "
                          "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"));
}

TEST(VerificationPageTest, JsonIsMinimal) {
  boost::json::object json = VerificationJson(Genuine());
  EXPECT_EQ(boost::json::serialize(json),
            R"({"code":"7K3Q-9XMD-2F4W","outcome":"genuine","genuine":true,)"
            R"("key_state":"retired","key_id":"2026-11-29-a1b2",)"
            R"("summons":{"initials":"С. И. П.","office":"RYA-01","appearance_date":"2026-05-04",)"
            R"("purpose":"медицинское освидетельствование","status":"cancelled"},)"
            R"("notice":{"ru":"Muster никогда не просит сообщить коды или пароли и никогда не )"
            R"(присылает ссылок для оплаты.","en":"Muster never asks for codes or passwords and )"
            R"(never sends links to pay."}})");
  PublicVerification unknown;
  unknown.code = "7K3Q-9XMD-2F4W";
  unknown.outcome = VerificationOutcome::kUnknownCode;
  boost::json::object unknown_json = VerificationJson(unknown);
  EXPECT_EQ(unknown_json.at("outcome").as_string(), "unknown_code");
  EXPECT_FALSE(unknown_json.contains("summons"));
  EXPECT_FALSE(unknown_json.contains("key_state"));
}

}  // namespace
}  // namespace muster
