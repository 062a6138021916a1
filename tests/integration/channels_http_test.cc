// The delivery channels over HTTP (issue 6, docs/DOCUMENTS.md "Channels over HTTP"): the postal
// operator's tracking events, consent to notifications, notifications that never serve, the
// citizen's first view on the portal, and the delivery log's fields — over real sockets on
// port 0, on both engines (the postgresql variant of muster_integration_test).
#include "integration/http_fixture.h"
#include "registry/registry.h"

namespace muster {
namespace {

class ChannelsHttpTest : public HttpTest {
 protected:
  // Summonses issued on 1 April at 09:00 (Moscow) before the server starts, then the registry's
  // clock moved to `now`: the operator's events of the days between are in the past.
  SummonsId IssueBefore(PersonId person, std::vector<Channel> channels) {
    SummonsRequest summons;
    summons.person_id = person;
    summons.channels = std::move(channels);
    auto issued = registry_->IssueSummons({.actor = "test"}, summons);
    EXPECT_TRUE(issued.ok()) << issued.status().ToString();
    return issued.ok() ? *issued : 0;
  }
  void AdvanceTo(const std::string& instant) {
    auto advanced = registry_->AdvanceTo(At(instant));
    ASSERT_TRUE(advanced.ok()) << advanced.status().ToString();
  }

  // The postal operator: an agency account with mail.tracking everywhere, and its API key.
  std::string MakePostalOperator() {
    auto created = identity_->CreateAccount(
        {.kind = access::PrincipalKind::kAgency,
         .login = "post.operator",
         .display_name = "Postal operator",
         .grants = {{std::string(access::scope::kMailTracking), access::Jurisdiction{}}},
         .consumer = "tax"},
        clock_.Now());
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    auto key = identity_->IssueApiKey("post.operator", "test", clock_.Now());
    EXPECT_TRUE(key.ok()) << key.status().ToString();
    return key.ok() ? key->token : "";
  }

  Reply Import(const std::string& token, const std::string& body, const std::string& type) {
    return Send(bhttp::verb::post, "/mail/tracking", body, token, {{"Content-Type", type}});
  }

  Reply SummonsAs(const std::string& token, SummonsId summons) {
    Reply reply = GetAs(token, "/summonses/" + std::to_string(summons));
    EXPECT_EQ(reply.status, 200u) << reply.body;
    return reply;
  }

  // The delivery-log entries of a summons answer with this channel and mark.
  static std::vector<json::object> Entries(const Reply& summons, std::string_view channel,
                                           std::string_view mark) {
    std::vector<json::object> found;
    for (const json::value& entry : summons.object().at("delivery_log").as_array()) {
      if (entry.at("channel").as_string() == channel && entry.at("mark").as_string() == mark) {
        found.push_back(entry.as_object());
      }
    }
    return found;
  }

