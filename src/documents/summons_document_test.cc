#include "documents/summons_document.h"

#include <gtest/gtest.h>

namespace muster {
namespace {

SummonsDocument Example() {
  SummonsDocument document;
  document.summons_id = 42;
  document.person_id = 7;
  document.family_name = "Соколов";
  document.given_name = "Иван";
  document.patronymic = "Петрович";
  document.birth_date = CivilDate{date::year(2005), date::month(3), date::day(1)};
  document.purpose = "медицинское освидетельствование";
  document.office = "RYA-01";
  document.place = "г. Рязань, ул. Ленина, 1, каб. 5";
  document.time_zone = "Europe/Moscow";
  document.legal_basis = "fz53-art31-service";
  document.profile_version = "2026.1";
  document.appearance_at = *ParseInstant("2026-05-04T06:00:00Z", "t");
  document.issued_at = *ParseInstant("2026-04-20T09:30:00Z", "t");
  return document;
}

TEST(CanonicalContentTest, IsFixedBytesWithVersionTagAndMemberOrder) {
  EXPECT_EQ(CanonicalContent(Example()),
            R"({"format":"muster-summons-v1","summons_id":42,"person_id":7,)"
            R"("family_name":"Соколов","given_name":"Иван","patronymic":"Петрович",)"
            R"("birth_date":"2005-03-01","purpose":"медицинское освидетельствование",)"
            R"("office":"RYA-01","place":"г. Рязань, ул. Ленина, 1, каб. 5",)"
            R"("time_zone":"Europe/Moscow","appearance_at":"2026-05-04T06:00:00Z",)"
            R"("legal_basis":"fz53-art31-service","profile_version":"2026.1",)"
            R"("issued_at":"2026-04-20T09:30:00Z"})");
}

TEST(CanonicalContentTest, EveryFactChangesTheBytes) {
  const std::string original = CanonicalContent(Example());
  auto changed = [&](auto mutate) {
    SummonsDocument document = Example();
    mutate(document);
    return CanonicalContent(document) != original;
  };
  EXPECT_TRUE(changed([](SummonsDocument& d) { d.summons_id = 43; }));
  EXPECT_TRUE(changed([](SummonsDocument& d) { d.person_id = 8; }));
  EXPECT_TRUE(changed([](SummonsDocument& d) { d.family_name = "Соколова"; }));
  EXPECT_TRUE(changed([](SummonsDocument& d) { d.birth_date = AddDays(d.birth_date, 1); }));
  EXPECT_TRUE(changed([](SummonsDocument& d) { d.purpose += "."; }));
  EXPECT_TRUE(changed([](SummonsDocument& d) { d.office = "RYA-02"; }));
  EXPECT_TRUE(changed([](SummonsDocument& d) { d.place += " "; }));
  EXPECT_TRUE(changed([](SummonsDocument& d) { d.time_zone = "Asia/Vladivostok"; }));
  EXPECT_TRUE(changed([](SummonsDocument& d) { d.appearance_at += std::chrono::hours(1); }));
  EXPECT_TRUE(changed([](SummonsDocument& d) { d.legal_basis = "fz127"; }));
  EXPECT_TRUE(changed([](SummonsDocument& d) { d.profile_version = "2026.2"; }));
  EXPECT_TRUE(changed([](SummonsDocument& d) { d.issued_at += std::chrono::seconds(1); }));
}

TEST(CanonicalContentTest, ParsesBackToTheSameDocument) {
  auto parsed = ParseCanonicalContent(CanonicalContent(Example()));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, Example());
}

TEST(CanonicalContentTest, ParseRejectsAnyNonCanonicalForm) {
  std::string content = CanonicalContent(Example());
  std::string spaced = content;
  spaced.insert(1, " ");
  EXPECT_EQ(ParseCanonicalContent(spaced).status().code(), StatusCode::kDataLoss);
  std::string extra = content;
  extra.insert(extra.size() - 1, R"(,"note":"x")");
  EXPECT_EQ(ParseCanonicalContent(extra).status().code(), StatusCode::kDataLoss);
  std::string other_version = content;
  other_version.replace(other_version.find("v1"), 2, "v9");
  EXPECT_EQ(ParseCanonicalContent(other_version).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParseCanonicalContent("not json").status().code(), StatusCode::kDataLoss);
}

TEST(ValidateSummonsDocumentTest, AcceptsACompleteDocument) {
  EXPECT_TRUE(ValidateSummonsDocument(Example()).ok());
}

TEST(ValidateSummonsDocumentTest, NamesTheOffendingField) {
  SummonsDocument document = Example();
  document.place.clear();
  EXPECT_EQ(ValidateSummonsDocument(document).message(), "place: empty");
  document = Example();
  document.time_zone = "Mars/Olympus";
  EXPECT_EQ(ValidateSummonsDocument(document).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(ValidateSummonsDocument(document).message().starts_with("time_zone:"));
  document = Example();
  document.summons_id = 0;
  EXPECT_TRUE(ValidateSummonsDocument(document).message().starts_with("summons_id:"));
}

TEST(ValidateSummonsDocumentTest, RefusesInvalidUtf8ThatCouldNeverBeVerified) {
  SummonsDocument document = Example();
  document.given_name = "Ив\xff";
  Status status = ValidateSummonsDocument(document);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(status.message().starts_with("document:")) << status.message();
}

TEST(InitialsTest, FamilyGivenPatronymicFirstLetters) {
  EXPECT_EQ(Initials(Example()), "С. И. П.");
  SummonsDocument no_patronymic = Example();
  no_patronymic.patronymic.clear();
  EXPECT_EQ(Initials(no_patronymic), "С. И.");
}

TEST(AppearanceLocalDateTest, IsTheDateAtTheOffice) {
  SummonsDocument document = Example();
  document.appearance_at = *ParseInstant("2026-05-04T20:00:00Z", "t");
  EXPECT_EQ(FormatDate(*AppearanceLocalDate(document)), "2026-05-04");  // 23:00 in Moscow
  document.time_zone = "Asia/Vladivostok";
  EXPECT_EQ(FormatDate(*AppearanceLocalDate(document)), "2026-05-05");  // 06:00 next day
  EXPECT_EQ(*FormatLocalDateTime(document.appearance_at, "Asia/Vladivostok"), "05.05.2026 06:00");
}

}  // namespace
}  // namespace muster
