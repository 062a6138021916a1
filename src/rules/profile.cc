#include "rules/profile.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <system_error>
#include <utility>

#include "domain/region.h"

namespace muster {
namespace {

// Upper bounds that only catch nonsense (a period of 10 years, a lifting deadline of a year);
// the law's own limits are the profile's business.
constexpr int kMaxDays = 3660;
constexpr int kMaxAge = 150;
constexpr int kMaxLiftHours = 24 * 366;

std::string_view TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::string Quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string JoinPath(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return std::string(parent) + "." + std::string(key);
}

std::string IndexPath(std::string_view parent, size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

// Lower-case snake_case: marks, excuse reasons, deferment and exemption bases.
bool IsSnakeName(std::string_view text) {
  if (text.empty() || text.front() < 'a' || text.front() > 'z') return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Profile ids, legal-basis ids and the part of a rule id after the slash: lower-case letters,
// digits, '-' and '_', starting with a letter or digit.
bool IsIdName(std::string_view text) {
  if (text.empty() || text.front() == '-' || text.front() == '_') return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

bool IsProfileId(std::string_view text) {
  return IsIdName(text) && text.find('_') == std::string_view::npos;
}

// Where errors point: "<source> line <n>: <path>: <message>".
class ErrorSink {
 public:
  explicit ErrorSink(std::string_view source) : source_(source) {}

  // An error about the value at `node`, or without a line when `node` is null.
  Status At(const toml::node* node, std::string_view path, std::string_view message) const {
    std::string text(source_);
    if (node != nullptr && node->source().begin.line > 0) {
      text += " line " + std::to_string(node->source().begin.line);
    }
    text += ": ";
    text += path;
    text += ": ";
    text += message;
    return InvalidArgument(std::move(text));
  }

 private:
  std::string_view source_;
};

// A string from an array or a table with the location for errors about its meaning.
struct StringItem {
  std::string value;
  const toml::node* node = nullptr;
  std::string path;
};

// Typed, path-aware access to one TOML table. Every accessor either returns a value of the
// expected type and range or an error naming the key's path and line.
class Fields {
 public:
  // `located` is false for the root table: a missing top-level key has no useful line.
  Fields(const ErrorSink& errors, const toml::table& table, std::string path, bool located)
      : errors_(&errors), table_(&table), path_(std::move(path)), located_(located) {}

  const toml::table& table() const { return *table_; }
  const std::string& path() const { return path_; }
  std::string PathOf(std::string_view key) const { return JoinPath(path_, key); }
  const toml::node* Find(std::string_view key) const { return table_->get(key); }

  // An error about `key`: at its value if present, else at this table.
  Status Error(std::string_view key, std::string_view message) const {
    const toml::node* node = Find(key);
    return errors_->At(node != nullptr ? node : TableNode(), PathOf(key), message);
  }

  Status ErrorAt(const toml::node* node, std::string_view path, std::string_view message) const {
    return errors_->At(node, path, message);
  }

  // Rejects keys not in `known`, so that a misspelt key is not silently ignored.
  Status AllowOnly(std::initializer_list<std::string_view> known) const {
    for (auto&& [key, node] : *table_) {
      if (std::find(known.begin(), known.end(), key.str()) != known.end()) continue;
      std::string expected;
      for (std::string_view name : known) {
        if (!expected.empty()) expected += ", ";
        expected += name;
      }
      return errors_->At(&node, PathOf(key.str()),
                         "unknown key (expected one of " + expected + ")");
    }
    return Status::Ok();
  }

  Result<const toml::node*> Required(std::string_view key) const {
    const toml::node* node = Find(key);
    if (node == nullptr) {
      return errors_->At(TableNode(), PathOf(key), "required key is missing");
    }
    return node;
  }

  Result<std::string> String(std::string_view key) const {
    ASSIGN_OR_RETURN(const toml::node* node, Required(key));
    return StringValue(*node, PathOf(key));
  }

  Result<std::string> OptionalString(std::string_view key) const {
    const toml::node* node = Find(key);
    if (node == nullptr) return std::string();
    return StringValue(*node, PathOf(key));
  }

  Result<int> Integer(std::string_view key, int min, int max) const {
    ASSIGN_OR_RETURN(const toml::node* node, Required(key));
    return IntegerValue(*node, PathOf(key), min, max);
  }

  Result<bool> Boolean(std::string_view key) const {
    ASSIGN_OR_RETURN(const toml::node* node, Required(key));
    const toml::value<bool>* value = node->as_boolean();
    if (value == nullptr) return TypeError(*node, PathOf(key), "a boolean (true or false)");
    return value->get();
  }

  Result<CivilDate> Date(std::string_view key) const {
    ASSIGN_OR_RETURN(const toml::node* node, Required(key));
    return DateValue(*node, PathOf(key));
  }

  Result<std::optional<CivilDate>> OptionalDate(std::string_view key) const {
    const toml::node* node = Find(key);
    if (node == nullptr) return std::optional<CivilDate>();
    ASSIGN_OR_RETURN(CivilDate date, DateValue(*node, PathOf(key)));
    return std::optional<CivilDate>(date);
  }

  Result<Fields> Table(std::string_view key) const {
    ASSIGN_OR_RETURN(const toml::node* node, Required(key));
    return TableValue(*node, PathOf(key));
  }

  Result<Fields> TableValue(const toml::node& node, std::string path) const {
    const toml::table* table = node.as_table();
    if (table == nullptr) return TypeError(node, path, "a table");
    return Fields(*errors_, *table, std::move(path), true);
  }

  // A required array whose elements are all tables ([[key]] sections).
  Result<std::vector<Fields>> TableArray(std::string_view key) const {
    ASSIGN_OR_RETURN(const toml::node* node, Required(key));
    const toml::array* array = node->as_array();
    if (array == nullptr) {
      return TypeError(*node, PathOf(key), "an array of tables ([[" + PathOf(key) + "]])");
    }
    std::vector<Fields> tables;
    for (size_t index = 0; index < array->size(); ++index) {
      ASSIGN_OR_RETURN(Fields element,
                       TableValue(*array->get(index), IndexPath(PathOf(key), index)));
      tables.push_back(std::move(element));
    }
    return tables;
  }

  // An array of non-empty, distinct strings. An absent optional key is an empty list.
  Result<std::vector<StringItem>> StringArray(std::string_view key, bool required) const {
    const toml::node* node = Find(key);
    if (node == nullptr) {
      if (required) return errors_->At(TableNode(), PathOf(key), "required key is missing");
      return std::vector<StringItem>();
    }
    const toml::array* array = node->as_array();
    if (array == nullptr) return TypeError(*node, PathOf(key), "an array of strings");
    std::vector<StringItem> items;
    for (size_t index = 0; index < array->size(); ++index) {
      const toml::node& element = *array->get(index);
      std::string path = IndexPath(PathOf(key), index);
      ASSIGN_OR_RETURN(std::string value, StringValue(element, path));
      for (const StringItem& earlier : items) {
        if (earlier.value == value) {
          return errors_->At(
              &element, path,
              "duplicate value " + Quoted(value) + " (also at " + earlier.path + ")");
        }
      }
      items.push_back(StringItem{std::move(value), &element, std::move(path)});
    }
    return items;
  }

  // A list of snake_case names ("illness", "posted").
  Result<std::vector<std::string>> NameArray(std::string_view key, bool allow_empty) const {
    ASSIGN_OR_RETURN(std::vector<StringItem> items, StringArray(key, true));
    if (items.empty() && !allow_empty) return Error(key, "must not be empty");
    std::vector<std::string> names;
    for (StringItem& item : items) {
      if (!IsSnakeName(item.value)) {
        return errors_->At(
            item.node, item.path,
            Quoted(item.value) + " is not a lower-case snake_case name ([a-z][a-z0-9_]*)");
      }
      names.push_back(std::move(item.value));
    }
    return names;
  }

  Result<std::string> StringValue(const toml::node& node, const std::string& path) const {
    const toml::value<std::string>* value = node.as_string();
    if (value == nullptr) return TypeError(node, path, "a string");
    if (value->get().empty()) return errors_->At(&node, path, "must not be empty");
    return value->get();
  }

  Result<int> IntegerValue(const toml::node& node, const std::string& path, int min,
                           int max) const {
    const toml::value<int64_t>* value = node.as_integer();
    if (value == nullptr) return TypeError(node, path, "an integer");
    const int64_t number = value->get();
    if (number < min) {
      return errors_->At(&node, path,
                         "must be >= " + std::to_string(min) + ", got " + std::to_string(number));
    }
    if (number > max) {
      return errors_->At(&node, path,
                         "must be <= " + std::to_string(max) + ", got " + std::to_string(number));
    }
    return static_cast<int>(number);
  }

  Result<CivilDate> DateValue(const toml::node& node, const std::string& path) const {
    const toml::value<toml::date>* value = node.as_date();
    if (value == nullptr) {
      if (node.is_string()) {
        return errors_->At(&node, path,
                           "expected a TOML date written without quotes (2024-09-01), got a "
                           "string");
      }
      return TypeError(node, path, "a date (2024-09-01)");
    }
    const toml::date& date = value->get();
    CivilDate civil{date::year(date.year), date::month(date.month), date::day(date.day)};
    if (!civil.ok()) return errors_->At(&node, path, "no such date");
    return civil;
  }

  Status TypeError(const toml::node& node, std::string_view path, std::string_view expected) const {
    return errors_->At(
        &node, path, "expected " + std::string(expected) + ", got " + std::string(TypeName(node)));
  }

 private:
  const toml::node* TableNode() const { return located_ ? table_ : nullptr; }

  const ErrorSink* errors_;
  const toml::table* table_;
  std::string path_;
  bool located_;
};

// Builds a Profile from a parsed document, section by section. Sections that refer to others
// (rule ids to the profile id, legal_basis to [legal_bases]) are read after what they refer to.
class ProfileBuilder {
 public:
  explicit ProfileBuilder(const ErrorSink& errors) : errors_(errors) {}

  Result<Profile> Build(const toml::table& root) {
    Fields top(errors_, root, "", false);
    RETURN_IF_ERROR(
        top.AllowOnly({"id", "version", "title", "country", "effective_from", "effective_until",
                       "rollout", "liability", "appearance", "channels", "measures", "lifting",
                       "objections", "excuses", "deferments", "exemptions", "legal_bases",
                       "registration", "summons", "notifications", "cascade"}));
    RETURN_IF_ERROR(ReadHeader(top));
    RETURN_IF_ERROR(ReadLegalBases(top));
    RETURN_IF_ERROR(ReadRollout(top));
    RETURN_IF_ERROR(ReadLiability(top));
    RETURN_IF_ERROR(ReadAppearance(top));
    RETURN_IF_ERROR(ReadChannels(top));
    RETURN_IF_ERROR(ReadMeasures(top));
    RETURN_IF_ERROR(ReadPolicies(top));
    RETURN_IF_ERROR(ReadRegistration(top));
    RETURN_IF_ERROR(ReadSummons(top));
    RETURN_IF_ERROR(ReadNotifications(top));
    RETURN_IF_ERROR(ReadCascade(top));
    return std::move(profile_);
  }

 private:
  Status ReadHeader(const Fields& top) {
    ASSIGN_OR_RETURN(profile_.id, top.String("id"));
    if (!IsProfileId(profile_.id)) {
      return top.Error(
          "id", Quoted(profile_.id) + " is not a profile id (lower-case letters, digits and '-')");
    }
    ASSIGN_OR_RETURN(profile_.version, top.String("version"));
    ASSIGN_OR_RETURN(profile_.title, top.String("title"));
    ASSIGN_OR_RETURN(profile_.country, top.String("country"));
    if (profile_.country.size() != 2 ||
        !std::all_of(profile_.country.begin(), profile_.country.end(),
                     [](char c) { return c >= 'A' && c <= 'Z'; })) {
      return top.Error("country", Quoted(profile_.country) +
                                      " is not an ISO 3166-1 alpha-2 code (two capital letters)");
    }
    ASSIGN_OR_RETURN(profile_.effective_from, top.Date("effective_from"));
    ASSIGN_OR_RETURN(profile_.effective_until, top.OptionalDate("effective_until"));
    if (profile_.effective_until && *profile_.effective_until < profile_.effective_from) {
      return top.Error("effective_until", FormatDate(*profile_.effective_until) +
                                              " is before effective_from " +
                                              FormatDate(profile_.effective_from));
    }
    return Status::Ok();
  }

  Status ReadLegalBases(const Fields& top) {
    ASSIGN_OR_RETURN(Fields bases, top.Table("legal_bases"));
    if (bases.table().empty()) return top.Error("legal_bases", "must not be empty");
    for (auto&& [key, node] : bases.table()) {
      const std::string path = bases.PathOf(key.str());
      if (!IsIdName(key.str())) {
        return bases.ErrorAt(&node, path,
                             "legal basis ids are lower-case letters, digits, '-' and '_'");
      }
      ASSIGN_OR_RETURN(std::string citation, bases.StringValue(node, path));
      profile_.legal_bases.emplace(std::string(key.str()), std::move(citation));
    }
    return Status::Ok();
  }

  // rule_id and legal_basis of `fields`, checked against the profile id and [legal_bases].
  Result<RuleRef> ReadRuleRef(const Fields& fields) const {
    RuleRef rule;
    ASSIGN_OR_RETURN(rule.rule_id, fields.String("rule_id"));
    const std::string prefix = profile_.id + "/";
    if (rule.rule_id.size() <= prefix.size() ||
        rule.rule_id.compare(0, prefix.size(), prefix) != 0 ||
        !IsIdName(std::string_view(rule.rule_id).substr(prefix.size()))) {
      return fields.Error("rule_id", Quoted(rule.rule_id) + " must have the form '" + prefix +
                                         "<name>' (the profile id, a slash, lower-case name)");
    }
    ASSIGN_OR_RETURN(rule.legal_basis, fields.String("legal_basis"));
    if (profile_.legal_bases.count(rule.legal_basis) == 0) {
      return fields.Error("legal_basis", "unknown legal basis " + Quoted(rule.legal_basis) +
                                             " (not a key of [legal_bases])");
    }
    return rule;
  }

  Status ReadRollout(const Fields& top) {
    ASSIGN_OR_RETURN(std::vector<Fields> stages, top.TableArray("rollout"));
    if (stages.empty()) return top.Error("rollout", "needs at least one stage");
    for (size_t index = 0; index < stages.size(); ++index) {
      const Fields& fields = stages[index];
      RETURN_IF_ERROR(fields.AllowOnly({"from", "regions", "note"}));
      RolloutStage stage;
      ASSIGN_OR_RETURN(stage.from, fields.Date("from"));
      if (stage.from < profile_.effective_from) {
        return fields.Error("from", FormatDate(stage.from) + " is before effective_from " +
                                        FormatDate(profile_.effective_from));
      }
      if (profile_.effective_until && stage.from > *profile_.effective_until) {
        return fields.Error("from", FormatDate(stage.from) + " is after effective_until " +
                                        FormatDate(*profile_.effective_until));
      }
      if (index > 0 && stage.from < profile_.rollout.back().from) {
        return fields.Error("from", FormatDate(stage.from) + " is before the previous stage's " +
                                        FormatDate(profile_.rollout.back().from) +
                                        " (list stages in date order)");
      }
      ASSIGN_OR_RETURN(std::vector<StringItem> regions, fields.StringArray("regions", false));
      for (StringItem& region : regions) {
        Result<const Region*> known = LookupRegion(region.value, region.path);
        if (!known.ok()) {
          return fields.ErrorAt(region.node, region.path,
                                "unknown region code " + Quoted(region.value));
        }
        stage.regions.push_back(std::move(region.value));
      }
      ASSIGN_OR_RETURN(stage.note, fields.OptionalString("note"));
      profile_.rollout.push_back(std::move(stage));
    }
    return Status::Ok();
  }

  Status ReadLiability(const Fields& top) {
    ASSIGN_OR_RETURN(Fields fields, top.Table("liability"));
    RETURN_IF_ERROR(fields.AllowOnly(
        {"min_age", "max_age", "max_age_inclusive", "sexes", "rule_id", "legal_basis"}));
    ASSIGN_OR_RETURN(profile_.min_age, fields.Integer("min_age", 0, kMaxAge));
    ASSIGN_OR_RETURN(profile_.max_age, fields.Integer("max_age", 0, kMaxAge));
    ASSIGN_OR_RETURN(profile_.max_age_inclusive, fields.Boolean("max_age_inclusive"));
    if (profile_.min_age > profile_.max_age) {
      return fields.Error("min_age", std::to_string(profile_.min_age) +
                                         " is greater than liability.max_age " +
                                         std::to_string(profile_.max_age));
    }
    if (profile_.min_age == profile_.max_age && !profile_.max_age_inclusive) {
      return fields.Error("max_age",
                          "equals liability.min_age while max_age_inclusive = false: "
                          "nobody would be liable");
    }
    ASSIGN_OR_RETURN(std::vector<StringItem> sexes, fields.StringArray("sexes", true));
    if (sexes.empty()) return fields.Error("sexes", "must not be empty");
    for (const StringItem& item : sexes) {
      Result<Sex> parsed = ParseSex(item.value, item.path);
      if (!parsed.ok()) {
        return fields.ErrorAt(item.node, item.path,
                              "unknown sex " + Quoted(item.value) + " (expected M or F)");
      }
      const Sex sex = *parsed;
      if (std::find(profile_.liable_sexes.begin(), profile_.liable_sexes.end(), sex) !=
          profile_.liable_sexes.end()) {
        return fields.ErrorAt(item.node, item.path, "duplicate sex " + std::string(SexName(sex)));
      }
      profile_.liable_sexes.push_back(sex);
    }
    ASSIGN_OR_RETURN(profile_.liability_rule, ReadRuleRef(fields));
    return Status::Ok();
  }

  Status ReadAppearance(const Fields& top) {
    ASSIGN_OR_RETURN(Fields fields, top.Table("appearance"));
    RETURN_IF_ERROR(fields.AllowOnly(
        {"min_days", "default_days", "max_days", "default_hour", "rule_id", "legal_basis"}));
    ASSIGN_OR_RETURN(profile_.appearance_min_days, fields.Integer("min_days", 0, kMaxDays));
    ASSIGN_OR_RETURN(profile_.appearance_default_days, fields.Integer("default_days", 0, kMaxDays));
    ASSIGN_OR_RETURN(profile_.appearance_max_days, fields.Integer("max_days", 0, kMaxDays));
    ASSIGN_OR_RETURN(profile_.appearance_default_hour, fields.Integer("default_hour", 0, 23));
    if (profile_.appearance_min_days > profile_.appearance_default_days) {
      return fields.Error("min_days", std::to_string(profile_.appearance_min_days) +
                                          " is greater than appearance.default_days " +
                                          std::to_string(profile_.appearance_default_days));
    }
    if (profile_.appearance_default_days > profile_.appearance_max_days) {
      return fields.Error("default_days", std::to_string(profile_.appearance_default_days) +
                                              " is greater than appearance.max_days " +
                                              std::to_string(profile_.appearance_max_days));
    }
    ASSIGN_OR_RETURN(profile_.appearance_rule, ReadRuleRef(fields));
    return Status::Ok();
  }

  Status ReadChannels(const Fields& top) {
    ASSIGN_OR_RETURN(Fields channels, top.Table("channels"));
    if (channels.table().empty()) return top.Error("channels", "needs at least one channel");
    // A channel named twice is a TOML error already ("cannot redefine existing table"), so each
    // key here is a distinct channel.
    for (auto&& [key, node] : channels.table()) {
      const std::string path = channels.PathOf(key.str());
      Result<Channel> channel = ParseChannel(key.str(), path);
      if (!channel.ok()) {
        return channels.ErrorAt(&node, path,
                                "unknown channel " + Quoted(key.str()) + ExpectedChannels());
      }
      ASSIGN_OR_RETURN(Fields fields, channels.TableValue(node, path));
      ASSIGN_OR_RETURN(ChannelRules rules, ReadChannel(*channel, fields));
      profile_.channels.push_back(std::move(rules));
    }
    std::sort(profile_.channels.begin(), profile_.channels.end(),
              [](const ChannelRules& a, const ChannelRules& b) { return a.channel < b.channel; });
    return Status::Ok();
  }

  static std::string ExpectedChannels() {
    std::string text = " (expected one of ";
    for (size_t i = 0; i < kAllChannels.size(); ++i) {
      if (i > 0) text += ", ";
      text += ChannelName(kAllChannels[i]);
    }
    return text + ")";
  }

  static std::string ExpectedMeasures() {
    std::string text = " (expected one of ";
    for (size_t i = 0; i < kAllMeasureKinds.size(); ++i) {
      if (i > 0) text += ", ";
      text += MeasureKindName(kAllMeasureKinds[i]);
    }
    return text + ")";
  }

  Result<ChannelRules> ReadChannel(Channel channel, const Fields& fields) const {
    RETURN_IF_ERROR(fields.AllowOnly({"marks", "service"}));
    ChannelRules rules;
    rules.channel = channel;
    ASSIGN_OR_RETURN(rules.marks, fields.NameArray("marks", false));
    ASSIGN_OR_RETURN(std::vector<Fields> service, fields.TableArray("service"));
    if (service.empty()) {
      return fields.Error("service",
                          "needs at least one rule (a channel that never serves a "
                          "summons is useless)");
    }
    for (const Fields& entry : service) {
      RETURN_IF_ERROR(entry.AllowOnly({"mark", "timing", "days", "rule_id", "legal_basis"}));
      ServiceRule rule;
      ASSIGN_OR_RETURN(rule.mark, entry.String("mark"));
      if (!rules.HasMark(rule.mark)) {
        std::string marks;
        for (const std::string& mark : rules.marks) marks += (marks.empty() ? "" : ", ") + mark;
        return entry.Error("mark", Quoted(rule.mark) + " is not one of " + fields.PathOf("marks") +
                                       " (" + marks + ")");
      }
      if (rules.FindServiceRule(rule.mark) != nullptr) {
        return entry.Error("mark", "a second service rule for mark " + Quoted(rule.mark));
      }
      ASSIGN_OR_RETURN(std::string timing, entry.String("timing"));
      if (timing == ServiceTimingName(ServiceTiming::kImmediately)) {
        rule.timing = ServiceTiming::kImmediately;
      } else if (timing == ServiceTimingName(ServiceTiming::kAfterCalendarDays)) {
        rule.timing = ServiceTiming::kAfterCalendarDays;
      } else if (timing == ServiceTimingName(ServiceTiming::kAfterWorkingDays)) {
        rule.timing = ServiceTiming::kAfterWorkingDays;
      } else {
        return entry.Error("timing", "unknown timing " + Quoted(timing) +
                                         " (expected immediately, after_calendar_days or "
                                         "after_working_days)");
      }
      if (rule.timing == ServiceTiming::kImmediately) {
        if (entry.Find("days") != nullptr) {
          return entry.Error("days",
                             "only allowed with timing after_calendar_days or "
                             "after_working_days");
        }
      } else {
        ASSIGN_OR_RETURN(rule.days, entry.Integer("days", 0, kMaxDays));
      }
      ASSIGN_OR_RETURN(RuleRef ref, ReadRuleRef(entry));
      rule.rule_id = std::move(ref.rule_id);
      rule.legal_basis = std::move(ref.legal_basis);
      rules.service.push_back(std::move(rule));
    }
    return rules;
  }

  Status ReadMeasures(const Fields& top) {
    ASSIGN_OR_RETURN(Fields measures, top.Table("measures"));
    if (measures.table().empty()) return top.Error("measures", "needs at least one measure");
    for (auto&& [key, node] : measures.table()) {
      const std::string path = measures.PathOf(key.str());
      Result<MeasureKind> kind = ParseMeasureKind(key.str(), path);
      if (!kind.ok()) {
        return measures.ErrorAt(&node, path,
                                "unknown measure " + Quoted(key.str()) + ExpectedMeasures());
      }
      ASSIGN_OR_RETURN(Fields fields, measures.TableValue(node, path));
      RETURN_IF_ERROR(
          fields.AllowOnly({"trigger", "days_after_appearance", "rule_id", "legal_basis"}));
      MeasureRule rule;
      rule.kind = *kind;
      ASSIGN_OR_RETURN(std::string trigger, fields.String("trigger"));
      if (trigger == MeasureTriggerName(MeasureTrigger::kOnService)) {
        rule.trigger = MeasureTrigger::kOnService;
        if (fields.Find("days_after_appearance") != nullptr) {
          return fields.Error("days_after_appearance", "only allowed with trigger after_no_show");
        }
      } else if (trigger == MeasureTriggerName(MeasureTrigger::kAfterNoShow)) {
        rule.trigger = MeasureTrigger::kAfterNoShow;
        ASSIGN_OR_RETURN(rule.days_after_appearance,
                         fields.Integer("days_after_appearance", 0, kMaxDays));
      } else {
        return fields.Error("trigger", "unknown trigger " + Quoted(trigger) +
                                           " (expected on_service or after_no_show)");
      }
      ASSIGN_OR_RETURN(RuleRef ref, ReadRuleRef(fields));
      rule.rule_id = std::move(ref.rule_id);
      rule.legal_basis = std::move(ref.legal_basis);
      profile_.measures.push_back(std::move(rule));
    }
    std::sort(profile_.measures.begin(), profile_.measures.end(),
              [](const MeasureRule& a, const MeasureRule& b) { return a.kind < b.kind; });
    return Status::Ok();
  }

  Status ReadPolicies(const Fields& top) {
    {
      ASSIGN_OR_RETURN(Fields fields, top.Table("lifting"));
      RETURN_IF_ERROR(fields.AllowOnly({"deadline_hours", "rule_id", "legal_basis"}));
      ASSIGN_OR_RETURN(profile_.lift_deadline_hours,
                       fields.Integer("deadline_hours", 0, kMaxLiftHours));
      ASSIGN_OR_RETURN(profile_.lifting_rule, ReadRuleRef(fields));
    }
    {
      ASSIGN_OR_RETURN(Fields fields, top.Table("objections"));
      RETURN_IF_ERROR(fields.AllowOnly({"suspend_measures", "rule_id", "legal_basis"}));
      ASSIGN_OR_RETURN(profile_.objection_suspends_measures, fields.Boolean("suspend_measures"));
      ASSIGN_OR_RETURN(profile_.objection_rule, ReadRuleRef(fields));
    }
    RETURN_IF_ERROR(
        ReadNameList(top, "excuses", "reasons", profile_.excuse_reasons, profile_.excuse_rule));
    RETURN_IF_ERROR(ReadNameList(top, "deferments", "bases", profile_.deferment_bases,
                                 profile_.deferment_rule));
    RETURN_IF_ERROR(ReadNameList(top, "exemptions", "bases", profile_.exemption_bases,
                                 profile_.exemption_rule));
    return Status::Ok();
  }

  // [summons] is optional (profiles written before it existed still load): without it a
  // summons cites the appearance rule's basis.
  Status ReadSummons(const Fields& top) {
    if (top.Find("summons") == nullptr) {
      profile_.summons_rule = profile_.appearance_rule;
      return Status::Ok();
    }
    ASSIGN_OR_RETURN(Fields fields, top.Table("summons"));
    RETURN_IF_ERROR(fields.AllowOnly({"rule_id", "legal_basis"}));
    ASSIGN_OR_RETURN(profile_.summons_rule, ReadRuleRef(fields));
    return Status::Ok();
  }

  // [notifications] is optional: without it no notification channel exists.
  Status ReadNotifications(const Fields& top) {
    if (top.Find("notifications") == nullptr) return Status::Ok();
    ASSIGN_OR_RETURN(Fields fields, top.Table("notifications"));
    RETURN_IF_ERROR(fields.AllowOnly({"channels", "rule_id", "legal_basis"}));
    ASSIGN_OR_RETURN(std::vector<StringItem> channels, fields.StringArray("channels", true));
    if (channels.empty()) return fields.Error("channels", "must not be empty");
    for (const StringItem& item : channels) {
      auto channel = ParseNotificationChannel(item.value, item.path);
      if (!channel.ok()) return fields.ErrorAt(item.node, item.path, channel.status().message());
      profile_.notification_channels.push_back(*channel);
    }
    ASSIGN_OR_RETURN(profile_.notification_rule, ReadRuleRef(fields));
    return Status::Ok();
  }

  // Service channels of a cascade list: channels of this profile that the registry can
  // dispatch (in_person cannot: an officer hands the summons over when he meets the person).
  Result<std::vector<Channel>> CascadeChannels(const Fields& fields, std::string_view key,
                                               bool required) const {
    ASSIGN_OR_RETURN(std::vector<StringItem> items, fields.StringArray(key, required));
    if (required && items.empty()) return fields.Error(key, "must not be empty");
    std::vector<Channel> channels;
    for (const StringItem& item : items) {
      ASSIGN_OR_RETURN(Channel channel, DispatchableChannel(fields, item.node, item.path, item.value));
      channels.push_back(channel);
    }
    return channels;
  }

  Result<Channel> DispatchableChannel(const Fields& fields, const toml::node* node,
                                      const std::string& path, const std::string& name) const {
    auto channel = ParseChannel(name, path);
    if (!channel.ok()) return fields.ErrorAt(node, path, channel.status().message());
    const ChannelRules* rules = profile_.FindChannel(*channel);
    if (rules == nullptr) {
      return fields.ErrorAt(node, path, "channel " + Quoted(name) + " has no [channels." + name +
                                            "] section in this profile");
    }
    auto dispatch = DispatchMark(*channel);
    if (!dispatch) {
      return fields.ErrorAt(node, path, "channel " + Quoted(name) +
                                            " cannot be dispatched by the registry (an officer "
                                            "records its marks when they happen)");
    }
    if (!rules->HasMark(*dispatch)) {
      return fields.ErrorAt(node, path, "channel " + Quoted(name) + " needs the mark " +
                                            Quoted(std::string(*dispatch)) +
                                            " in its marks to be dispatched");
    }
    return *channel;
  }

  // [cascade] is optional: without it the registry dispatches what it always did (see
  // Profile::cascade) and nothing follows.
  Status ReadCascade(const Fields& top) {
    DeliveryCascade& cascade = profile_.cascade;
    if (top.Find("cascade") == nullptr) {
      for (Channel channel : {Channel::kPortal, Channel::kRegister}) {
        if (profile_.FindChannel(channel)) cascade.at_issue.push_back(channel);
      }
      if (profile_.FindChannel(Channel::kRegisteredMail)) {
        cascade.otherwise.push_back(Channel::kRegisteredMail);
      }
      return Status::Ok();
    }
    ASSIGN_OR_RETURN(Fields fields, top.Table("cascade"));
    RETURN_IF_ERROR(fields.AllowOnly({"at_issue", "otherwise", "notify", "fallback",
                                      "fallback_after_days", "fallback_on", "rule_id",
                                      "legal_basis"}));
    ASSIGN_OR_RETURN(cascade.at_issue, CascadeChannels(fields, "at_issue", true));
    ASSIGN_OR_RETURN(cascade.otherwise, CascadeChannels(fields, "otherwise", false));
    ASSIGN_OR_RETURN(std::vector<StringItem> notify, fields.StringArray("notify", false));
    for (const StringItem& item : notify) {
      auto channel = ParseNotificationChannel(item.value, item.path);
      if (!channel.ok()) return fields.ErrorAt(item.node, item.path, channel.status().message());
      if (!profile_.HasNotificationChannel(*channel)) {
        return fields.ErrorAt(item.node, item.path,
                              Quoted(item.value) + " is not a channel of [notifications]");
      }
      cascade.notify.push_back(*channel);
    }
    if (const toml::node* node = fields.Find("fallback")) {
      ASSIGN_OR_RETURN(std::string name, fields.String("fallback"));
      ASSIGN_OR_RETURN(Channel channel,
                       DispatchableChannel(fields, node, fields.PathOf("fallback"), name));
      cascade.fallback = channel;
      ASSIGN_OR_RETURN(cascade.fallback_after_days,
                       fields.Integer("fallback_after_days", 0, kMaxDays));
      if (fields.Find("fallback_on") != nullptr) {
        ASSIGN_OR_RETURN(Fields triggers, fields.Table("fallback_on"));
        for (auto&& [key, value] : triggers.table()) {
          const std::string path = triggers.PathOf(key.str());
          auto trigger_channel = ParseChannel(key.str(), path);
          if (!trigger_channel.ok()) {
            return triggers.ErrorAt(&value, path, trigger_channel.status().message());
          }
          const ChannelRules* rules = profile_.FindChannel(*trigger_channel);
          if (rules == nullptr) {
            return triggers.ErrorAt(&value, path, "not a channel of this profile");
          }
          ASSIGN_OR_RETURN(std::vector<std::string> marks, triggers.NameArray(key.str(), false));
          for (std::string& mark : marks) {
            if (!rules->HasMark(mark)) {
              return triggers.ErrorAt(&value, path, Quoted(mark) + " is not a mark of channel " +
                                                        std::string(key.str()));
            }
            cascade.fallback_on.push_back({*trigger_channel, std::move(mark)});
          }
        }
      }
    } else {
      for (std::string_view key : {"fallback_after_days", "fallback_on"}) {
        if (fields.Find(key) != nullptr) return fields.Error(key, "only allowed with a fallback");
      }
    }
    ASSIGN_OR_RETURN(cascade.rule, ReadRuleRef(fields));
    return Status::Ok();
  }

  // [registration] is optional: a profile without it registers nobody automatically.
  Status ReadRegistration(const Fields& top) {
    if (top.Find("registration") == nullptr) return Status::Ok();
    ASSIGN_OR_RETURN(Fields fields, top.Table("registration"));
    RETURN_IF_ERROR(fields.AllowOnly({"automatic", "from_age", "from_year_start", "until_age",
                                      "rule_id", "legal_basis"}));
    ASSIGN_OR_RETURN(profile_.registration_automatic, fields.Boolean("automatic"));
    ASSIGN_OR_RETURN(profile_.registration_from_age, fields.Integer("from_age", 0, kMaxAge));
    ASSIGN_OR_RETURN(profile_.registration_from_year_start, fields.Boolean("from_year_start"));
    ASSIGN_OR_RETURN(profile_.registration_until_age, fields.Integer("until_age", 1, kMaxAge));
    if (profile_.registration_until_age <= profile_.registration_from_age) {
      return fields.Error("until_age", std::to_string(profile_.registration_until_age) +
                                           " is not greater than registration.from_age " +
                                           std::to_string(profile_.registration_from_age));
    }
    ASSIGN_OR_RETURN(profile_.registration_rule, ReadRuleRef(fields));
    return Status::Ok();
  }

  Status ReadNameList(const Fields& top, std::string_view section, std::string_view list_key,
                      std::vector<std::string>& names, RuleRef& rule) const {
    ASSIGN_OR_RETURN(Fields fields, top.Table(section));
    RETURN_IF_ERROR(fields.AllowOnly({list_key, "rule_id", "legal_basis"}));
    ASSIGN_OR_RETURN(names, fields.NameArray(list_key, true));
    ASSIGN_OR_RETURN(rule, ReadRuleRef(fields));
    return Status::Ok();
  }

  const ErrorSink& errors_;
  Profile profile_;
};

}  // namespace

std::string_view ServiceTimingName(ServiceTiming timing) {
  switch (timing) {
    case ServiceTiming::kImmediately:
      return "immediately";
    case ServiceTiming::kAfterCalendarDays:
      return "after_calendar_days";
    case ServiceTiming::kAfterWorkingDays:
      return "after_working_days";
  }
  return "?";
}

std::string_view MeasureTriggerName(MeasureTrigger trigger) {
  switch (trigger) {
    case MeasureTrigger::kOnService:
      return "on_service";
    case MeasureTrigger::kAfterNoShow:
      return "after_no_show";
  }
  return "?";
}

const ServiceRule* ChannelRules::FindServiceRule(std::string_view mark) const {
  for (const ServiceRule& rule : service) {
    if (rule.mark == mark) return &rule;
  }
  return nullptr;
}

bool ChannelRules::HasMark(std::string_view mark) const {
  return std::find(marks.begin(), marks.end(), mark) != marks.end();
}

bool Profile::IsActiveIn(std::string_view region, CivilDate on) const {
  if (on < effective_from) return false;
  if (effective_until && on > *effective_until) return false;
  for (const RolloutStage& stage : rollout) {
    if (stage.from > on) continue;
    if (stage.regions.empty()) return true;
    if (std::find(stage.regions.begin(), stage.regions.end(), region) != stage.regions.end()) {
      return true;
    }
  }
  return false;
}

const ChannelRules* Profile::FindChannel(Channel channel) const {
  for (const ChannelRules& rules : channels) {
    if (rules.channel == channel) return &rules;
  }
  return nullptr;
}

bool Profile::HasNotificationChannel(NotificationChannel channel) const {
  return std::find(notification_channels.begin(), notification_channels.end(), channel) !=
         notification_channels.end();
}

bool DeliveryCascade::TriggersFallback(Channel channel, std::string_view mark) const {
  for (const FallbackTrigger& trigger : fallback_on) {
    if (trigger.channel == channel && trigger.mark == mark) return true;
  }
  return false;
}

const MeasureRule* Profile::FindMeasure(MeasureKind kind) const {
  for (const MeasureRule& rule : measures) {
    if (rule.kind == kind) return &rule;
  }
  return nullptr;
}

bool Profile::IsLiable(Sex sex, int age) const {
  if (std::find(liable_sexes.begin(), liable_sexes.end(), sex) == liable_sexes.end()) {
    return false;
  }
  if (age < min_age) return false;
  return max_age_inclusive ? age <= max_age : age < max_age;
}

bool Profile::HasExcuseReason(std::string_view reason) const {
  return std::find(excuse_reasons.begin(), excuse_reasons.end(), reason) != excuse_reasons.end();
}

bool Profile::HasDefermentBasis(std::string_view basis) const {
  return std::find(deferment_bases.begin(), deferment_bases.end(), basis) != deferment_bases.end();
}

bool Profile::HasExemptionBasis(std::string_view basis) const {
  return std::find(exemption_bases.begin(), exemption_bases.end(), basis) != exemption_bases.end();
}

namespace {

// The `years`-th birthday of a person born on `birth`; a 29 February birthday falls on 1 March
// in common years, as AgeOn counts it.
CivilDate Birthday(CivilDate birth, int years) {
  CivilDate day = birth + date::years(years);
  if (!day.ok()) day = CivilDate(day.year(), date::March, date::day(1));
  return day;
}

}  // namespace

CivilDate Profile::RegistrationStart(CivilDate birth) const {
  CivilDate birthday = Birthday(birth, registration_from_age);
  if (!registration_from_year_start) return birthday;
  return CivilDate(birthday.year(), date::January, date::day(1));
}

CivilDate Profile::RegistrationEnd(CivilDate birth) const {
  return Birthday(birth, registration_until_age);
}

bool Profile::BelongsOnRegister(CivilDate birth, CivilDate on) const {
  return registration_automatic && RegistrationStart(birth) <= on && on < RegistrationEnd(birth);
}

Result<Profile> ParseProfile(std::string_view toml_text, std::string_view source_name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& error) {
    const toml::source_position& begin = error.source().begin;
    return InvalidArgument(std::string(source_name) + " line " + std::to_string(begin.line) +
                           ", column " + std::to_string(begin.column) + ": " +
                           std::string(error.description()));
  }
  ErrorSink errors(source_name);
  return ProfileBuilder(errors).Build(root);
}

Result<Profile> LoadProfileFile(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    return NotFound("profile file '" + path.string() + "' does not exist");
  }
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  if (!file.good() && !file.eof()) {
    return NotFound("profile file '" + path.string() + "' cannot be read");
  }
  return ParseProfile(text.str(), path.string());
}

Result<Profile> LoadProfile(std::string_view id_or_path, const std::filesystem::path& dir) {
  if (id_or_path.empty()) return InvalidArgument("profile: empty profile id or path");
  std::error_code error;
  if (IsProfileId(id_or_path)) {
    const std::filesystem::path candidate = dir / (std::string(id_or_path) + ".toml");
    if (std::filesystem::is_regular_file(candidate, error)) {
      ASSIGN_OR_RETURN(Profile profile, LoadProfileFile(candidate));
      if (profile.id != id_or_path) {
        return InvalidArgument(candidate.string() + ": id: declares profile '" + profile.id +
                               "', expected '" + std::string(id_or_path) + "'");
      }
      return profile;
    }
    if (!std::filesystem::is_regular_file(std::filesystem::path(id_or_path), error)) {
      return NotFound("profile '" + std::string(id_or_path) + "': no file " + candidate.string());
    }
  }
  return LoadProfileFile(std::filesystem::path(id_or_path));
}

}  // namespace muster
