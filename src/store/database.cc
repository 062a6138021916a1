#include "store/database.h"

namespace muster {

Result<Query> Query::Make(Connection& connection, std::string_view sql) {
  ASSIGN_OR_RETURN(Statement * statement, connection.Prepare(sql));
  return Query(statement);
}

Query& Query::Bind(int64_t value) {
  statement_->BindInt(next_index_++, value);
  return *this;
}

Query& Query::Bind(std::string_view value) {
  statement_->BindText(next_index_++, value);
  return *this;
}

Query& Query::BindNull() {
  statement_->BindNull(next_index_++);
  return *this;
}

Result<int64_t> Query::Run() {
  while (true) {
    ASSIGN_OR_RETURN(bool has_row, statement_->Step());
    if (!has_row) break;
  }
  return statement_->ChangedRows();
}

}  // namespace muster
