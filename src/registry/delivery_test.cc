// Delivery channels (issue 6): reading and importing a postal operator's tracking file, consent
// to notifications, and the delivery log the citizen sees. The service time each channel's
// events lead to, under both shipped profiles, is told by the golden scenarios
// (tests/scenarios/ru_mail_*.scn, ru_fallback_after_days, ru_late_postal_report,
// ru_notifications_consent, ru_portal_viewed, ua_postal_tracking, ua_eportal_notifications).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "registry/delivery.h"
#include "registry/queries.h"
#include "registry/registry.h"
#include "testing/registry_fixture.h"

namespace muster {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::AddPerson;
using testing::At;
using testing::Events;

CommandContext Officer() { return {.actor = "officer"}; }

// ---- Reading the file -----------------------------------------------------------------------

TEST(PostalFileTest, CsvColumnsAreReadByNameAndEachBadLineIsReportedWithItsNumber) {
  std::string csv =
      "\xEF\xBB\xBF" "event,at,summons_id,tracking_number,office\n"
      "accepted,2026-04-01T15:10:00+03:00,42,80080012345678,390000\n"
      "delivered,2026-04-03T11:02:00+03:00,,80080012345678,\"390 023\"\n"
      "\n"
      "lost,2026-04-03T11:02:00+03:00,,80080012345678,\n"
      "delivered,2026-02-30T11:02:00+03:00,,80080012345678,\n"
      "delivered,2026-04-03T11:02:00+03:00,,,\n"
      "delivered,2026-04-03T11:02:00+03:00,x1,,\n"
      "delivered,2026-04-03T11:02:00+03:00,,12345,\n"
      "delivered,2026-04-03T11:02:00+03:00\n"
      "returned,2026-04-20T09:00:00+03:00,,ra123456785ru,\n";
  auto file = ParsePostalFile(csv, PostalFormat::kCsv);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->lines, 9);
  ASSERT_EQ(file->events.size(), 3u);
  EXPECT_EQ(file->events[0].line, 2);
  EXPECT_EQ(file->events[0].summons_id, 42);
  EXPECT_EQ(file->events[0].tracking_number, "80080012345678");
  EXPECT_EQ(file->events[0].event, "accepted");
  EXPECT_EQ(file->events[0].at, At("2026-04-01T15:10:00+03:00"));
  EXPECT_EQ(file->events[0].office, "390000");
  EXPECT_EQ(file->events[1].office, "390 023");
  EXPECT_FALSE(file->events[1].summons_id.has_value());
  EXPECT_EQ(file->events[2].tracking_number, "RA123456785RU");
  std::vector<std::pair<int64_t, std::string>> errors;
  for (const PostalLineError& error : file->errors) errors.emplace_back(error.line, error.field);
  EXPECT_THAT(errors, ElementsAre(std::make_pair(5, "event"), std::make_pair(6, "at"),
                                  std::make_pair(7, "tracking_number"),
                                  std::make_pair(8, "summons_id"),
                                  std::make_pair(9, "tracking_number"), std::make_pair(10, "")));
  EXPECT_THAT(file->errors[0].message, HasSubstr("event: 'lost' is not a postal event"));
  EXPECT_THAT(file->errors[1].message, HasSubstr("at: no such date"));
  EXPECT_THAT(file->errors[5].message, HasSubstr("expected 5 fields, got 2"));
}

TEST(PostalFileTest, JsonLinesAcceptIdsAsNumbersAndReportUnknownFields) {
  std::string jsonl =
      "{\"tracking_number\":\"80080012345678\",\"summons_id\":42,\"event\":\"accepted\","
      "\"at\":\"2026-04-01T15:10:00+03:00\"}\n"
      "{\"tracking_number\":\"80080012345678\",\"event\":\"delivered\","
      "\"at\":\"2026-04-03T11:02:00+03:00\",\"office\":\"390023\"}\n"
      "not json\n"
      "{\"tracking_number\":\"80080012345678\",\"event\":\"delivered\",\"at\":\"2026-04-03T11:02:00+03:00\",\"weight\":\"20g\"}\n"
      "[1,2]\n";
  auto file = ParsePostalFile(jsonl, PostalFormat::kJsonLines);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->lines, 5);
  ASSERT_EQ(file->events.size(), 2u);
  EXPECT_EQ(file->events[0].summons_id, 42);
  EXPECT_EQ(file->events[1].office, "390023");
  ASSERT_EQ(file->errors.size(), 3u);
  EXPECT_EQ(file->errors[0].line, 3);
  EXPECT_EQ(file->errors[1].line, 4);
  EXPECT_THAT(file->errors[1].message, HasSubstr("weight: unknown field"));
  EXPECT_EQ(file->errors[2].line, 5);
}

