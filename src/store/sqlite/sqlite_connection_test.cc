#include "store/sqlite/sqlite_connection.h"

#include <gtest/gtest.h>

#include "store/engines/open.h"
#include "store/migrations.h"
#include "testing/temp_dir.h"

namespace muster {
namespace {

class SqliteConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteConnection::Open(dir_.File("store.db"), /*create=*/true);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    db_ = std::move(opened).value();
    ASSERT_TRUE(db_->Execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, n BIGINT)").ok());
  }

  testing::TempDir dir_;
  std::unique_ptr<SqliteConnection> db_;
};

TEST_F(SqliteConnectionTest, BindsDollarParametersByNumberEvenOutOfOrder) {
  ASSERT_TRUE(ExecuteSql(*db_, "INSERT INTO t (n, name, id) VALUES ($3, $2, $1)", 7, "seven", 49).ok());
  auto query = Query::Make(*db_, "SELECT id, name, n FROM t WHERE name = $1");
  ASSERT_TRUE(query.ok());
  query->Bind("seven");
  auto has_row = query->Next();
  ASSERT_TRUE(has_row.ok() && *has_row);
  EXPECT_EQ(query->Int(0), 7);
  EXPECT_EQ(query->Text(1), "seven");
  EXPECT_EQ(query->Int(2), 49);
}

TEST_F(SqliteConnectionTest, UniqueViolationIsAlreadyExists) {
  ASSERT_TRUE(ExecuteSql(*db_, "INSERT INTO t (name) VALUES ($1)", "a").ok());
  auto again = ExecuteSql(*db_, "INSERT INTO t (name) VALUES ($1)", "a");
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
}

TEST_F(SqliteConnectionTest, RollbackDiscardsEverything) {
  ASSERT_TRUE(db_->BeginWrite().ok());
  ASSERT_TRUE(ExecuteSql(*db_, "INSERT INTO t (name) VALUES ($1)", "gone").ok());
  ASSERT_TRUE(db_->Rollback().ok());
  auto query = Query::Make(*db_, "SELECT COUNT(*) FROM t");
  ASSERT_TRUE(query.ok());
  ASSERT_TRUE(*query->Next());
  EXPECT_EQ(query->Int(0), 0);
}

TEST_F(SqliteConnectionTest, ReadsPagesThroughAMapping) {
  auto query = Query::Make(*db_, "PRAGMA mmap_size");
  ASSERT_TRUE(query.ok());
  auto has_row = query->Next();
  ASSERT_TRUE(has_row.ok() && *has_row);
  EXPECT_GT(query->Int(0), 0);  // SQLite's own maximum, at most the 16 GiB asked for
}

// Commits past the checkpoint threshold hand the checkpoint to the connection's thread; a
// reader on another connection meanwhile, and the file reopened after, see every commit.
TEST_F(SqliteConnectionTest, LargeCommitsStayReadableWhileCheckpointedBeside) {
  auto reader = SqliteConnection::Open(dir_.File("store.db"), /*create=*/false);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  const std::string filler(2000, 'x');  // two rows a page: 1,500 rows are ≥ 1,000 WAL pages
  int64_t rows = 0;
  for (int commit = 0; commit < 4; ++commit) {
    ASSERT_TRUE(db_->BeginWrite().ok());
    for (int i = 0; i < 1500; ++i) {
      ASSERT_TRUE(ExecuteSql(*db_, "INSERT INTO t (name, n) VALUES ($1, $2)",
                             filler + std::to_string(rows), rows).ok());
      ++rows;
    }
    ASSERT_TRUE(db_->Commit().ok());
    auto count = Query::Make(**reader, "SELECT COUNT(*), SUM(n) FROM t");
    ASSERT_TRUE(count.ok() && *count->Next());
    EXPECT_EQ(count->Int(0), rows);
    EXPECT_EQ(count->Int(1), rows * (rows - 1) / 2);
  }
  reader->reset();
  db_.reset();  // stops the checkpoint thread first; the last connection checkpoints the rest
  auto reopened = SqliteConnection::Open(dir_.File("store.db"), /*create=*/false);
  ASSERT_TRUE(reopened.ok());
  auto count = Query::Make(**reopened, "SELECT COUNT(*) FROM t");
  ASSERT_TRUE(count.ok() && *count->Next());
  EXPECT_EQ(count->Int(0), rows);
  db_ = std::move(reopened).value();
}