  int64_t LedgerEvents() {
    auto count = Query::Make(*identity_connection_, "SELECT COUNT(*) FROM ledger_events");
    EXPECT_TRUE(count.ok());
    EXPECT_TRUE(count->Next().ok());
    return count->Int(0);
  }
};

constexpr char kCsvHeader[] = "tracking_number,summons_id,event,at,office\n";

TEST_F(ChannelsHttpTest, PostalCsvImportServesAtTheDeliveryAndReportsABadLineByNumber) {
  SummonsId letter = IssueBefore(person_, {Channel::kRegisteredMail});
  AdvanceTo("2026-04-03T18:00:00+03:00");
  StartServer();
  std::string postal = MakePostalOperator();
  std::string s = std::to_string(letter);
  EXPECT_TRUE(SummonsAs(officer_, letter).object().at("served_at").is_null());

  std::string file = std::string(kCsvHeader) + "80080012345678," + s +
                     ",accepted,2026-04-01T15:10:00+03:00,390000\n"
                     "80080012345678,,delivered,2026-04-03T11:02:00+03:00,390023\n"
                     "8008001234,,delivered,2026-04-03T11:02:00+03:00,390023\n";
  Reply report = Import(postal, file, "text/csv");
  ASSERT_EQ(report.status, 200u) << report.body;
  EXPECT_EQ(report.object().at("lines").as_int64(), 3);
  EXPECT_EQ(report.object().at("recorded").as_int64(), 2);
  EXPECT_EQ(report.object().at("duplicates").as_int64(), 0);
  EXPECT_EQ(report.object().at("served").as_int64(), 1);
  const json::array& errors = report.object().at("errors").as_array();
  ASSERT_EQ(errors.size(), 1u) << report.body;
  EXPECT_EQ(errors[0].at("line").as_int64(), 4) << "the header is line 1";
  EXPECT_EQ(errors[0].at("field").as_string(), "tracking_number");

  // ru-127fz/mail-delivered: served at the delivery's instant, not at the report's.
  Reply summons = SummonsAs(officer_, letter);
  EXPECT_EQ(summons.Text("served_at"), "2026-04-03T08:02:00Z") << summons.body;
  EXPECT_EQ(summons.Text("served_rule"), "ru-127fz/mail-delivered");
  std::vector<json::object> accepted = Entries(summons, "registered_mail", "accepted");
  ASSERT_EQ(accepted.size(), 1u) << summons.body;
  EXPECT_EQ(accepted[0].at("reference").as_string(), "80080012345678");
  EXPECT_FALSE(accepted[0].at("notification").as_bool());
  std::vector<json::object> sent = Entries(summons, "registered_mail", "sent");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(sent[0].at("reference").is_null()) << "the letter had no number when it was sent";
  EXPECT_TRUE(summons.object().at("delivery_decisions").as_array().empty());

  // Explain names the service event the lifecycle uses.
  Reply explain = Get("/persons/" + std::to_string(person_) + "/explain");
  ASSERT_EQ(explain.status, 200u) << explain.body;
  const json::array& service = explain.object().at("service").as_array();
  ASSERT_FALSE(service.empty()) << explain.body;
  std::string first(service[0].as_string());
  EXPECT_THAT(first, HasSubstr("by registered_mail delivered at 2026-04-03 11:02 +03"));
  EXPECT_THAT(first, HasSubstr("tracking 80080012345678"));
  EXPECT_THAT(first, HasSubstr("ru-127fz/mail-delivered"));
  EXPECT_THAT(first, HasSubstr("the earliest legally valid service event"));

  // The same file again records nothing and changes nothing.
  int64_t events = LedgerEvents();
  Reply again = Import(postal, file, "text/csv");
  ASSERT_EQ(again.status, 200u) << again.body;
  EXPECT_EQ(again.object().at("recorded").as_int64(), 0);
  EXPECT_EQ(again.object().at("duplicates").as_int64(), 2);
  EXPECT_EQ(again.object().at("served").as_int64(), 0);
  EXPECT_EQ(again.object().at("errors").as_array().size(), 1u);
  EXPECT_EQ(LedgerEvents(), events);
  EXPECT_EQ(SummonsAs(officer_, letter).Text("served_at"), "2026-04-03T08:02:00Z");
}

TEST_F(ChannelsHttpTest, PostalJsonLinesImportFollowsTheProfileAndTheCascade) {
  PersonId third = testing::AddPerson(*registry_, {.portal = false, .serial = 3});
  SummonsId refused = IssueBefore(person_, {Channel::kRegisteredMail});
  SummonsId returned = IssueBefore(third, {Channel::kRegisteredMail});
  AdvanceTo("2026-04-03T18:00:00+03:00");
  StartServer();
  std::string postal = MakePostalOperator();
  std::string lines =
      R"({"tracking_number":"80080012345685","summons_id":)" + std::to_string(refused) +
      R"(,"event":"accepted","at":"2026-04-01T15:12:00+03:00","office":"390000"})"
      "\n"
      R"({"tracking_number":"80080012345685","event":"refused","at":"2026-04-03T11:40:00+03:00"})"
      "\n"
      R"({"tracking_number":"80080012345685","event":"lost","at":"2026-04-03T12:00:00+03:00"})"
      "\n"
      R"({"tracking_number":"RA123456785RU","summons_id":")" +
      std::to_string(returned) +
      R"(","event":"returned","at":"2026-04-03T10:00:00+03:00"})"
      "\n";
  Reply report = Import(postal, lines, "application/x-ndjson");
  ASSERT_EQ(report.status, 200u) << report.body;
  EXPECT_EQ(report.object().at("lines").as_int64(), 4);
  EXPECT_EQ(report.object().at("recorded").as_int64(), 3);
  const json::array& errors = report.object().at("errors").as_array();
  ASSERT_EQ(errors.size(), 1u) << report.body;
  EXPECT_EQ(errors[0].at("line").as_int64(), 3);
  EXPECT_EQ(errors[0].at("field").as_string(), "event");

  // ru-127fz/mail-refused: served at the refusal.
  Reply summons = SummonsAs(officer_, refused);
  EXPECT_EQ(summons.Text("served_at"), "2026-04-03T08:40:00Z") << summons.body;
  EXPECT_EQ(summons.Text("served_rule"), "ru-127fz/mail-refused");
  // A returned letter serves nothing; the cascade puts the summons on the register at once, and
  // the log says why.
  Reply back = SummonsAs(officer_, returned);
  EXPECT_TRUE(back.object().at("served_at").is_null()) << back.body;
  const json::array& decisions = back.object().at("delivery_decisions").as_array();
  ASSERT_EQ(decisions.size(), 1u) << back.body;
  EXPECT_EQ(decisions[0].at("outcome").as_string(), "dispatched");
  EXPECT_EQ(decisions[0].at("rule_id").as_string(), "ru-127fz/delivery-cascade");
  EXPECT_THAT(std::string(decisions[0].at("detail").as_string()), HasSubstr("register"));
  EXPECT_EQ(Entries(back, "register", "posted").size(), 1u) << back.body;
  EXPECT_EQ(Entries(back, "registered_mail", "returned").at(0).at("reference").as_string(),
            "RA123456785RU");
}

