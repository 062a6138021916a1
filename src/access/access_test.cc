#include <set>
#include <algorithm>
#include <map>
#include <gtest/gtest.h>

#include <thread>

#include "access/access_index.h"
#include "access/access_journal.h"
#include "access/identity_store.h"
#include "access/passwords.h"
#include "access/principal.h"
#include "access/rate_limiter.h"
#include "store/engines/open.h"
#include "store/migrations.h"
#include "testing/temp_dir.h"
#include "testing/test_store.h"

namespace muster::access {
namespace {

Instant At(std::string_view text) { return *ParseInstant(text, "test"); }

Grant MakeGrant(std::string scope, std::string_view where) {
  return {std::move(scope), *Jurisdiction::Parse(where, "test")};
}

TEST(TotpTest, MatchesRfc6238Vectors) {
  // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", truncated to six digits.
  std::string secret = Base32Encode("12345678901234567890");
  EXPECT_EQ(*TotpCode(secret, 59 / 30), "287082");
  EXPECT_EQ(*TotpCode(secret, 1111111109 / 30), "081804");
  EXPECT_EQ(*TotpCode(secret, 1234567890 / 30), "005924");
  EXPECT_EQ(*TotpCode(secret, 2000000000 / 30), "279037");
}

TEST(TotpTest, AcceptsAdjacentStepsOnceEach) {
  std::string secret = NewTotpSecret();
  Instant now = At("2026-11-29T10:00:15Z");
  std::string previous = *TotpCode(secret, TotpStep(now) - 1);
  auto step = MatchTotp(secret, previous, now, std::nullopt);
  ASSERT_TRUE(step);
  EXPECT_FALSE(MatchTotp(secret, previous, now, *step)) << "a code must not be accepted twice";
  std::string stale = *TotpCode(secret, TotpStep(now) - 3);
  EXPECT_FALSE(MatchTotp(secret, stale, now, std::nullopt));
  EXPECT_FALSE(MatchTotp(secret, "12345", now, std::nullopt));
}

TEST(Base32Test, RoundTrips) {
  for (std::string text : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    EXPECT_EQ(*Base32Decode(Base32Encode(text), "t"), text);
  }
  EXPECT_EQ(Base32Encode("foobar"), "MZXW6YTBOI");
  EXPECT_FALSE(Base32Decode("01!", "t").ok());
}

TEST(PasswordTest, HashesWithArgon2idAndVerifies) {
  auto hash = HashPassword("correct horse battery");
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(hash->starts_with("$argon2id$"));
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse battery"));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horse batterz"));
  EXPECT_EQ(HashPassword("short").status().code(), StatusCode::kInvalidArgument);
}

