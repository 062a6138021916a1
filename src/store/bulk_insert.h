// RowBuffer: rows for one table, collected and then inserted many per statement.
//
// One INSERT per row costs a statement execution per row: on SQLite the VDBE setup, the binds
// and the reset; on PostgreSQL a round trip. A bulk writer (the ledger's buffered appends, the
// feed projections) adds its rows here and calls Flush, which sends them as multi-row
// `INSERT … VALUES (…), (…), …` statements of up to `kMaxRowsPerStatement` rows — the same SQL
// on both engines, far below their parameter limits (SQLite 32,766, PostgreSQL 65,535).
// Statement texts come in a few fixed sizes (powers of two), so the connection's statement
// cache holds at most eight per table.
//
// Rows are inserted in the order they were added, so auto-assigned keys come out as they would
// one row at a time. A RowBuffer is used by one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"
#include "store/database.h"

namespace muster {

class RowBuffer {
 public:
  static constexpr size_t kMaxRowsPerStatement = 128;

  // `insert` is the statement up to VALUES ("INSERT INTO t (a, b, c)"); `suffix` follows the
  // rows (an ON CONFLICT clause, or empty). `columns` is the number of values per row.
  RowBuffer(std::string insert, int columns, std::string suffix = "");

  // Starts a row; then one Add per column, in order.
  RowBuffer& Row();
  RowBuffer& Add(int64_t value);
  RowBuffer& Add(std::string_view value);
  RowBuffer& Add(std::string&& value);
  RowBuffer& Add(const std::string& value) { return Add(std::string_view(value)); }
  RowBuffer& Add(const char* value) { return Add(std::string_view(value)); }
  RowBuffer& AddNull();
  template <typename T>
  RowBuffer& Add(const std::optional<T>& value) {
    return value ? Add(*value) : AddNull();
  }

  size_t rows() const { return values_.size() / static_cast<size_t>(columns_); }
  bool empty() const { return values_.empty(); }

  // Orders the rows by the values of `columns` (0-based; numbers before text, stable). For a
  // table whose rows go to its end whatever their order (rowid or a growing key), rows sorted by
  // the key of a secondary index reach that index in order: each page is read and changed once
  // per flush, not once per row. Only where the order of insertion means nothing else.
  void SortBy(std::vector<int> columns);

  // Inserts every row added since the last Flush, in order, and empties the buffer. On an
  // error (a constraint, the store) the rows are dropped too: the caller's transaction is
  // to be rolled back.
  Status Flush(Connection& connection);
  // Drops the rows without inserting them.
  void Clear() { values_.clear(); }

 private:
  using Value = std::variant<std::monostate, int64_t, std::string>;
  const std::string& Sql(size_t rows);

  std::string insert_;
  int columns_;
  std::string suffix_;
  std::vector<Value> values_;
  std::vector<std::string> sql_;  // by log2 of the row count
};

}  // namespace muster