TEST_F(ChannelsHttpTest, AFileThatCannotBeReadIsAProblemAndOnlyANationalGrantImports) {
  StartServer();
  std::string postal = MakePostalOperator();
  // No event column: nothing can be read, nothing is recorded.
  Reply headless =
      Import(postal, "tracking_number,at\n80080012345678,2026-04-01T10:00:00Z\n", "text/csv");
  ExpectProblem(headless, 400, "/problems/invalid-request", "header");
  // Nothing, or nothing that reads as JSON lines: a problem too. One bad line among good ones is
  // a refused line of the report instead (the other tests).
  ExpectProblem(Import(postal, "", "application/x-ndjson"), 400, "/problems/invalid-request",
                "body");
  Reply garbage = Import(postal, "<html>\n<body>502 Bad Gateway</body>\n", "application/x-ndjson");
  ExpectProblem(garbage, 400, "/problems/invalid-request", "body");
  EXPECT_THAT(garbage.Text("detail"), HasSubstr("line 1: line: not a JSON object"));
  Reply header_only = Import(postal, kCsvHeader, "text/csv");
  ASSERT_EQ(header_only.status, 200u) << "an empty day's file: " << header_only.body;
  EXPECT_EQ(header_only.object().at("lines").as_int64(), 0);
  ExpectProblem(Import(postal, std::string(kCsvHeader), "application/json"), 400,
                "/problems/invalid-request", "format");
  ExpectProblem(Send(bhttp::verb::post, "/mail/tracking?format=xml", kCsvHeader, postal), 400,
                "/problems/invalid-request", "format");
  // The file names summonses anywhere: a regional grant, another region's or a citizen's
  // session cannot send it.
  std::string body = std::string(kCsvHeader) + "80080012345678,1,accepted,2026-04-01T10:00:00Z,\n";
  ExpectProblem(Import(officer_, body, "text/csv"), 403, "/problems/forbidden");
  ExpectProblem(Import(other_region_, body, "text/csv"), 403, "/problems/forbidden");
  ExpectProblem(Import(citizen_, body, "text/csv"), 403, "/problems/forbidden");
  std::string national = MakeOfficer("national.officer", "all");
  Reply imported = Import(national, body, "text/csv");
  EXPECT_EQ(imported.status, 200u) << imported.body;
}