TEST(PrincipalTest, JurisdictionDecidesPerRecord) {
  Principal officer{.kind = PrincipalKind::kOfficer,
                    .login = "petrova",
                    .grants = {MakeGrant("summons.issue", "office:RYA-01"),
                               MakeGrant("person.read", "region:RYA")}};
  RecordPlace ryazan_01{.person_id = 1, .region = "RYA", .office = "RYA-01"};
  RecordPlace ryazan_02{.person_id = 2, .region = "RYA", .office = "RYA-02"};
  RecordPlace moscow{.person_id = 3, .region = "MOW", .office = "MOW-01"};
  EXPECT_TRUE(officer.Authorize("summons.issue", ryazan_01).ok());
  EXPECT_EQ(officer.Authorize("summons.issue", ryazan_02).code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(officer.Authorize("person.read", ryazan_02).ok());
  EXPECT_EQ(officer.Authorize("person.read", moscow).code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(officer.Authorize("audit.read", ryazan_01).code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(officer.AuthorizeArea("summons.issue", std::nullopt, std::string("RYA-01")).ok());
  EXPECT_FALSE(officer.AuthorizeArea("summons.issue", std::string("RYA"), std::nullopt).ok());
  EXPECT_FALSE(officer.AuthorizeArea("summons.issue", std::nullopt, std::nullopt).ok());

  Principal citizen{.kind = PrincipalKind::kCitizen, .login = "citizen-1", .person_id = 1};
  EXPECT_TRUE(citizen.Authorize("person.read", ryazan_01).ok());
  EXPECT_TRUE(citizen.Authorize("objection.file", ryazan_01).ok());
  EXPECT_FALSE(citizen.Authorize("person.read", ryazan_02).ok());
  EXPECT_FALSE(citizen.Authorize("summons.issue", ryazan_01).ok());
}

TEST(PrincipalTest, JurisdictionParsingNamesTheField) {
  EXPECT_EQ(Jurisdiction::Parse("region:RYA", "j")->ToString(), "region:RYA");
  EXPECT_EQ(Jurisdiction::Parse("office:MOW-07", "j")->ToString(), "office:MOW-07");
  EXPECT_EQ(Jurisdiction::Parse("all", "j")->ToString(), "all");
  auto bad = Jurisdiction::Parse("region:XXX", "grants");
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(bad.status().message().starts_with("grants: "));
}

TEST(RateLimiterTest, RefillsAndSaysHowLongToWait) {
  RateLimiter limiter(2, 3);
  auto t0 = RateLimiter::Clock::time_point{} + std::chrono::hours(1);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Take("a", t0).count(), 0);
  EXPECT_GE(limiter.Take("a", t0).count(), 1);
  EXPECT_EQ(limiter.Take("b", t0).count(), 0) << "buckets are per caller";
  EXPECT_EQ(limiter.Take("a", t0 + std::chrono::seconds(1)).count(), 0);
}

class IdentityStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto connection = OpenStore(testing::StoreUrl(dir_, "identity"), OpenMode::kCreate);
    ASSERT_TRUE(connection.ok()) << connection.status().ToString();
    connection_ = std::move(connection).value();
    ASSERT_TRUE(Migrate(*connection_).ok());
    store_ = std::make_unique<IdentityStore>(*connection_);
  }

  CreatedAccount AddOfficer(const std::string& login) {
    auto created = store_->CreateAccount(
        {.kind = PrincipalKind::kOfficer,
         .login = login,
         .display_name = "Officer " + login,
         .password = "a long enough password",
         .grants = {MakeGrant("person.read", "region:RYA")}},
        now_);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? *created : CreatedAccount{};
  }

  testing::TempDir dir_;
  std::unique_ptr<Connection> connection_;
  std::unique_ptr<IdentityStore> store_;
  Instant now_ = At("2026-11-29T10:00:00Z");
};

TEST_F(IdentityStoreTest, OfficerLogsInWithPasswordAndTotp) {
  CreatedAccount officer = AddOfficer("petrova");
  std::string code = *TotpCode(officer.totp_secret, TotpStep(now_));
  auto session = store_->Login("petrova", "a long enough password", code, now_);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto principal = store_->Authenticate(session->token, now_ + std::chrono::minutes(5));
  ASSERT_TRUE(principal.ok()) << principal.status().ToString();
  EXPECT_EQ(principal->login, "petrova");
  EXPECT_EQ(principal->kind, PrincipalKind::kOfficer);
  ASSERT_EQ(principal->grants.size(), 1u);
  EXPECT_EQ(principal->grants[0].jurisdiction.ToString(), "region:RYA");
  // The same code cannot be replayed for a second session.
  EXPECT_EQ(store_->Login("petrova", "a long enough password", code, now_).status().code(),
            StatusCode::kUnauthenticated);
}

