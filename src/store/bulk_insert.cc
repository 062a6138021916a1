#include "store/bulk_insert.h"

#include <bit>
#include <chrono>
#include <cstdio>
#include <map>

namespace {
struct TmpTimes {
  std::map<std::string, std::pair<double, long>> times;
  ~TmpTimes() {
    for (auto& [k, v] : times) std::fprintf(stderr, "TMP %-60.60s %8.3f s %9ld rows\n", k.c_str(), v.first, v.second);
  }
};
TmpTimes tmp_times;
}

namespace muster {

RowBuffer::RowBuffer(std::string insert, int columns, std::string suffix)
    : insert_(std::move(insert)), columns_(columns), suffix_(std::move(suffix)) {}

RowBuffer& RowBuffer::Row() {
  if (values_.capacity() == 0) values_.reserve(static_cast<size_t>(columns_) * 1024);
  return *this;
}

RowBuffer& RowBuffer::Add(int64_t value) {
  values_.emplace_back(value);
  return *this;
}

RowBuffer& RowBuffer::Add(std::string_view value) {
  values_.emplace_back(std::string(value));
  return *this;
}

RowBuffer& RowBuffer::Add(std::string&& value) {
  values_.emplace_back(std::move(value));
  return *this;
}

RowBuffer& RowBuffer::AddNull() {
  values_.emplace_back(std::monostate());
  return *this;
}

const std::string& RowBuffer::Sql(size_t rows) {
  size_t slot = static_cast<size_t>(std::countr_zero(rows));
  if (sql_.size() <= slot) sql_.resize(slot + 1);
  std::string& sql = sql_[slot];
  if (sql.empty()) {
    sql = insert_;
    sql += " VALUES ";
    int parameter = 1;
    for (size_t row = 0; row < rows; ++row) {
      sql += row == 0 ? "(" : ", (";
      for (int column = 0; column < columns_; ++column) {
        if (column > 0) sql += ", ";
        sql += '$';
        sql += std::to_string(parameter++);
      }
      sql += ')';
    }
    if (!suffix_.empty()) {
      sql += ' ';
      sql += suffix_;
    }
  }
  return sql;
}

Status RowBuffer::Flush(Connection& connection) {
  auto tmp_start = std::chrono::steady_clock::now();
  struct TmpGuard { std::string key; std::chrono::steady_clock::time_point start; long rows;
    ~TmpGuard() { auto& e = tmp_times.times[key]; e.first += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); e.second += rows; } } tmp_guard{insert_, tmp_start, (long)rows()};
  const size_t total = rows();
  size_t done = 0;
  Status status;
  while (done < total && status.ok()) {
    // The largest power of two that fits what is left, capped.
    size_t left = total - done;
    size_t rows = std::min(kMaxRowsPerStatement, std::bit_floor(left));
    auto statement = connection.Prepare(Sql(rows));
    if (!statement.ok()) {
      status = statement.status();
      break;
    }
    Statement& insert = **statement;
    int parameter = 1;
    const size_t first = done * static_cast<size_t>(columns_);
    const size_t last = first + rows * static_cast<size_t>(columns_);
    for (size_t i = first; i < last; ++i) {
      const Value& value = values_[i];
      if (const auto* number = std::get_if<int64_t>(&value)) {
        insert.BindInt(parameter, *number);
      } else if (const auto* text = std::get_if<std::string>(&value)) {
        insert.BindText(parameter, *text);
      } else {
        insert.BindNull(parameter);
      }
      ++parameter;
    }
    while (true) {
      auto has_row = insert.Step();
      if (!has_row.ok()) {
        status = has_row.status();
        break;
      }
      if (!*has_row) break;
    }
    insert.Reset();
    done += rows;
  }
  values_.clear();
  return status;
}

}  // namespace muster
