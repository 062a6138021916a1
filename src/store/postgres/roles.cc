#include "store/postgres/roles.h"

#include <string>
#include <vector>

namespace muster {
namespace {

bool IsPlainIdentifier(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  if (!(name[0] == '_' || (name[0] >= 'a' && name[0] <= 'z'))) return false;
  for (char c : name) {
    if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

// Double-quotes an identifier for statements that cannot take parameters (GRANT).
std::string QuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string TablePrivileges(std::string_view table) {
  if (table == "ledger_events") return "SELECT, INSERT";
  if (table == "ledger_head") return "SELECT, UPDATE";
  // The access journal is append-only like the ledger; its person index is a projection.
  if (table == "access_journal") return "SELECT, INSERT";
  if (table == "access_journal_head") return "SELECT, UPDATE";
  if (table == "schema_migrations") return "SELECT";
  return "SELECT, INSERT, UPDATE, DELETE";
}

}  // namespace

Status CreateServiceRole(Connection& owner, std::string_view role) {
  if (owner.dialect().name != "postgresql") {
    return InvalidArgument("roles: database roles exist only on PostgreSQL");
  }
  if (!IsPlainIdentifier(role)) {
    return InvalidArgument("roles: role name '" + std::string(role) +
                           "' must be a lower-case identifier (a-z, 0-9, _)");
  }
  std::string database;
  std::string schema;
  bool exists = false;
  {
    ASSIGN_OR_RETURN(Query query,
                     Query::Make(owner,
                                 "SELECT current_database(), current_schema(), "
                                 "EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)"));
    query.Bind(role);
    ASSIGN_OR_RETURN(bool found, query.Next());
    if (!found) return Internal("roles: current_database() returned no row");
    database = query.Text(0);
    schema = query.Text(1);
    exists = query.Int(2) != 0;
    query.Finish();
  }
  std::vector<std::string> tables;
  {
    ASSIGN_OR_RETURN(Query query,
                     Query::Make(owner,
                                 "SELECT tablename FROM pg_tables WHERE schemaname = $1 "
                                 "ORDER BY tablename"));
    query.Bind(schema);
    while (true) {
      ASSIGN_OR_RETURN(bool has_row, query.Next());
      if (!has_row) break;
      tables.push_back(query.Text(0));
    }
    query.Finish();
  }

  const std::string quoted_role = QuoteIdentifier(role);
  std::string sql = "BEGIN;";
  if (!exists) sql += "CREATE ROLE " + quoted_role + " LOGIN;";
  sql += "GRANT CONNECT ON DATABASE " + QuoteIdentifier(database) + " TO " + quoted_role + ";";
  sql += "GRANT USAGE ON SCHEMA " + QuoteIdentifier(schema) + " TO " + quoted_role + ";";
  for (const std::string& table : tables) {
    const std::string quoted_table = QuoteIdentifier(schema) + "." + QuoteIdentifier(table);
    // Revoke first so that running this again also takes away what an earlier version of
    // the rules (or a hand-made grant) allowed.
    sql += "REVOKE ALL ON TABLE " + quoted_table + " FROM " + quoted_role + ";";
    sql += "GRANT " + TablePrivileges(table) + " ON TABLE " + quoted_table + " TO " + quoted_role +
           ";";
  }
  sql += "COMMIT;";
  Status status = owner.Execute(sql);
  if (!status.ok()) {
    (void)owner.Rollback();
    return status.WithContext("roles: granting to " + std::string(role));
  }
  return Status::Ok();
}

}  // namespace muster