TEST_F(IdentityStoreTest, WrongPasswordOrCodeLooksTheSameAndLocksOut) {
  CreatedAccount officer = AddOfficer("sidorov");
  std::string code = *TotpCode(officer.totp_secret, TotpStep(now_));
  auto wrong_password = store_->Login("sidorov", "not the password!", code, now_);
  auto wrong_code = store_->Login("sidorov", "a long enough password", "000000", now_);
  auto unknown = store_->Login("nobody", "a long enough password", code, now_);
  EXPECT_EQ(wrong_password.status().message(), wrong_code.status().message());
  EXPECT_EQ(wrong_code.status().message(), unknown.status().message());
  for (int i = 0; i < 3; ++i) (void)store_->Login("sidorov", "not the password!", code, now_);
  auto locked = store_->Login("sidorov", "a long enough password", code, now_);
  EXPECT_EQ(locked.status().code(), StatusCode::kResourceExhausted) << locked.status().ToString();
  Instant later = now_ + std::chrono::minutes(16);
  auto after = store_->Login("sidorov", "a long enough password",
                             *TotpCode(officer.totp_secret, TotpStep(later)), later);
  EXPECT_TRUE(after.ok()) << after.status().ToString();
}

TEST_F(IdentityStoreTest, CredentialsExpireAndRevoke) {
  ASSERT_TRUE(store_->CreateAccount({.kind = PrincipalKind::kAgency,
                                     .login = "border",
                                     .display_name = "Border service",
                                     .grants = {MakeGrant("measure.check", "all")},
                                     .consumer = "border"},
                                    now_)
                  .ok());
  auto key = store_->IssueApiKey("border", "gateway", now_, std::chrono::hours(1));
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_TRUE(store_->Authenticate(key->token, now_ + std::chrono::minutes(59)).ok());
  EXPECT_EQ(store_->Authenticate(key->token, now_ + std::chrono::minutes(61)).status().code(),
            StatusCode::kUnauthenticated);
  auto second = store_->IssueApiKey("border", "gateway 2", now_);
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(store_->RevokeCredential(second->credential_id, now_).ok());
  EXPECT_EQ(store_->Authenticate(second->token, now_).status().message(), "credentials: revoked");
  auto third = store_->IssueApiKey("border", "gateway 3", now_);
  ASSERT_TRUE(store_->RevokeAccount("border", now_).ok());
  EXPECT_FALSE(store_->Authenticate(third->token, now_).ok());
  EXPECT_EQ(store_->IssueApiKey("border", "again", now_).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->Authenticate("mak_forged", now_).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(IdentityStoreTest, CitizenSessionsAreForTheirOwnRecord) {
  auto session = store_->StartCitizenSession(42, now_);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto again = store_->StartCitizenSession(42, now_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(session->account_id, again->account_id) << "one account per citizen";
  auto principal = store_->Authenticate(session->token, now_);
  ASSERT_TRUE(principal.ok());
  EXPECT_EQ(principal->kind, PrincipalKind::kCitizen);
  EXPECT_EQ(principal->person_id, 42);
  EXPECT_FALSE(store_->Authenticate(session->token, now_ + std::chrono::minutes(31)).ok());
}

TEST_F(IdentityStoreTest, RejectsBadAccounts) {
  AddOfficer("duplicate");
  EXPECT_EQ(store_->CreateAccount({.login = "duplicate", .display_name = "x",
                                   .password = "a long enough password"},
                                  now_)
                .status()
                .code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->CreateAccount({.login = "Bad Login", .display_name = "x",
                                   .password = "a long enough password"},
                                  now_)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->CreateAccount({.login = "weak", .display_name = "x", .password = "short"}, now_)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->CreateAccount({.login = "scopeless", .display_name = "x",
                                   .password = "a long enough password",
                                   .grants = {{"everything", Jurisdiction{}}}},
                                  now_)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  // An agency is an enforcement consumer or a feed's source (or both); only agencies send feeds.
  EXPECT_EQ(store_->CreateAccount({.kind = PrincipalKind::kAgency, .login = "nobody.agency",
                                   .display_name = "x"},
                                  now_)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->CreateAccount({.kind = PrincipalKind::kAgency, .login = "odd.feed",
                                   .display_name = "x", .source_agency = "Civil Status"},
                                  now_)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->CreateAccount({.login = "officer.feed", .display_name = "x",
                                   .password = "a long enough password",
                                   .source_agency = "tax"},
                                  now_)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  auto feed = store_->CreateAccount({.kind = PrincipalKind::kAgency, .login = "tax.feed",
                                     .display_name = "Tax service feed",
                                     .source_agency = "tax"},
                                    now_);
  ASSERT_TRUE(feed.ok()) << feed.status().ToString();
  auto key = store_->IssueApiKey("tax.feed", "test", now_);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  auto principal = store_->Authenticate(key->token, now_);
  ASSERT_TRUE(principal.ok()) << principal.status().ToString();
  EXPECT_EQ(principal->source_agency, "tax");
  EXPECT_TRUE(principal->consumer.empty());
}

TEST_F(IdentityStoreTest, JournalChainsEntriesAndFindsTampering) {
  auto journal_connection = OpenStore(testing::StoreUrl(dir_, "identity"), OpenMode::kExisting);
  ASSERT_TRUE(journal_connection.ok());
  auto journal = AccessJournal::Start(std::move(journal_connection).value());
  ASSERT_TRUE(journal.ok());
  // Several threads append at once; group commit takes them together.
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        AccessEntry entry{.at = now_, .account_id = 1, .actor = "officer:petrova",
                          .actor_kind = "officer", .person_id = 7 + (i % 2),
                          .action = "read", .resource = "GET /persons/{id}", .fields = "card",
                          .purpose = "thread " + std::to_string(t), .outcome = "ok"};
        Status appended = (*journal)->AppendAndWait({entry});
        EXPECT_TRUE(appended.ok()) << appended.ToString();
      }
    });
  }
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ((*journal)->entries_written(), 100);
  auto of_seven = ReadAccessesOfPerson(*connection_, 7, 1000);
  ASSERT_TRUE(of_seven.ok());
  EXPECT_EQ(of_seven->size(), 52u);  // 13 of each thread's 25
  EXPECT_GT(of_seven->front().entry_id, of_seven->back().entry_id) << "newest first";
  auto page = ReadAccessesOfPerson(*connection_, 7, 10, of_seven->at(9).entry_id);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->front().entry_id, of_seven->at(10).entry_id);

  auto check = VerifyAccessJournal(*connection_);
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->entries, 100);
  EXPECT_FALSE(check->first_bad_entry);
  ASSERT_TRUE(ExecuteSql(*connection_, "UPDATE access_journal SET actor = 'nobody' WHERE entry_id = 40")
                  .ok());
  check = VerifyAccessJournal(*connection_);
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->first_bad_entry, 40);
}