TEST(PostalFileTest, AFileWithoutTheRequiredColumnsIsRefusedAsAWhole) {
  EXPECT_THAT(ParsePostalFile("tracking_number,at,office\n", PostalFormat::kCsv).status().message(),
              HasSubstr("header: column 'event' is missing"));
  EXPECT_THAT(ParsePostalFile("event,at\n", PostalFormat::kCsv).status().message(),
              HasSubstr("header: give a tracking_number or a summons_id column"));
  EXPECT_THAT(ParsePostalFile("event,at,summons_id,weight\n", PostalFormat::kCsv).status().message(),
              HasSubstr("header: unknown column 'weight'"));
  EXPECT_THAT(ParsePostalFile("", PostalFormat::kCsv).status().message(),
              HasSubstr("header: the file is empty"));
  EXPECT_EQ(ParsePostalFormat("xml", "format").status().code(), StatusCode::kInvalidArgument);
}

// ---- Importing into a registry --------------------------------------------------------------

class DeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = testing::MakeRegistry(dir_, "ru-127fz", At("2026-04-01T09:00:00+03:00"));
    ASSERT_NE(registry_, nullptr);
  }

  SummonsId IssueByMail(int serial) {
    PersonId person = AddPerson(*registry_, {.portal = false, .serial = serial});
    auto summons = registry_->IssueSummons(
        Officer(), {.person_id = person, .channels = {Channel::kRegisteredMail}});
    EXPECT_TRUE(summons.ok()) << summons.status().ToString();
    return summons.ok() ? *summons : 0;
  }

  std::string Status(SummonsId id) {
    auto row = ReadSummons(registry_->connection(), id);
    EXPECT_TRUE(row.ok());
    return row.ok() ? row->status : "";
  }

  testing::TempDir dir_;
  std::unique_ptr<Registry> registry_;
};

TEST_F(DeliveryTest, GoodLinesAreRecordedAndBadOnesReportedWithoutBlockingThem) {
  SummonsId first = IssueByMail(1);
  SummonsId second = IssueByMail(2);
  PersonId portal_person = AddPerson(*registry_, {.serial = 3});
  auto by_portal = registry_->IssueSummons(Officer(), {.person_id = portal_person});
  ASSERT_TRUE(by_portal.ok());
  ASSERT_TRUE(registry_->AdvanceTo(At("2026-04-03T18:00:00+03:00")).ok());
  std::string id1 = std::to_string(first), id2 = std::to_string(second);
  // Lines in any order: the import links numbers file-wide and records in time order.
  std::string csv =
      "tracking_number,summons_id,event,at,office\n"
      "80080012345678,,delivered,2026-04-03T11:02:00+03:00,390023\n"                    // 2
      "80080012345678," + id1 + ",accepted,2026-04-01T15:10:00+03:00,390000\n" +         // 3
      "80080012345685," + id2 + ",accepted,2026-04-01T15:12:00+03:00,390000\n" +         // 4
      "80080099999999,,delivered,2026-04-03T11:02:00+03:00,390023\n"                     // 5
      "80080012345692," + std::to_string(*by_portal) + ",accepted,2026-04-01T16:00:00+03:00,\n" +  // 6
      "80080012345685,,refused,2026-04-05T10:00:00+03:00,390023\n"                       // 7
      "80080012345685," + id1 + ",refused,2026-04-03T10:00:00+03:00,390023\n";           // 8
  int64_t events_before = Events(*registry_);
  auto report = registry_->ImportPostalTracking(Officer(), csv, PostalFormat::kCsv);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->lines, 7);
  EXPECT_EQ(report->recorded, 3);
  EXPECT_EQ(report->served, 1);
  EXPECT_EQ(report->duplicates, 0);
  std::vector<int64_t> bad_lines;
  for (const PostalLineError& error : report->errors) bad_lines.push_back(error.line);
  EXPECT_THAT(bad_lines, ElementsAre(5, 6, 7, 8));
  EXPECT_THAT(report->errors[0].message, HasSubstr("80080099999999 is linked to no summons"));
  EXPECT_THAT(report->errors[1].message, HasSubstr("was never dispatched by registered_mail"));
  EXPECT_THAT(report->errors[2].message, HasSubstr("is in the future"));
  EXPECT_THAT(report->errors[3].message, HasSubstr("belongs to summons " + id2));
  EXPECT_GT(Events(*registry_), events_before);
  EXPECT_EQ(Status(first), "served");
  EXPECT_EQ(Status(second), "issued");

  auto row = ReadSummons(registry_->connection(), first);
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->served_at, At("2026-04-03T11:02:00+03:00"));
  ASSERT_EQ(row->attempts.size(), 3u);
  EXPECT_EQ(row->attempts[1].mark, "accepted");
  EXPECT_EQ(row->attempts[1].reference, "80080012345678");
  EXPECT_EQ(row->attempts[2].evidence,
            "postal operator: delivered, tracking 80080012345678, post office 390023");

  std::string json = PostalImportReportJson(*report);
  EXPECT_THAT(json, HasSubstr("\"recorded\":3"));
  EXPECT_THAT(json, HasSubstr("{\"line\":5,\"field\":\"tracking_number\""));
}

