// The `muster` binary end to end: what an operator types, what they see, and that bad input
// is refused with a precise message, a non-zero exit and no change.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>

#include "store/engines/open.h"
#include "testing/temp_dir.h"
#include "testing/test_store.h"

namespace muster {
namespace {

using ::testing::HasSubstr;

struct Outcome {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

std::string Quote(const std::string& argument) {
  std::string quoted = "'";
  for (char c : argument) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

class CliTest : public ::testing::Test {
 protected:
  Outcome Muster(const std::vector<std::string>& arguments) {
    const char* binary = std::getenv("MUSTER_BINARY");
    std::string command = Quote(binary ? binary : "build/muster") + " --store " + Quote(testing::StoreUrl(dir_, "cli"));
    // The signing key's secret: beside a SQLite store by default (<path>.keys); a PostgreSQL
    // store has no place of its own on this machine.
    if (testing::TestEngine() == "postgresql") command += " --key-dir " + Quote(dir_.File("keys"));
    for (const std::string& argument : arguments) command += " " + Quote(argument);
    command += " 2>&1";
    Outcome outcome;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return outcome;
    std::array<char, 4096> buffer;
    size_t read = 0;
    while ((read = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) outcome.output.append(buffer.data(), read);
    int status = pclose(pipe);
    outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return outcome;
  }

  void InitWithPopulation() {
    Outcome init = Muster({"init", "--clock", "simulated", "--start", "2026-04-01T09:00:00+03:00"});
    ASSERT_EQ(init.exit_code, 0) << init.output;
    Outcome generate = Muster({"generate", "--count", "300", "--seed", "7"});
    ASSERT_EQ(generate.exit_code, 0) << generate.output;
  }

  std::string FirstSnils() {
    auto db = OpenStore(testing::StoreUrl(dir_, "cli"), OpenMode::kExisting);
    EXPECT_TRUE(db.ok());
    auto query = Query::Make(**db,
                             "SELECT i.value FROM person_identifiers i JOIN persons p ON p.person_id = i.person_id "
                             "LEFT JOIN grounds g ON g.person_id = p.person_id WHERE i.kind = 'snils' AND g.ground_id IS NULL "
                             "AND p.sex = 'M' AND p.birth_date BETWEEN 11000 AND 13000 ORDER BY p.person_id LIMIT 1");
    EXPECT_TRUE(query.ok() && *query->Next());
    std::string snils = query->Text(0);
    query->Finish();
    return snils;
  }

  testing::TempDir dir_;
};

TEST_F(CliTest, ACampaignFromTheCommandLine) {
  InitWithPopulation();
  std::string snils = FirstSnils();
  Outcome issue = Muster({"issue", "--person", "snils:" + snils});
  ASSERT_EQ(issue.exit_code, 0) << issue.output;
  EXPECT_THAT(issue.output, HasSubstr("summons 1 issued"));
  Outcome batch = Muster({"issue", "--limit", "50"});
  ASSERT_EQ(batch.exit_code, 0) << batch.output;
  EXPECT_THAT(batch.output, HasSubstr("issued of"));
  Outcome advance = Muster({"advance", "--days", "40"});
  ASSERT_EQ(advance.exit_code, 0) << advance.output;
  Outcome explain = Muster({"explain", "snils:" + snils});
  ASSERT_EQ(explain.exit_code, 0) << explain.output;
  EXPECT_THAT(explain.output, HasSubstr("exit: IN FORCE"));
  EXPECT_THAT(explain.output, HasSubstr("ru-127fz/exit-ban"));
  Outcome appear = Muster({"appear", "--summons", "1"});
  ASSERT_EQ(appear.exit_code, 0) << appear.output;
  Outcome after = Muster({"explain", "snils:" + snils});
  EXPECT_THAT(after.output, HasSubstr("exit: not in force"));
  EXPECT_THAT(after.output, HasSubstr("(appeared)"));
  Outcome person = Muster({"person", "snils:" + snils});
  ASSERT_EQ(person.exit_code, 0) << person.output;
  EXPECT_THAT(person.output, HasSubstr("SERVED via portal posted"));
  EXPECT_THAT(person.output, HasSubstr("lifted"));
  Outcome stats = Muster({"stats"});
  EXPECT_THAT(stats.output, HasSubstr("persons: 300"));
  Outcome verify = Muster({"verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_THAT(verify.output, HasSubstr("ledger OK"));
}

TEST_F(CliTest, VerifyFindsAnEditedEvent) {
  InitWithPopulation();
  {
    auto db = OpenStore(testing::StoreUrl(dir_, "cli"), OpenMode::kExisting);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Execute("UPDATE ledger_events SET payload = replace(payload, '\"M\"', '\"F\"') WHERE seq = 42").ok());
  }
  Outcome verify = Muster({"verify"});
  EXPECT_EQ(verify.exit_code, 3);
  EXPECT_THAT(verify.output, HasSubstr("event 42: hash mismatch"));
}

TEST_F(CliTest, RetryWithTheSameKeyIsSafeAndAConflictingReuseIsRefused) {
  InitWithPopulation();
  std::string snils = FirstSnils();
  Outcome first = Muster({"--idempotency-key", "desk-17/0001", "issue", "--person", "snils:" + snils});
  Outcome retry = Muster({"--idempotency-key", "desk-17/0001", "issue", "--person", "snils:" + snils});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_EQ(retry.output, first.output);
  Outcome conflict = Muster({"--idempotency-key", "desk-17/0001", "issue", "--person", "2"});
  EXPECT_EQ(conflict.exit_code, 1);
  EXPECT_THAT(conflict.output, HasSubstr("already used for a different request"));
}

TEST_F(CliTest, BadInputNamesTheFieldAndExitsNonZero) {
  InitWithPopulation();
  struct Case {
    std::vector<std::string> arguments;
    std::string message;
  };
  std::vector<Case> cases = {
      {{"issue", "--person", "snils:112-233-445 96"}, "snils: check number mismatch (expected 95, got 96)"},
      {{"issue", "--person", "inn:12345"}, "inn: expected 12 digits, got 5"},
      {{"issue", "--region", "XYZ", "--limit", "5"}, "region: unknown region 'XYZ'"},
      {{"issue", "--person", "999999"}, "person: no person with id 999999"},
      {{"issue", "--person", "1", "--appear-at", "2026-02-30T09:00:00+03:00"}, "appear-at: no such date '2026-02-30'"},
      {{"issue", "--person", "1", "--channels", "pigeon"}, "channels: unknown value 'pigeon'"},
      {{"deliver", "--summons", "77", "--channel", "portal", "--mark", "posted", "--evidence", "x"}, "summons: no summons with id 77"},
      {{"advance", "--to", "2020-01-01T00:00:00Z"}, "clock: cannot move back"},
      {{"ground", "grant", "--person", "1", "--basis", "astrologer", "--evidence", "x"}, "basis: 'astrologer' is not a deferment basis"},
      {{"fitness", "--person", "1", "--category", "Z", "--commission", "c"}, "category: unknown fitness category 'Z'"},
  };
  Outcome before = Muster({"stats"});
  for (const Case& test : cases) {
    Outcome outcome = Muster(test.arguments);
    EXPECT_EQ(outcome.exit_code, 1) << test.arguments[0] << ": " << outcome.output;
    EXPECT_THAT(outcome.output, HasSubstr(test.message)) << test.arguments[0];
  }
  EXPECT_EQ(Muster({"stats"}).output, before.output) << "refused commands change nothing";
}

TEST_F(CliTest, InitRefusesABadProfileAndAnImpossibleStart) {
  std::string profile = dir_.File("broken.toml");
  std::ofstream(profile) << "id = \"broken\"\nversion = \"1\"\n";
  Outcome broken = Muster({"init", "--profile", profile});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_THAT(broken.output, HasSubstr("broken.toml"));
  Outcome start = Muster({"init", "--clock", "simulated", "--start", "2023-02-29T09:00:00+03:00"});
  EXPECT_EQ(start.exit_code, 1);
  EXPECT_THAT(start.output, HasSubstr("start: no such date '2023-02-29'"));
  Outcome missing = Muster({"init", "--profile", "atlantis"});
  EXPECT_THAT(missing.output, HasSubstr("profile: no profile 'atlantis'"));
  Outcome not_created = Muster({"stats"});
  EXPECT_EQ(not_created.exit_code, 1);
  EXPECT_THAT(not_created.output, HasSubstr("no registry")) << "a refused init creates no registry";
}

TEST_F(CliTest, AMissingStoreIsReportedNotCreated) {
  Outcome stats = Muster({"stats"});
  EXPECT_EQ(stats.exit_code, 1);
  EXPECT_THAT(stats.output, HasSubstr("no registry"));
}

// Every summons is signed when issued with the key `init` created; keys rotate and revoke;
// printing writes one page per summons; without the key's secret, issuing is refused and
// changes nothing.
TEST_F(CliTest, SummonsesAreSignedPrintedAndRefusedWithoutAKey) {
  Outcome init = Muster({"init", "--clock", "simulated", "--start", "2026-04-01T09:00:00+03:00"});
  ASSERT_EQ(init.exit_code, 0) << init.output;
  EXPECT_THAT(init.output, HasSubstr("signing key 2026-04-01-"));
  ASSERT_EQ(Muster({"generate", "--count", "300", "--seed", "7"}).exit_code, 0);
  std::string snils = FirstSnils();
  Outcome issue = Muster({"issue", "--person", "snils:" + snils});
  ASSERT_EQ(issue.exit_code, 0) << issue.output;
  std::string first_key;
  {
    auto db = OpenStore(testing::StoreUrl(dir_, "cli"), OpenMode::kExisting);
    ASSERT_TRUE(db.ok());
    auto query = Query::Make(**db, "SELECT key_id, verification_code, legal_basis FROM summonses "
                                   "WHERE summons_id = 1");
    ASSERT_TRUE(query.ok() && *query->Next());
    ASSERT_FALSE(query->IsNull(0)) << "summons 1 was issued unsigned";
    first_key = query->Text(0);
    EXPECT_EQ(query->Text(1).size(), 14u);
    EXPECT_EQ(query->Text(2), "fz53-art31-duty");
    query->Finish();
  }
  Outcome list = Muster({"keys", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.output;
  EXPECT_THAT(list.output, ::testing::ContainsRegex(first_key + " +active"));
  EXPECT_THAT(list.output, HasSubstr("signing here: yes"));

  std::string pdf = dir_.File("notices.pdf");
  Outcome print = Muster({"print", "--summons", "1", "--out", pdf});
  ASSERT_EQ(print.exit_code, 0) << print.output;
  EXPECT_THAT(print.output, HasSubstr("1 summonses printed"));
  EXPECT_TRUE(std::ifstream(pdf).good());
  Outcome nothing = Muster({"print", "--channel", "registered_mail", "--unserved", "--out", pdf});
  EXPECT_EQ(nothing.exit_code, 1);
  EXPECT_THAT(nothing.output, HasSubstr("no summons matches"));

  Outcome rotate = Muster({"keys", "rotate"});
  ASSERT_EQ(rotate.exit_code, 0) << rotate.output;
  Outcome rotated = Muster({"keys", "list"});
  EXPECT_THAT(rotated.output, ::testing::ContainsRegex(first_key + " +retired"));
  Outcome revoke = Muster({"keys", "revoke", "--key", first_key, "--reason", "laptop stolen"});
  ASSERT_EQ(revoke.exit_code, 0) << revoke.output;
  EXPECT_THAT(Muster({"keys", "list"}).output, ::testing::ContainsRegex(first_key + " +revoked"));

  // Without the secret (another key directory) nothing is signed, so nothing is issued.
  Outcome before = Muster({"stats"});
  Outcome unsigned_issue = Muster({"--key-dir", dir_.File("empty-keys"), "issue", "--person", "2"});
  EXPECT_EQ(unsigned_issue.exit_code, 1);
  EXPECT_THAT(unsigned_issue.output, HasSubstr("signing: cannot sign a summons"));
  EXPECT_EQ(Muster({"stats"}).output, before.output) << "a refused issue changes nothing";
}

// The delivery channels from the command line: a postal tracking file (good lines recorded,
// bad ones reported by line, a re-import changes nothing), consent and notifications, and
// `explain` naming the service event.
TEST_F(CliTest, MailImportConsentAndNotificationsFromTheCommandLine) {
  InitWithPopulation();
  std::string snils = FirstSnils();
  Outcome issue = Muster({"issue", "--person", "snils:" + snils, "--channels", "registered_mail"});
  ASSERT_EQ(issue.exit_code, 0) << issue.output;
  ASSERT_EQ(Muster({"advance", "--days", "2"}).exit_code, 0);
  std::string file = dir_.File("tracking.csv");
  std::ofstream(file) << "tracking_number,summons_id,event,at,office\n"
                         "80080012345678,1,accepted,2026-04-01T15:10:00+03:00,390000\n"
                         "80080012345678,,delivered,2026-04-02T11:02:00+03:00,390023\n"
                         "80080099999999,,delivered,2026-04-02T11:02:00+03:00,390023\n";
  Outcome imported = Muster({"mail", "import", "--file", file});
  EXPECT_EQ(imported.exit_code, 2) << "refused lines make the exit code say so: " << imported.output;
  EXPECT_THAT(imported.output, HasSubstr("3 lines: 2 recorded (1 served a summons), 0 already on record, 1 refused"));
  EXPECT_THAT(imported.output, HasSubstr("line 4: tracking_number: 80080099999999 is linked to no summons"));
  Outcome again = Muster({"mail", "import", "--file", file, "--json"});
  EXPECT_THAT(again.output, HasSubstr("\"recorded\":0,\"duplicates\":2"));

  Outcome explain = Muster({"explain", "snils:" + snils});
  ASSERT_EQ(explain.exit_code, 0) << explain.output;
  EXPECT_THAT(explain.output, HasSubstr("by registered_mail delivered"));
  EXPECT_THAT(explain.output, HasSubstr("the earliest legally valid service event"));

  Outcome refused = Muster({"notify", "--summons", "1", "--channel", "sms", "--evidence", "gw 1"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.output, HasSubstr("has not consented to notifications by sms"));
  Outcome consent = Muster({"consent", "record", "--person", "snils:" + snils, "--channel", "sms",
                            "--address", "+7 910 123-45-67", "--evidence", "form 12"});
  ASSERT_EQ(consent.exit_code, 0) << consent.output;
  Outcome notify = Muster({"notify", "--summons", "1", "--channel", "sms", "--evidence", "gw 1"});
  ASSERT_EQ(notify.exit_code, 0) << notify.output;
  EXPECT_THAT(notify.output, HasSubstr("(not service)"));
  ASSERT_EQ(Muster({"consent", "withdraw", "--person", "snils:" + snils, "--channel", "sms",
                    "--evidence", "letter"}).exit_code, 0);
  Outcome list = Muster({"consent", "list", "--person", "snils:" + snils});
  EXPECT_THAT(list.output, HasSubstr("+79101234567"));
  EXPECT_THAT(list.output, HasSubstr("withdrawn"));
}

TEST_F(CliTest, AccountsAreCreatedKeyedListedAndRevoked) {
  InitWithPopulation();
  setenv("MUSTER_PASSWORD", "a long enough password", 1);
  Outcome added = Muster({"account", "add", "--login", "ryazan.officer", "--name", "Officer",
                          "--grant", "person.read@region:RYA", "--grant", "summons.issue@office:RYA-01"});
  unsetenv("MUSTER_PASSWORD");
  ASSERT_EQ(added.exit_code, 0) << added.output;
  EXPECT_THAT(added.output, HasSubstr("otpauth://totp/Muster:ryazan.officer?secret="));
  EXPECT_THAT(added.output, ::testing::Not(HasSubstr("a long enough password")));

  Outcome bad_grant = Muster({"account", "add", "--kind", "agency", "--login", "border.service",
                              "--name", "Border", "--consumer", "border", "--grant", "measure.check@planet:Earth"});
  EXPECT_EQ(bad_grant.exit_code, 1);
  EXPECT_THAT(bad_grant.output, HasSubstr("grant: 'planet:Earth'"));
  ASSERT_EQ(Muster({"account", "add", "--kind", "agency", "--login", "border.service", "--name",
                    "Border", "--consumer", "border", "--grant", "measure.check@all"})
                .exit_code,
            0);
  Outcome key = Muster({"account", "key", "--login", "border.service", "--days", "30"});
  ASSERT_EQ(key.exit_code, 0) << key.output;
  EXPECT_THAT(key.output, HasSubstr("mak_"));
  Outcome people_have_no_keys = Muster({"account", "key", "--login", "ryazan.officer"});
  EXPECT_EQ(people_have_no_keys.exit_code, 1);

  Outcome list = Muster({"account", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.output;
  EXPECT_THAT(list.output, HasSubstr("summons.issue@office:RYA-01"));
  EXPECT_THAT(list.output, HasSubstr("measure.check@all"));

  Outcome totp = Muster({"account", "totp", "--login", "ryazan.officer"});
  ASSERT_EQ(totp.exit_code, 0) << totp.output;  // a simulated (demo) registry
  EXPECT_EQ(totp.output.size(), 7u) << totp.output;

  ASSERT_EQ(Muster({"account", "revoke", "--login", "border.service"}).exit_code, 0);
  Outcome listed = Muster({"account", "list"});
  EXPECT_THAT(listed.output, HasSubstr("(revoked)"));
  Outcome again = Muster({"account", "revoke", "--login", "border.service"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.output, HasSubstr("no account 'border.service' in force"));
}

}  // namespace
}  // namespace muster