// A bulk check is one packed entry; each person of it sees their own line — whether or not the
// background indexer has reached the entry — and no one else's.
TEST_F(IdentityStoreTest, PackedEntriesReachEachPersonBeforeAndAfterIndexing) {
  PackedPersons persons;
  persons.Add(11, "clear", "clear");
  persons.Add(12, "in force: exit", "clear");
  persons.Add(11, "clear", "clear");  // named twice in one request
  EXPECT_EQ(persons.size(), 3u);
  AccessEntry bulk{.at = now_, .account_id = 5, .actor = "agency:border", .actor_kind = "agency",
                   .action = "check", .resource = "POST /checks/bulk", .fields = "exit",
                   .purpose = "border crossing", .outcome = "clear", .detail = persons.Take()};
  AccessEntry single{.at = now_, .account_id = 1, .actor = "officer:petrova",
                     .actor_kind = "officer", .person_id = 12, .action = "read",
                     .resource = "GET /persons/{id}", .fields = "card", .purpose = "",
                     .outcome = "ok"};
  ASSERT_TRUE(AppendAccessEntries(*connection_, {single, bulk}).ok());

  auto expect_views = [&](const char* when) {
    SCOPED_TRACE(when);
    auto of_twelve = ReadAccessesOfPerson(*connection_, 12, 100);
    ASSERT_TRUE(of_twelve.ok()) << of_twelve.status().ToString();
    ASSERT_EQ(of_twelve->size(), 2u);
    EXPECT_EQ(of_twelve->at(0).entry.outcome, "in force: exit");
    EXPECT_EQ(of_twelve->at(0).entry.actor, "agency:border");
    EXPECT_TRUE(of_twelve->at(0).entry.detail.empty()) << "nobody sees the others of a bulk";
    EXPECT_EQ(of_twelve->at(1).entry.action, "read");
    auto of_eleven = ReadAccessesOfPerson(*connection_, 11, 100);
    ASSERT_TRUE(of_eleven.ok());
    ASSERT_EQ(of_eleven->size(), 1u);
    EXPECT_EQ(of_eleven->at(0).entry.outcome, "clear");
    auto of_thirteen = ReadAccessesOfPerson(*connection_, 13, 100);
    ASSERT_TRUE(of_thirteen.ok());
    EXPECT_TRUE(of_thirteen->empty());
    auto paged = ReadAccessesOfPerson(*connection_, 12, 1, of_twelve->at(0).entry_id);
    ASSERT_TRUE(paged.ok());
    ASSERT_EQ(paged->size(), 1u);
    EXPECT_EQ(paged->at(0).entry.action, "read");
  };
  expect_views("not indexed yet");
  auto indexed = IndexAccessJournal(*connection_, 1);  // one entry's worth at a time
  ASSERT_TRUE(indexed.ok()) << indexed.status().ToString();
  EXPECT_EQ(*indexed, 1);
  expect_views("half indexed");
  indexed = IndexAccessJournal(*connection_);
  ASSERT_TRUE(indexed.ok());
  EXPECT_EQ(*indexed, 1);
  indexed = IndexAccessJournal(*connection_);
  ASSERT_TRUE(indexed.ok());
  EXPECT_EQ(*indexed, 0) << "caught up";
  expect_views("indexed");

  // The packed persons are under the hash like every other field.
  auto check = VerifyAccessJournal(*connection_);
  ASSERT_TRUE(check.ok());
  EXPECT_FALSE(check->first_bad_entry);
  ASSERT_TRUE(ExecuteSql(*connection_, "UPDATE access_journal SET detail = '11\n' WHERE entry_id = 2")
                  .ok());
  check = VerifyAccessJournal(*connection_);
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->first_bad_entry, 2);
}