TEST_F(DeliveryTest, ImportingTheSameFileAgainChangesNothing) {
  SummonsId summons = IssueByMail(1);
  ASSERT_TRUE(registry_->AdvanceTo(At("2026-04-04T12:00:00+03:00")).ok());
  std::string jsonl = "{\"tracking_number\":\"80080012345678\",\"summons_id\":" +
                      std::to_string(summons) +
                      ",\"event\":\"accepted\",\"at\":\"2026-04-01T15:10:00+03:00\"}\n"
                      "{\"tracking_number\":\"80080012345678\",\"event\":\"delivered\","
                      "\"at\":\"2026-04-03T11:02:00+03:00\"}\n";
  auto first = registry_->ImportPostalTracking(Officer(), jsonl, PostalFormat::kJsonLines);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->recorded, 2);
  EXPECT_EQ(first->served, 1);
  int64_t events = Events(*registry_);
  auto again = registry_->ImportPostalTracking(Officer(), jsonl, PostalFormat::kJsonLines);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->recorded, 0);
  EXPECT_EQ(again->duplicates, 2);
  EXPECT_TRUE(again->errors.empty());
  EXPECT_EQ(Events(*registry_), events) << "a re-import records nothing";
  // With the caller's idempotency key, a retry is answered from the first import's record.
  CommandContext keyed{.idempotency_key = "post-office-batch-17", .actor = "post"};
  std::string more = "{\"tracking_number\":\"80080012345678\",\"event\":\"returned\","
                     "\"at\":\"2026-04-04T09:00:00+03:00\"}\n";
  auto keyed_first = registry_->ImportPostalTracking(keyed, more, PostalFormat::kJsonLines);
  ASSERT_TRUE(keyed_first.ok());
  EXPECT_EQ(keyed_first->recorded, 1);
  auto keyed_retry = registry_->ImportPostalTracking(keyed, more, PostalFormat::kJsonLines);
  ASSERT_TRUE(keyed_retry.ok());
  EXPECT_EQ(keyed_retry->recorded, 0);
  EXPECT_EQ(keyed_retry->duplicates, 1);
}

TEST_F(DeliveryTest, AFileLargerThanOneTransactionIsRecordedWhole) {
  for (int i = 0; i < 400; ++i) AddPerson(*registry_, {.portal = false, .serial = 100 + i});
  auto batch = registry_->IssueBatch(Officer(), {.limit = 400},
                                     {.channels = {Channel::kRegisteredMail}, .batch = "mail"});
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_EQ(batch->issued, 400);
  ASSERT_TRUE(registry_->AdvanceTo(At("2026-04-03T18:00:00+03:00")).ok());
  std::string csv = "summons_id,tracking_number,event,at\n";
  for (size_t i = 0; i < batch->summons_ids.size(); ++i) {
    std::string tracking = std::to_string(80080000000000 + static_cast<int64_t>(i));
    csv += std::to_string(batch->summons_ids[i]) + "," + tracking +
           ",accepted,2026-04-01T15:00:00+03:00\n";
    csv += "," + tracking + ",delivered,2026-04-03T10:00:00+03:00\n";
  }
  auto report = registry_->ImportPostalTracking(Officer(), csv, PostalFormat::kCsv);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->lines, 800);
  EXPECT_EQ(report->recorded, 800);
  EXPECT_EQ(report->served, 400);
  EXPECT_TRUE(report->errors.empty()) << report->errors.front().message;
}

