#include "registry/events.h"

namespace muster {
namespace {

Status Missing(std::string_view key, std::string_view type) {
  return DataLoss("event payload: field '" + std::string(key) + "' missing or not " +
                  std::string(type));
}

}  // namespace

Result<int64_t> JsonInt(const boost::json::object& object, std::string_view key) {
  const boost::json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_int64()) return Missing(key, "an integer");
  return value->get_int64();
}

Result<std::string> JsonString(const boost::json::object& object, std::string_view key) {
  const boost::json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) return Missing(key, "a string");
  return std::string(value->get_string());
}

Result<bool> JsonBool(const boost::json::object& object, std::string_view key) {
  const boost::json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_bool()) return Missing(key, "a boolean");
  return value->get_bool();
}

std::optional<int64_t> JsonOptionalInt(const boost::json::object& object, std::string_view key) {
  const boost::json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_int64()) return std::nullopt;
  return value->get_int64();
}

std::optional<std::string> JsonOptionalString(const boost::json::object& object,
                                              std::string_view key) {
  const boost::json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return std::string(value->get_string());
}

std::string ResultJson(std::string_view key, int64_t value) {
  boost::json::object object;
  object[key] = value;
  return boost::json::serialize(object);
}

Result<int64_t> ResultValue(const std::string& result, std::string_view key) {
  std::error_code error;
  boost::json::value value = boost::json::parse(result, error);
  if (error || !value.is_object()) return DataLoss("commands: stored result is not JSON");
  return JsonInt(value.get_object(), key);
}

}  // namespace muster