// The person index is runs merged level by level (access_index.h): at every step of every
// merge each person finds each of their accesses exactly once, and the merges leave fewer than
// kIndexFanIn runs per level.
TEST_F(IdentityStoreTest, IndexRunsMergeWithoutLosingOrRepeatingAnAccess) {
  constexpr int kPersons = 7;
  constexpr int kPasses = 3 * kIndexFanIn * kIndexFanIn / 2;  // 96: merges reach level 2
  std::map<PersonId, int> expected;
  auto expect_all = [&](const std::string& when) {
    SCOPED_TRACE(when);
    for (PersonId person = 1; person <= kPersons; ++person) {
      auto seen = ReadAccessesOfPerson(*connection_, person, 10000);
      ASSERT_TRUE(seen.ok()) << seen.status().ToString();
      std::set<int64_t> entries;
      for (const AccessRecord& record : *seen) entries.insert(record.entry_id);
      EXPECT_EQ(entries.size(), seen->size()) << "person " << person << " sees an entry twice";
      EXPECT_EQ(static_cast<int>(seen->size()), expected[person]) << "person " << person;
    }
  };
  for (int pass = 0; pass < kPasses; ++pass) {
    PackedPersons persons;
    for (PersonId person = 1 + pass % 2; person <= kPersons; person += 1 + pass % 3) {
      persons.Add(person, "clear", "clear");
      ++expected[person];
    }
    AccessEntry bulk{.at = now_, .account_id = 5, .actor = "agency:border",
                     .actor_kind = "agency", .action = "check", .resource = "POST /checks/bulk",
                     .fields = "exit", .purpose = "border crossing", .outcome = "clear",
                     .detail = persons.Take()};
    AccessEntry read{.at = now_, .account_id = 1, .actor = "officer:petrova",
                     .actor_kind = "officer", .person_id = 1 + pass % kPersons, .action = "read",
                     .resource = "GET /persons/{id}", .fields = "card", .outcome = "ok"};
    ++expected[1 + pass % kPersons];
    ASSERT_TRUE(AppendAccessEntries(*connection_, {bulk, read}).ok());
    auto indexed = IndexAccessJournal(*connection_);
    ASSERT_TRUE(indexed.ok()) << indexed.status().ToString();
    ASSERT_EQ(*indexed, 2);
    // Small steps, so merges are seen half done.
    for (int step = 0;; ++step) {
      auto merged = MergeAccessIndexStep(*connection_, 3);
      ASSERT_TRUE(merged.ok()) << merged.status().ToString();
      if (!*merged) break;
      if (pass % 17 == 0 || step % 5 == 0) expect_all("pass " + std::to_string(pass) + " step " + std::to_string(step));
    }
  }
  expect_all("merged");
  auto levels = AccessIndexRunLevels(*connection_);
  ASSERT_TRUE(levels.ok());
  std::map<int, int> runs_per_level;
  for (int level : *levels) ++runs_per_level[level];
  EXPECT_GE(runs_per_level.rbegin()->first, 2) << "merged into the second level";
  for (const auto& [level, runs] : runs_per_level) {
    EXPECT_LT(runs, kIndexFanIn) << "level " << level;
  }
}