TEST_F(ChannelsHttpTest, AMarkByHandCarriesItsTrackingNumberForTheOperatorsLaterEvents) {
  SummonsId letter = IssueBefore(person_, {Channel::kRegisteredMail});
  AdvanceTo("2026-04-03T18:00:00+03:00");
  StartServer();
  std::string postal = MakePostalOperator();
  std::string s = "/summonses/" + std::to_string(letter);
  ExpectProblem(Post(s + "/marks", R"({"channel":"registered_mail","mark":"accepted",)"
                                   R"("evidence":"counterfoil","reference":"12345"})"),
                400, "/problems/invalid-request", "reference");
  Reply mark = Post(s + "/marks", R"({"channel":"registered_mail","mark":"accepted",)"
                                  R"("at":"2026-04-01T15:00:00+03:00","evidence":"counterfoil",)"
                                  R"("reference":" ra123456785ru"})");
  ASSERT_EQ(mark.status, 201u) << mark.body;
  Reply report = Import(
      postal,
      std::string(kCsvHeader) + "RA123456785RU,,delivered,2026-04-02T10:00:00+03:00,390023\n",
      "text/csv");
  ASSERT_EQ(report.status, 200u) << report.body;
  EXPECT_EQ(report.object().at("recorded").as_int64(), 1) << report.body;
  Reply summons = SummonsAs(officer_, letter);
  EXPECT_EQ(summons.Text("served_at"), "2026-04-02T07:00:00Z") << summons.body;
  EXPECT_EQ(Entries(summons, "registered_mail", "accepted").at(0).at("reference").as_string(),
            "RA123456785RU");
}