// ---- Consent and the delivery log ---------------------------------------------------------

TEST(NotificationAddressTest, AddressesAreNormalisedAndMasked) {
  EXPECT_EQ(*NormalizeNotificationAddress(NotificationChannel::kSms, "+7 (910) 123-45-67"),
            "+79101234567");
  EXPECT_FALSE(NormalizeNotificationAddress(NotificationChannel::kSms, "89101234567").ok());
  EXPECT_FALSE(NormalizeNotificationAddress(NotificationChannel::kSms, "+7 910 abc").ok());
  EXPECT_EQ(*NormalizeNotificationAddress(NotificationChannel::kEmail, "Ivan@Example.RU"),
            "Ivan@example.ru");
  EXPECT_FALSE(NormalizeNotificationAddress(NotificationChannel::kEmail, "ivan@localhost").ok());
  EXPECT_FALSE(NormalizeNotificationAddress(NotificationChannel::kEmail, "iv an@mail.ru").ok());
  EXPECT_EQ(MaskNotificationAddress("+79101234567"), "+7******4567");
  EXPECT_EQ(MaskNotificationAddress("ivan@mail.ru"), "i***@mail.ru");
}

TEST_F(DeliveryTest, ANewConsentSupersedesTheOneInForceAndBothStayOnRecord) {
  PersonId person = AddPerson(*registry_, {.portal = false});
  auto first = registry_->RecordConsent(Officer(), person, NotificationChannel::kSms,
                                        "+79101234567", "form 1");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = registry_->RecordConsent(Officer(), person, NotificationChannel::kSms,
                                         "+79107654321", "form 2");
  ASSERT_TRUE(second.ok());
  auto consents = ReadConsentsOfPerson(registry_->connection(), person);
  ASSERT_TRUE(consents.ok());
  ASSERT_EQ(consents->size(), 2u);
  EXPECT_TRUE((*consents)[0].withdrawn_at.has_value());
  EXPECT_EQ((*consents)[0].withdrawal_evidence, "superseded by consent " + std::to_string(*second));
  EXPECT_FALSE((*consents)[1].withdrawn_at.has_value());
  EXPECT_EQ((*consents)[1].address, "+79107654321");
  EXPECT_EQ(registry_->RecordConsent(Officer(), person, NotificationChannel::kSms, "+79101234567", "")
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

TEST_F(DeliveryTest, TheDeliveryLogHoldsEveryMarkAndNotificationAndExplainNamesTheService) {
  PersonId person = AddPerson(*registry_, {.portal = false});
  ASSERT_TRUE(registry_->RecordConsent(Officer(), person, NotificationChannel::kEmail,
                                       "ivan@mail.ru", "portal session")
                  .ok());
  auto summons = registry_->IssueSummons(Officer(), {.person_id = person});
  ASSERT_TRUE(summons.ok());
  auto rows = ReadSummonsesOfPerson(registry_->connection(), person);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  const SummonsRow& row = rows->front();
  ASSERT_EQ(row.attempts.size(), 2u);
  EXPECT_EQ(row.attempts[0].channel, "register");
  EXPECT_FALSE(row.attempts[0].notification);
  EXPECT_EQ(row.attempts[1].channel, "email");
  EXPECT_TRUE(row.attempts[1].notification);
  EXPECT_FALSE(row.attempts[1].service_rule.has_value());
  auto explanation = registry_->Explain(person);
  ASSERT_TRUE(explanation.ok());
  ASSERT_FALSE(explanation->service.empty());
  EXPECT_THAT(explanation->service[0],
              HasSubstr("not served yet: register posted at 2026-04-01 09:00 +03"));
  EXPECT_THAT(explanation->service[1], HasSubstr("a notification, never service"));
}

}  // namespace
}  // namespace muster