// A backlog of runs (an index rebuilt from a long journal) merges kIndexFanIn at a time, the
// oldest first, and every access is still found once.
TEST_F(IdentityStoreTest, ABacklogOfRunsMergesEightAtATime) {
  constexpr int kRuns = 2 * kIndexFanIn + 4;
  for (int run = 0; run < kRuns; ++run) {
    AccessEntry read{.at = now_, .account_id = 1, .actor = "officer:petrova",
                     .actor_kind = "officer", .person_id = 1 + run % 3, .action = "read",
                     .resource = "GET /persons/{id}", .fields = "card", .outcome = "ok"};
    ASSERT_TRUE(AppendAccessEntries(*connection_, {read}).ok());
    auto indexed = IndexAccessJournal(*connection_);
    ASSERT_TRUE(indexed.ok()) << indexed.status().ToString();
  }
  auto merged = MergeAccessIndexStep(*connection_, 1000);  // one step moves all eight
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_TRUE(*merged);
  auto levels = AccessIndexRunLevels(*connection_);
  ASSERT_TRUE(levels.ok());
  EXPECT_EQ(std::count(levels->begin(), levels->end(), 0), kRuns - kIndexFanIn);
  EXPECT_EQ(std::count(levels->begin(), levels->end(), 1), 1);
  for (;;) {
    merged = MergeAccessIndexStep(*connection_, 1000);
    ASSERT_TRUE(merged.ok());
    if (!*merged) break;
  }
  int seen = 0;
  for (PersonId person = 1; person <= 3; ++person) {
    auto accesses = ReadAccessesOfPerson(*connection_, person, 100);
    ASSERT_TRUE(accesses.ok());
    seen += static_cast<int>(accesses->size());
  }
  EXPECT_EQ(seen, kRuns);
}