TEST_F(ChannelsHttpTest, ConsentGatesNotificationsAndANotificationNeverServes) {
  SummonsId letter = IssueBefore(person_, {Channel::kRegisteredMail});
  AdvanceTo("2026-04-01T12:00:00+03:00");
  StartServer();
  std::string p = "/persons/" + std::to_string(person_);
  std::string s = "/summonses/" + std::to_string(letter);

  // Without consent nothing is sent.
  Reply refused = Post(s + "/notifications", R"({"channel":"sms","evidence":"gateway 41"})");
  ExpectProblem(refused, 422, "/problems/precondition-failed");
  EXPECT_THAT(refused.Text("detail"), HasSubstr("has not consented to notifications by sms"));

  // The citizen consents on the portal: the session is the evidence; the number is normalised.
  Reply consent =
      PostAs(citizen_, p + "/consents", R"({"channel":"sms","address":"+7 (910) 123-45-67"})");
  ASSERT_EQ(consent.status, 201u) << consent.body;
  EXPECT_EQ(consent.Text("address"), "+79101234567");
  EXPECT_TRUE(consent.object().at("in_force").as_bool());
  EXPECT_THAT(consent.Text("evidence"), HasSubstr("portal"));
  int64_t consent_id = consent.object().at("consent_id").as_int64();
  // An officer must name the form; a bad address or channel is refused by name.
  ExpectProblem(Post(p + "/consents", R"({"channel":"email","address":"ivan@mail.ru"})"), 400,
                "/problems/invalid-request", "evidence");
  ExpectProblem(Post(p + "/consents", R"({"channel":"sms","address":"12345","evidence":"form"})"),
                400, "/problems/invalid-request", "address");
  ExpectProblem(Post(p + "/consents", R"({"channel":"fax","address":"1","evidence":"form"})"), 400,
                "/problems/invalid-request", "channel");

  // Sent with consent, then delivered: both in the log as notifications; the summons unserved.
  Reply sent = Post(s + "/notifications", R"({"channel":"sms","evidence":"gateway message 42"})");
  ASSERT_EQ(sent.status, 201u) << sent.body;
  EXPECT_TRUE(sent.object().at("notification").as_bool());
  EXPECT_FALSE(sent.object().at("serves").as_bool());
  EXPECT_EQ(sent.Text("status"), "issued");
  EXPECT_TRUE(sent.object().at("served_at").is_null());
  Reply delivered =
      Post(s + "/notifications", R"({"channel":"sms","mark":"delivered","evidence":"report 42"})");
  ASSERT_EQ(delivered.status, 201u) << delivered.body;
  EXPECT_TRUE(delivered.object().at("served_at").is_null()) << "a notification never serves";
  Reply summons = SummonsAs(officer_, letter);
  EXPECT_TRUE(summons.object().at("served_at").is_null());
  std::vector<json::object> notifications = Entries(summons, "sms", "sent");
  ASSERT_EQ(notifications.size(), 1u) << summons.body;
  EXPECT_TRUE(notifications[0].at("notification").as_bool());
  EXPECT_TRUE(notifications[0].at("service_rule").is_null());
  EXPECT_TRUE(notifications[0].at("serves_at").is_null());
  ExpectProblem(
      Post(s + "/notifications", R"({"channel":"email","mark":"delivered","evidence":"x"})"), 422,
      "/problems/precondition-failed");

  // The citizen withdraws; sending is refused again; a withdrawn consent cannot be withdrawn.
  std::string withdraw = p + "/consents/" + std::to_string(consent_id) + "/withdraw";
  Reply withdrawn = PostAs(citizen_, withdraw, "");
  ASSERT_EQ(withdrawn.status, 200u) << withdrawn.body;
  EXPECT_FALSE(withdrawn.object().at("in_force").as_bool());
  EXPECT_FALSE(withdrawn.object().at("withdrawn_at").is_null());
  ExpectProblem(PostAs(citizen_, withdraw, ""), 422, "/problems/precondition-failed");
  ExpectProblem(Post(s + "/notifications", R"({"channel":"sms","evidence":"gateway 43"})"), 422,
                "/problems/precondition-failed");
  ExpectProblem(PostAs(citizen_, p + "/consents/999/withdraw", ""), 404, "/problems/not-found");

  // A later consent supersedes the one in force for its channel.
  Reply first =
      Post(p + "/consents", R"({"channel":"email","address":"Ivan@Mail.RU","evidence":"form 1"})");
  ASSERT_EQ(first.status, 201u) << first.body;
  EXPECT_EQ(first.Text("address"), "Ivan@mail.ru");
  Reply second = Post(p + "/consents",
                      R"({"channel":"email","address":"ivan@yandex.ru","evidence":"form 2"})");
  ASSERT_EQ(second.status, 201u) << second.body;
  Reply list = GetAs(citizen_, p + "/consents");
  ASSERT_EQ(list.status, 200u) << list.body;
  const json::array& consents = list.object().at("consents").as_array();
  ASSERT_EQ(consents.size(), 3u) << list.body;
  EXPECT_FALSE(consents[0].at("in_force").as_bool());  // withdrawn sms
  EXPECT_FALSE(consents[1].at("in_force").as_bool());  // superseded email
  EXPECT_THAT(std::string(consents[1].at("withdrawal_evidence").as_string()),
              HasSubstr("superseded by consent"));
  EXPECT_TRUE(consents[2].at("in_force").as_bool());

  // Another person's consents are not the citizen's; another region's officer sees none.
  std::string other = "/persons/" + std::to_string(deferred_);
  ExpectProblem(GetAs(citizen_, other + "/consents"), 403, "/problems/forbidden");
  ExpectProblem(
      PostAs(citizen_, other + "/consents", R"({"channel":"sms","address":"+79101234567"})"), 403,
      "/problems/forbidden");
  ExpectProblem(GetAs(other_region_, p + "/consents"), 403, "/problems/forbidden");
  ExpectProblem(
      PostAs(other_region_, s + "/notifications", R"({"channel":"email","evidence":"x"})"), 403,
      "/problems/forbidden");
  // A citizen records no notifications.
  ExpectProblem(PostAs(citizen_, s + "/notifications", R"({"channel":"email","evidence":"x"})"),
                403, "/problems/forbidden");

  // Reading the consents is journalled, as every read of the record.
  Reply log = GetAs(citizen_, p + "/access-log");
  ASSERT_EQ(log.status, 200u) << log.body;
  bool journalled = false;
  for (const json::value& entry : log.object().at("entries").as_array()) {
    journalled = journalled || (entry.at("resource").as_string() == "GET /persons/{id}/consents" &&
                                entry.at("actor").as_string().starts_with("officer:moscow"));
  }
  EXPECT_TRUE(journalled) << "the refused read by another region's officer: " << log.body;
}