TEST_F(SqliteConnectionTest, NullsRoundTrip) {
  std::optional<int64_t> none;
  ASSERT_TRUE(ExecuteSql(*db_, "INSERT INTO t (name, n) VALUES ($1, $2)", "x", none).ok());
  auto query = Query::Make(*db_, "SELECT n FROM t");
  ASSERT_TRUE(query.ok() && *query->Next());
  EXPECT_FALSE(query->OptionalInt(0).has_value());
}

TEST(OpenStoreTest, MissingRegistryIsNotFoundAndUnknownSchemeIsInvalid) {
  testing::TempDir dir;
  EXPECT_EQ(OpenStore("sqlite:" + dir.File("absent.db"), OpenMode::kExisting).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(OpenStore("mysql://host/db", OpenMode::kCreate).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(MigrationsTest, ApplyOnceAndAreIdempotent) {
  testing::TempDir dir;
  auto db = OpenStore("sqlite:" + dir.File("m.db"), OpenMode::kCreate);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(Migrate(**db).ok());
  ASSERT_TRUE(Migrate(**db).ok());
  auto query = Query::Make(**db, "SELECT COUNT(*), MAX(version) FROM schema_migrations");
  ASSERT_TRUE(query.ok() && *query->Next());
  EXPECT_EQ(query->Int(0), LatestSchemaVersion());
  EXPECT_EQ(query->Int(1), LatestSchemaVersion());
}

TEST(MigrationsTest, RefusesADatabaseNewerThanTheBuild) {
  testing::TempDir dir;
  auto db = OpenStore("sqlite:" + dir.File("m.db"), OpenMode::kCreate);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(Migrate(**db).ok());
  ASSERT_TRUE(ExecuteSql(**db, "INSERT INTO schema_migrations (version, name) VALUES ($1, 'future')",
                         LatestSchemaVersion() + 1).ok());
  EXPECT_EQ(Migrate(**db).code(), StatusCode::kFailedPrecondition);
}

// Migrations are numbered by hand in parallel branches, so a store may have recorded 1 and 3
// (a build that knew only those migrated it) before a build with 1, 2 and 3 opens it. Version
// 2 must be applied then, although it is below the highest version applied.
TEST(MigrationsTest, AVersionMissingBelowTheHighestAppliedIsApplied) {
  testing::TempDir dir;
  auto db = OpenStore("sqlite:" + dir.File("m.db"), OpenMode::kCreate);
  ASSERT_TRUE(db.ok());
  const MigrationStep one{1, "one", "CREATE TABLE one (id {key} PRIMARY KEY);"};
  const MigrationStep two{2, "two", "CREATE TABLE two (id {key} PRIMARY KEY);"};
  const MigrationStep three{3, "three", "CREATE TABLE three (id {key} PRIMARY KEY);"};
  ASSERT_TRUE(ApplyMigrations(**db, {one, three}).ok());
  Status applied = ApplyMigrations(**db, {one, two, three});
  ASSERT_TRUE(applied.ok()) << applied.ToString();
  auto versions = Query::Make(**db, "SELECT version FROM schema_migrations ORDER BY version");
  ASSERT_TRUE(versions.ok());
  std::vector<int64_t> recorded;
  while (*versions->Next()) recorded.push_back(versions->Int(0));
  EXPECT_EQ(recorded, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_TRUE(ExecuteSql(**db, "INSERT INTO two (id) VALUES ($1)", 1).ok());
  // Nothing is applied twice.
  Status again = ApplyMigrations(**db, {one, two, three});
  EXPECT_TRUE(again.ok()) << again.ToString();
  // A recorded version above every version of the build is still refused.
  EXPECT_EQ(ApplyMigrations(**db, {one, two}).code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace muster