// With a sync interval, commits do not each wait for stable storage, but a sync follows within
// the interval even when nothing more arrives; the indexer thread catches up by itself.
TEST_F(IdentityStoreTest, JournalSyncsWithinTheIntervalAndIndexesBehind) {
  auto url = testing::StoreUrl(dir_, "identity");
  auto connect = [&] { return OpenStore(url, OpenMode::kExisting); };
  EXPECT_FALSE(AccessJournal::Start(connect, {.sync_interval = std::chrono::milliseconds(-1)}).ok());
  auto journal = AccessJournal::Start(connect, {.sync_interval = std::chrono::milliseconds(20)});
  ASSERT_TRUE(journal.ok()) << journal.status().ToString();
  for (int i = 0; i < 30; ++i) {
    AccessEntry entry{.at = now_, .account_id = 1, .actor = "officer:petrova",
                      .actor_kind = "officer", .person_id = 21, .action = "read",
                      .resource = "GET /persons/{id}", .fields = "card", .purpose = "",
                      .outcome = "ok"};
    ASSERT_TRUE((*journal)->AppendAndWait({entry}).ok());
  }
  // Wait (bounded) for the idle sync and the index; neither is timed, only awaited.
  auto indexed_through = [&]() -> int64_t {
    auto head = Query::Make(*connection_, "SELECT indexed_through FROM access_journal_index_head");
    if (!head.ok()) return -1;
    auto found = head->Next();
    if (!found.ok() || !*found) return -1;
    return head->Int(0);
  };
  for (int i = 0; i < 500 && indexed_through() < 30; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(indexed_through(), 30);
  for (int i = 0; i < 500 && (*journal)->syncs() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE((*journal)->syncs(), 1);
  EXPECT_EQ((*journal)->entries_written(), 30);
  journal->reset();  // stops both threads after a final sync
  auto of_person = ReadAccessesOfPerson(*connection_, 21, 100);
  ASSERT_TRUE(of_person.ok());
  EXPECT_EQ(of_person->size(), 30u);
  auto check = VerifyAccessJournal(*connection_);
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->entries, 30);
  EXPECT_FALSE(check->first_bad_entry);
}

// The checks of one group commit by one agency, in one second, for one purpose are one chained
// row; every person still finds their own check and answer.
TEST_F(IdentityStoreTest, ChecksOfOneCommitArePackedIntoOneEntry) {
  std::vector<AccessEntry> entries;
  for (PersonId person : {31, 32, 33}) {
    entries.push_back({.at = now_, .account_id = 5, .actor = "agency:border",
                       .actor_kind = "agency", .person_id = person, .action = "check",
                       .resource = "GET /checks/persons/{id}", .fields = "exit",
                       .purpose = "border crossing",
                       .outcome = person == 32 ? "in force: exit" : "clear"});
  }
  entries.push_back({.at = now_, .account_id = 1, .actor = "officer:petrova",
                     .actor_kind = "officer", .person_id = 31, .action = "read",
                     .resource = "GET /persons/{id}", .fields = "card", .outcome = "ok"});
  AccessEntry other_purpose = entries[0];
  other_purpose.purpose = "customs";
  entries.push_back(other_purpose);
  ASSERT_TRUE(AppendAccessEntries(*connection_, entries).ok());
  auto rows = Query::Make(*connection_, "SELECT COUNT(*) FROM access_journal");
  ASSERT_TRUE(rows.ok());
  ASSERT_TRUE(rows->Next().ok());
  EXPECT_EQ(rows->Int(0), 3) << "three checks packed, the read, the other purpose";
  rows->Finish();
  auto of_32 = ReadAccessesOfPerson(*connection_, 32, 10);
  ASSERT_TRUE(of_32.ok());
  ASSERT_EQ(of_32->size(), 1u);
  EXPECT_EQ(of_32->at(0).entry.outcome, "in force: exit");
  EXPECT_EQ(of_32->at(0).entry.resource, "GET /checks/persons/{id}");
  auto of_31 = ReadAccessesOfPerson(*connection_, 31, 10);
  ASSERT_TRUE(of_31.ok());
  ASSERT_EQ(of_31->size(), 3u);
  EXPECT_EQ(of_31->at(0).entry.purpose, "customs");
  EXPECT_EQ(of_31->at(1).entry.action, "read");
  EXPECT_EQ(of_31->at(2).entry.outcome, "clear");
  ASSERT_TRUE(IndexAccessJournal(*connection_).ok());
  auto indexed_31 = ReadAccessesOfPerson(*connection_, 31, 10);
  ASSERT_TRUE(indexed_31.ok());
  ASSERT_EQ(indexed_31->size(), 3u);
  EXPECT_EQ(indexed_31->at(2).entry.outcome, "clear");
  auto check = VerifyAccessJournal(*connection_);
  ASSERT_TRUE(check.ok());
  EXPECT_FALSE(check->first_bad_entry);
}

}  // namespace
}  // namespace muster::access