TEST_F(ChannelsHttpTest, TheCitizensFirstViewOfAPortalSummonsIsRecordedOnceAndServesNothing) {
  SummonsId posted = IssueBefore(person_, {});  // the cascade: portal (served on posting), register
  AdvanceTo("2026-04-02T08:30:00+03:00");
  StartServer();
  std::string list = "/persons/" + std::to_string(person_) + "/summonses";
  Reply before = SummonsAs(officer_, posted);
  ASSERT_FALSE(Entries(before, "portal", "posted").empty()) << before.body;
  EXPECT_TRUE(Entries(before, "portal", "viewed").empty()) << "an officer's read is no view";
  std::string served_at = before.Text("served_at");
  EXPECT_EQ(served_at, "2026-04-01T06:00:00Z");

  Reply mine = GetAs(citizen_, list);
  ASSERT_EQ(mine.status, 200u) << mine.body;
  const json::value& summons = mine.object().at("summonses").as_array().at(0);
  int views = 0;
  for (const json::value& entry : summons.at("delivery_log").as_array()) {
    if (entry.at("channel") == "portal" && entry.at("mark") == "viewed") {
      ++views;
      EXPECT_EQ(entry.at("at").as_string(), "2026-04-02T05:30:00Z");
      EXPECT_TRUE(entry.at("serves_at").is_null()) << "a view is evidence, not service";
    }
  }
  EXPECT_EQ(views, 1) << mine.body;
  EXPECT_EQ(summons.at("served_at").as_string(), served_at);

  // Opening it again, in the list or alone, records nothing more.
  int64_t events = LedgerEvents();
  ASSERT_EQ(GetAs(citizen_, list).status, 200u);
  Reply alone = SummonsAs(citizen_, posted);
  EXPECT_EQ(Entries(alone, "portal", "viewed").size(), 1u) << alone.body;
  EXPECT_EQ(LedgerEvents(), events);
  EXPECT_EQ(alone.Text("served_at"), served_at);
}

TEST_F(ChannelsHttpTest, OpeningASummonsAloneRecordsItsFirstViewAndAClosedOneIsJustRead) {
  PersonId third = testing::AddPerson(*registry_, {.serial = 3});
  SummonsId posted = IssueBefore(person_, {Channel::kPortal});
  SummonsId cancelled = IssueBefore(third, {Channel::kPortal});
  ASSERT_TRUE(registry_->CancelSummons({.actor = "test"}, cancelled, "issued in error").ok());
  AdvanceTo("2026-04-01T10:00:00+03:00");
  StartServer();
  Reply opened = SummonsAs(citizen_, posted);
  EXPECT_EQ(Entries(opened, "portal", "viewed").size(), 1u) << opened.body;
  // A cancelled summons has no first view to record; reading it still answers.
  auto session = identity_->StartCitizenSession(third, clock_.Now());
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  Reply closed = SummonsAs(session->token, cancelled);
  EXPECT_EQ(closed.Text("status"), "cancelled");
  EXPECT_TRUE(Entries(closed, "portal", "viewed").empty()) << closed.body;
  // Another citizen's summons is neither shown nor marked viewed.
  ExpectProblem(GetAs(session->token, "/summonses/" + std::to_string(posted)), 403,
                "/problems/forbidden");
}

}  // namespace
}  // namespace muster
