#include "store/bulk_insert.h"

#include <algorithm>
#include <bit>
#include <numeric>

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

void RowBuffer::SortBy(std::vector<int> columns) {
  const size_t count = rows();
  if (count < 2) return;
  const size_t width = static_cast<size_t>(columns_);
  std::vector<size_t> order(count);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    for (int column : columns) {
      const Value& left = values_[a * width + static_cast<size_t>(column)];
      const Value& right = values_[b * width + static_cast<size_t>(column)];
      if (left < right) return true;
      if (right < left) return false;
    }
    return false;
  });
  std::vector<Value> sorted;
  sorted.reserve(values_.size());
  for (size_t row : order) {
    for (size_t column = 0; column < width; ++column) {
      sorted.push_back(std::move(values_[row * width + column]));
    }
  }
  values_ = std::move(sorted);
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
        insert.BindTextKept(parameter, *text);  // values_ is cleared after the Reset below
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
