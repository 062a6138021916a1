// Golden scenarios: the law told as plain-text stories (tests/scenarios/*.scn), each run through
// a real registry on a simulated clock and a throwaway store, one GoogleTest case per file.
//
// The format is documented in docs/SCENARIOS.md. `profile` and `start` set the stage, `given`
// lines state facts that must hold, `when` lines are commands an officer, a citizen or a post
// office gives (they may be refused, and a refusal must be expected), `advance` moves the clock
// and runs whatever falls due on the way, and `expect` lines check the outcome.
//
// Why the runner works the way it does:
// - A scenario is parsed completely before it runs, so a typo on line 40 is reported as
//   file:line before line 1 acts, and names must be declared before they are used.
// - A failing expectation prints its line, what it expected and the actual value, and the run
//   goes on (like EXPECT_*), so one run shows every difference; a scenario error (a `given`
//   that fails, an unexpected refusal, a name whose `when` was refused) stops the run.
// - After every step the runner checks the invariants of DESIGN.md §2 that hold under every
//   profile: no measure in force without a served, open summons; none in force while an active
//   deferment or exemption is on record; none while an objection is pending under a profile
//   that suspends measures; never two in force of one kind. At the end the ledger's hash chain
//   must verify. A scenario therefore checks more than its own `expect` lines.
// - A `known-bug "..."` line marks a scenario that documents an open defect: it still runs, is
//   reported as skipped with its failures while it fails, and fails once it passes, so the
//   marker is removed together with the fix.
//
// Files are discovered at run time from $MUSTER_SOURCE_DIR/tests/scenarios (falling back to the
// working directory's), so adding a .scn file adds a test without touching CMake.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "documents/signed_summons.h"
#include "domain/region.h"
#include "ledger/ledger.h"
#include "registry/queries.h"
#include "registry/registry.h"
#include "rules/calendar.h"
#include "rules/profile.h"
#include "store/engines/open.h"
#include "testing/registry_fixture.h"

namespace muster {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// ---------------------------------------------------------------------------------------------
// Words and lines

struct Word {
  std::string text;
  bool quoted = false;  // "quoted text" is never read as a keyword
};

struct Line {
  int number = 0;
  std::string text;  // as written, without the comment and surrounding blanks
  std::vector<Word> words;
};

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Splits a line into words: blanks separate words, "double quotes" group them (a backslash
// escapes " and itself), and '#' at the start of a word begins a comment. `content_end`, if given,
// receives where the comment (or the line) begins.
Result<std::vector<Word>> Tokenize(std::string_view text, size_t* content_end = nullptr) {
  std::vector<Word> words;
  size_t i = 0;
  if (content_end) *content_end = text.size();
  while (i < text.size()) {
    if (IsBlank(text[i])) {
      ++i;
      continue;
    }
    if (text[i] == '#') {
      if (content_end) *content_end = i;
      break;
    }
    Word word;
    if (text[i] == '"') {
      word.quoted = true;
      ++i;
      bool closed = false;
      while (i < text.size()) {
        char c = text[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && i < text.size() && (text[i] == '"' || text[i] == '\\')) c = text[i++];
        word.text += c;
      }
      if (!closed) return InvalidArgument("unterminated quoted text");
      if (i < text.size() && !IsBlank(text[i])) {
        return InvalidArgument("a blank must follow the closing quote of \"" + word.text + "\"");
      }
    } else {
      while (i < text.size() && !IsBlank(text[i])) {
        if (text[i] == '"') {
          return InvalidArgument("a quote inside the word '" + word.text +
                                 "' (put a blank before it)");
        }
        word.text += text[i++];
      }
    }
    words.push_back(std::move(word));
  }
  return words;
}

std::string Trim(std::string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && IsBlank(text[begin])) ++begin;
  while (end > begin && IsBlank(text[end - 1])) --end;
  return std::string(text.substr(begin, end - begin));
}

// Reads one line's words left to right; every error says what was expected and what was found.
class Cursor {
 public:
  explicit Cursor(const Line& line) : line_(line) {}

  bool AtEnd() const { return next_ >= line_.words.size(); }

  // Consumes the next word if it is the unquoted `keyword`.
  bool Take(std::string_view keyword) {
    if (AtEnd() || line_.words[next_].quoted || line_.words[next_].text != keyword) return false;
    ++next_;
    return true;
  }
  bool PeekIs(std::string_view keyword) const {
    return !AtEnd() && !line_.words[next_].quoted && line_.words[next_].text == keyword;
  }

  Status Require(std::string_view keyword) {
    if (Take(keyword)) return Status::Ok();
    return InvalidArgument("expected '" + std::string(keyword) + "'" + Found());
  }

  // An unquoted name: letters, digits and _ - . / (a trailing ':' is dropped, so
  // "expect measures ivan: exit" reads naturally).
  Result<std::string> Name(std::string_view what) {
    if (AtEnd() || line_.words[next_].quoted) {
      return InvalidArgument("expected " + std::string(what) + Found());
    }
    std::string name = line_.words[next_++].text;
    if (name.size() > 1 && name.back() == ':') name.pop_back();
    for (char c : name) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '-' || c == '.' || c == '/';
      if (!ok) return InvalidArgument(std::string(what) + ": '" + name + "' is not a plain name");
    }
    return name;
  }

  // Any word, quoted or not.
  Result<std::string> Value(std::string_view what) {
    if (AtEnd()) return InvalidArgument("expected " + std::string(what) + Found());
    return line_.words[next_++].text;
  }
  // Quoted text (free text such as a reason must be quoted, so it cannot swallow keywords).
  Result<std::string> Text(std::string_view what) {
    if (AtEnd() || !line_.words[next_].quoted) {
      return InvalidArgument("expected " + std::string(what) + " in \"double quotes\"" + Found());
    }
    return line_.words[next_++].text;
  }
  Result<Instant> InstantValue(std::string_view what) {
    ASSIGN_OR_RETURN(std::string text, Value(what));
    return ParseInstant(text, what);
  }
  Result<CivilDate> DateValue(std::string_view what) {
    ASSIGN_OR_RETURN(std::string text, Value(what));
    return ParseDate(text, what);
  }
  Result<int64_t> Number(std::string_view what) {
    ASSIGN_OR_RETURN(std::string text, Value(what));
    if (text.empty() || text.size() > 12 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return InvalidArgument(std::string(what) + ": '" + text + "' is not a whole number");
    }
    return std::stoll(text);
  }
  Result<bool> YesNo(std::string_view what) {
    ASSIGN_OR_RETURN(std::string text, Value(what));
    if (text == "yes") return true;
    if (text == "no") return false;
    return InvalidArgument(std::string(what) + ": expected yes or no, found '" + text + "'");
  }

  Status Done() const {
    if (AtEnd()) return Status::Ok();
    return InvalidArgument("unexpected '" + line_.words[next_].text + "' at the end of the line");
  }

  std::string Found() const {
    return AtEnd() ? " at the end of the line" : ", found '" + line_.words[next_].text + "'";
  }

 private:
  const Line& line_;
  size_t next_ = 0;
};

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> items;
  std::string item;
  for (char c : text) {
    if (c == ',') {
      if (!item.empty()) items.push_back(item);
      item.clear();
    } else {
      item += c;
    }
  }
  if (!item.empty()) items.push_back(item);
  return items;
}

// Measure kinds as a scenario writes them: kind names, the groups `all`, `on-service` and
// `after-no-show` (resolved against the profile when the step runs), or `none`. Reads words up
// to one of `stop` or the end of the line; commas and blanks both separate.
Result<std::vector<std::string>> KindList(Cursor& cursor,
                                          std::initializer_list<std::string_view> stop,
                                          bool allow_none) {
  std::vector<std::string> kinds;
  while (!cursor.AtEnd()) {
    bool stopped = false;
    for (std::string_view keyword : stop) stopped = stopped || cursor.PeekIs(keyword);
    if (stopped) break;
    ASSIGN_OR_RETURN(std::string word, cursor.Value("measure kind"));
    for (const std::string& item : SplitList(word)) {
      bool group = item == "all" || item == "on-service" || item == "after-no-show";
      if (item == "none") {
        if (!allow_none) return InvalidArgument("kinds: 'none' is not allowed here");
      } else if (!group) {
        RETURN_IF_ERROR(ParseMeasureKind(item, "measure kind").status());
      }
      kinds.push_back(item);
    }
  }
  if (kinds.empty()) {
    return InvalidArgument("expected measure kinds (exit, driving, …, all)" + cursor.Found());
  }
  bool has_none = std::find(kinds.begin(), kinds.end(), "none") != kinds.end();
  if (has_none && kinds.size() > 1) {
    return InvalidArgument("kinds: 'none' cannot be combined with other kinds");
  }
  return kinds;
}

// "7d", "12h", "30m", "1s" or combinations such as "1d12h".
Result<std::chrono::seconds> ParseDuration(std::string_view text) {
  std::chrono::seconds total{0};
  size_t i = 0;
  if (text.empty()) return InvalidArgument("duration: empty");
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == start || i == text.size() || i - start > 9) {
      return InvalidArgument("duration: '" + std::string(text) +
                             "' is not like 7d, 12h, 30m, 1s or 1d12h");
    }
    int64_t amount = std::stoll(std::string(text.substr(start, i - start)));
    switch (text[i++]) {
      case 'd':
        total += std::chrono::seconds(amount * 86400);
        break;
      case 'h':
        total += std::chrono::seconds(amount * 3600);
        break;
      case 'm':
        total += std::chrono::seconds(amount * 60);
        break;
      case 's':
        total += std::chrono::seconds(amount);
        break;
      default:
        return InvalidArgument("duration: '" + std::string(text) +
                               "' has an unknown unit (d, h, m, s)");
    }
  }
  return total;
}

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

// Multi-line text indented under a failure message.
std::string Indent(std::string_view text) {
  std::string out = "    ";
  for (char c : text) {
    out += c;
    if (c == '\n') out += "    ";
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) out.pop_back();
  return out;
}

// An instant in the notation scenarios use, in the local time of `zone`:
// "2026-04-09T00:00:00+03:00".
std::string Show(Instant instant, TimeZone zone) {
  date::sys_info info = zone->get_info(instant);
  std::string text = date::format("%FT%T", instant + info.offset);
  int64_t minutes = info.offset.count() / 60;
  char sign = minutes < 0 ? '-' : '+';
  minutes = minutes < 0 ? -minutes : minutes;
  char offset[32];
  std::snprintf(offset, sizeof offset, "%c%02d:%02d", sign, static_cast<int>(minutes / 60),
                static_cast<int>(minutes % 60));
  return text + offset;
}

Result<TimeZone> ZoneOfOffice(std::string_view office) {
  ASSIGN_OR_RETURN(const Region* region, RegionOfOffice(office, "office"));
  return LookupTimeZone(region->time_zone, "office time zone");
}

// ---------------------------------------------------------------------------------------------
// The scenario being run: its registry and what its names stand for.

class Scenario;

// What one step did: the registry's answer to a `when`, and the mismatches of an `expect`.
struct StepOutcome {
  Status command;
  std::vector<std::string> mismatches;
};

// Runs a step. A non-OK return is a scenario error that stops the run; a `when` reports the
// registry's answer in `outcome.command`, an `expect` its mismatches in `outcome.mismatches`.
using StepRun = std::function<Status(Scenario&, StepOutcome&)>;

enum class StepKind { kStart, kGiven, kWhen, kAdvance, kExpect, kExpectRefused };

struct Step {
  Line line;
  StepKind kind;
  StepRun run;
  std::string refusal_text;  // kExpectRefused: what the refusal must contain
};

class Scenario {
 public:
  explicit Scenario(std::string file) : file_(std::move(file)) {}

  Status Start(const std::string& profile_id, Instant start) {
    fs::path path = testing::SourceDir() / "profiles" / (profile_id + ".toml");
    std::ifstream in(path);
    if (!in) return NotFound("profile: cannot read " + path.string());
    std::stringstream text;
    text << in.rdbuf();
    ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection,
                     OpenStore(testing::StoreUrl(dir_, "scenario"), OpenMode::kCreate));
    ASSIGN_OR_RETURN(registry_, Registry::Create(std::move(connection), text.str(),
                                                 profile_id + ".toml", start));
    // Every summons is signed when issued (docs/DOCUMENTS.md).
    return testing::EnableTestSigning(*registry_, dir_, "scenario");
  }

  Registry& registry() { return *registry_; }
  bool started() const { return registry_ != nullptr; }

  // Commands of a scenario line carry a key of their own, so two identical commands on two
  // lines are two commands, not a retry of one.
  CommandContext Context(const Line& line) const {
    return {.idempotency_key = "scenario:" + file_ + ":" + std::to_string(line.number),
            .actor = "officer"};
  }

  void Bind(const std::string& name, int64_t id) { ids_[name] = id; }
  void BindPerson(const std::string& name, PersonId id, TimeZone zone) {
    ids_[name] = id;
    person_zones_[id] = zone;
    person_names_[id] = name;
  }
  void BindBatch(const std::string& name, BatchResult result) {
    batches_[name] = std::move(result);
  }

  // The id a name stands for. A name whose `when` was refused stands for nothing.
  Result<int64_t> Id(const std::string& name) const {
    auto found = ids_.find(name);
    if (found != ids_.end()) return found->second;
    if (name.find('/') != std::string::npos) {
      return FailedPrecondition("'" + name + "' does not exist: that batch issued no summons to " +
                                name.substr(name.find('/') + 1));
    }
    return FailedPrecondition("'" + name +
                              "' does not exist: the command that was to create it was refused");
  }
  Result<const BatchResult*> Batch(const std::string& name) const {
    auto found = batches_.find(name);
    if (found == batches_.end()) return FailedPrecondition("batch '" + name + "' was refused");
    return &found->second;
  }
  TimeZone ZoneOfPerson(PersonId id) const {
    auto found = person_zones_.find(id);
    return found == person_zones_.end() ? date::locate_zone("UTC") : found->second;
  }
  std::string NameOfPerson(PersonId id) const {
    auto found = person_names_.find(id);
    return found == person_names_.end() ? "person " + std::to_string(id) : found->second;
  }
  const std::map<PersonId, std::string>& persons() const { return person_names_; }

  // The measure kinds a list names, resolved against the profile's measures.
  Result<std::set<MeasureKind>> Kinds(const std::vector<std::string>& words) const {
    std::set<MeasureKind> kinds;
    for (const std::string& word : words) {
      if (word == "none") continue;
      bool all = word == "all";
      bool on_service = word == "on-service";
      bool after_no_show = word == "after-no-show";
      if (all || on_service || after_no_show) {
        for (const MeasureRule& rule : registry_->profile().measures) {
          bool service = rule.trigger == MeasureTrigger::kOnService;
          if (all || (on_service && service) || (after_no_show && !service)) {
            kinds.insert(rule.kind);
          }
        }
        continue;
      }
      ASSIGN_OR_RETURN(MeasureKind kind, ParseMeasureKind(word, "measure kind"));
      kinds.insert(kind);
    }
    return kinds;
  }

  int64_t LedgerHead() {
    auto query = Query::Make(registry_->connection(), "SELECT seq FROM ledger_head WHERE id = 1");
    if (!query.ok()) return -1;
    auto has_row = query->Next();
    int64_t seq = has_row.ok() && *has_row ? query->Int(0) : -1;
    query->Finish();
    return seq;
  }

  // The explanation as text: the profile, the gates, then "<kind>: <line>" for every line.
  Result<std::string> ExplainText(PersonId person) {
    ASSIGN_OR_RETURN(Explanation explanation, registry_->Explain(person));
    std::string text = "profile " + explanation.profile + "\n";
    for (const std::string& gate : explanation.gates) text += "gate " + gate + "\n";
    for (const std::string& line : explanation.service) text += "service: " + line + "\n";
    for (const MeasureExplanation& measure : explanation.measures) {
      for (const std::string& line : measure.lines) {
        text += std::string(MeasureKindName(measure.kind)) + ": " + line + "\n";
      }
    }
    return text;
  }

  // "<channel> <mark> at <local> [tracking N] [serves <local> by <rule>] (<evidence>)" per
  // entry, then "cascade <outcome> at <local>: <detail>".
  Result<std::string> DeliveryLogText(const std::string& summons) {
    ASSIGN_OR_RETURN(int64_t id, Id(summons));
    ASSIGN_OR_RETURN(muster::SummonsRow row, ReadSummons(registry_->connection(), id));
    TimeZone zone = ZoneOfPerson(row.person_id);
    std::string text;
    for (const ServiceAttemptRow& attempt : row.attempts) {
      text += attempt.channel + " " + attempt.mark + " at " + Show(attempt.at, zone);
      if (attempt.reference) text += " tracking " + *attempt.reference;
      if (attempt.service_rule && attempt.serves_at) {
        text += " serves " + Show(*attempt.serves_at, zone) + " by " + *attempt.service_rule;
      }
      if (attempt.notification) text += " (notification)";
      text += " [" + attempt.evidence + "]\n";
    }
    for (const DeliveryDecisionRow& decision : row.delivery_decisions) {
      text += "cascade " + decision.outcome + " at " + Show(decision.at, zone) + ": " +
              decision.detail + "\n";
    }
    return text;
  }

  Result<std::string> TimelineText(PersonId person) {
    ASSIGN_OR_RETURN(std::vector<std::string> lines, registry_->PersonTimeline(person));
    return Join(lines, "\n") + "\n";
  }

  // The invariants of DESIGN.md §2 that hold under every profile; each violation once.
  Status CheckInvariants(std::vector<std::string>& violations) {
    struct InForce {
      int64_t measure_id;
      PersonId person_id;
      std::string kind;
      int64_t start_at;
      SummonsId summons_id;
      std::string summons_status;
      std::optional<int64_t> served_at;
    };
    std::vector<InForce> measures;
    {
      ASSIGN_OR_RETURN(
          Query query,
          Query::Make(registry_->connection(),
                      "SELECT m.measure_id, m.person_id, m.kind, m.start_at, s.summons_id, "
                      "s.status, s.served_at FROM measures m JOIN summonses s ON "
                      "s.summons_id = m.summons_id WHERE m.lifted_at IS NULL ORDER BY "
                      "m.measure_id"));
      while (true) {
        ASSIGN_OR_RETURN(bool has_row, query.Next());
        if (!has_row) break;
        measures.push_back({query.Int(0), query.Int(1), query.Text(2), query.Int(3), query.Int(4),
                            query.Text(5), query.OptionalInt(6)});
      }
    }
    auto report = [&](std::string violation) {
      if (reported_.insert(violation).second) {
        violations.push_back("invariant broken: " + violation);
      }
    };
    std::set<std::pair<PersonId, std::string>> kinds_in_force;
    std::set<PersonId> persons_with_measures;
    for (const InForce& measure : measures) {
      std::string who = NameOfPerson(measure.person_id);
      std::string what =
          measure.kind + " measure " + std::to_string(measure.measure_id) + " of " + who;
      if (!measure.served_at || *measure.served_at > measure.start_at) {
        report(what + " is in force without a service of summons " +
               std::to_string(measure.summons_id) + " before it (no measure without proof)");
      }
      if (measure.summons_status != "served") {
        report(what + " is still in force although its summons " +
               std::to_string(measure.summons_id) + " is " + measure.summons_status +
               " (lifting is automatic)");
      }
      if (!kinds_in_force.insert({measure.person_id, measure.kind}).second) {
        report("two " + measure.kind + " measures of " + who + " are in force at once");
      }
      persons_with_measures.insert(measure.person_id);
    }
    for (PersonId person : persons_with_measures) {
      std::string who = NameOfPerson(person);
      CivilDate today = LocalDate(registry_->Now(), ZoneOfPerson(person));
      ASSIGN_OR_RETURN(
          Query grounds,
          Query::Make(registry_->connection(),
                      "SELECT kind, basis FROM grounds WHERE person_id = $1 AND ended_at "
                      "IS NULL AND valid_from <= $2 AND (valid_until IS NULL OR "
                      "valid_until >= $2) ORDER BY ground_id LIMIT 1"));
      grounds.Bind(person).Bind(static_cast<int64_t>(ToEpochDays(today)));
      ASSIGN_OR_RETURN(bool has_ground, grounds.Next());
      if (has_ground) {
        report("measures of " + who + " are in force on " + FormatDate(today) +
               " while an active " + grounds.Text(0) + " (" + grounds.Text(1) +
               ") is on record (gate before every adverse action)");
      }
      grounds.Finish();
      if (registry_->profile().objection_suspends_measures) {
        ASSIGN_OR_RETURN(Query objections,
                         Query::Make(registry_->connection(),
                                     "SELECT objection_id FROM objections WHERE person_id = $1 AND "
                                     "decided_at IS NULL LIMIT 1"));
        objections.Bind(person);
        ASSIGN_OR_RETURN(bool pending, objections.Next());
        objections.Finish();
        if (pending) {
          report("measures of " + who +
                 " are in force while an objection is pending under profile " +
                 registry_->profile().id + ", which suspends measures");
        }
      }
    }
    return Status::Ok();
  }

 private:
  std::string file_;
  testing::TempDir dir_;
  std::unique_ptr<Registry> registry_;
  std::map<std::string, int64_t> ids_;
  std::map<PersonId, TimeZone> person_zones_;
  std::map<PersonId, std::string> person_names_;
  std::map<std::string, BatchResult> batches_;
  std::set<std::string> reported_;
};

// ---------------------------------------------------------------------------------------------
// Parsing: every line becomes a Step, or an error naming the line.

// What the parser knows about names while it reads: each is declared once, before its use.
class Symbols {
 public:
  Status Declare(const std::string& name, std::string_view kind, int line) {
    if (name.find('/') != std::string::npos) {
      return InvalidArgument("name '" + name +
                             "': '/' is reserved for summonses of a batch (batch/person)");
    }
    auto [found, inserted] = names_.emplace(name, std::make_pair(std::string(kind), line));
    if (!inserted) {
      return InvalidArgument("'" + name + "' is already declared on line " +
                             std::to_string(found->second.second) + " (as a " +
                             found->second.first + ")");
    }
    return Status::Ok();
  }

  // `name` must be declared as `kind`; "batch/person" names a summons of a batch.
  Status Use(const std::string& name, std::string_view kind) const {
    if (kind == "summons" && name.find('/') != std::string::npos) {
      std::string batch = name.substr(0, name.find('/'));
      std::string person = name.substr(name.find('/') + 1);
      RETURN_IF_ERROR(Use(batch, "batch"));
      return Use(person, "person");
    }
    auto found = names_.find(name);
    if (found == names_.end()) {
      return InvalidArgument("unknown " + std::string(kind) + " '" + name +
                             "' (not declared on an earlier line)");
    }
    if (found->second.first != kind) {
      return InvalidArgument("'" + name + "' is a " + found->second.first + " (line " +
                             std::to_string(found->second.second) + "), not a " +
                             std::string(kind));
    }
    return Status::Ok();
  }

  int persons = 0;  // for unique default identifiers

 private:
  std::map<std::string, std::pair<std::string, int>> names_;
};

struct Header {
  std::optional<std::string> profile;
  std::optional<Instant> start;
  std::optional<std::string> known_bug;
};

// given person <name> born <date> office <office> [portal yes|no] [sex M|F] [fitness <cat>]
//   [name "<family> <given> <patronymic>"] [<identifier kind> <value>]…
Result<StepRun> ParsePerson(Cursor& cursor, const Line& line, Symbols& symbols) {
  ASSIGN_OR_RETURN(std::string name, cursor.Name("person name"));
  RETURN_IF_ERROR(symbols.Declare(name, "person", line.number));
  NewPerson person;
  person.family_name = "Тестов";
  person.given_name = name;
  person.family_name_latin = "Testov";
  person.given_name_latin = name;
  person.source = "scenario";
  bool has_birth = false;
  bool has_snils = false;
  std::set<std::string> seen;
  while (!cursor.AtEnd()) {
    ASSIGN_OR_RETURN(std::string key, cursor.Name("an option (born, office, portal, sex, …)"));
    if (!seen.insert(key).second) return InvalidArgument("option '" + key + "' is given twice");
    if (key == "born") {
      ASSIGN_OR_RETURN(person.birth_date, cursor.DateValue("born"));
      has_birth = true;
    } else if (key == "office") {
      ASSIGN_OR_RETURN(person.office, cursor.Value("office"));
      RETURN_IF_ERROR(RegionOfOffice(person.office, "office").status());
    } else if (key == "portal") {
      ASSIGN_OR_RETURN(person.has_portal_account, cursor.YesNo("portal"));
    } else if (key == "sex") {
      ASSIGN_OR_RETURN(std::string sex, cursor.Value("sex"));
      ASSIGN_OR_RETURN(person.sex, ParseSex(sex, "sex"));
    } else if (key == "fitness") {
      ASSIGN_OR_RETURN(std::string category, cursor.Value("fitness"));
      ASSIGN_OR_RETURN(person.fitness, ParseFitnessCategory(category, "fitness"));
    } else if (key == "name") {
      ASSIGN_OR_RETURN(std::string full, cursor.Text("name"));
      ASSIGN_OR_RETURN(std::vector<Word> parts, Tokenize(full));
      if (parts.size() < 2 || parts.size() > 3) {
        return InvalidArgument("name: expected \"<family> <given> [<patronymic>]\", got " +
                               Quoted(full));
      }
      person.family_name = parts[0].text;
      person.given_name = parts[1].text;
      if (parts.size() == 3) person.patronymic = parts[2].text;
    } else {
      auto kind = ParseIdentifierKind(key, "option");
      if (!kind.ok()) {
        return InvalidArgument(
            "unknown option '" + key +
            "' (expected born, office, portal, sex, fitness, name or an identifier "
            "kind: snils, inn, passport, foreign_passport, driving_licence)");
      }
      ASSIGN_OR_RETURN(std::string value, cursor.Value(key));
      person.identifiers.emplace_back(*kind, value);
      has_snils = has_snils || *kind == IdentifierKind::kSnils;
    }
  }
  if (!has_birth) return InvalidArgument("person " + name + ": 'born <date>' is required");
  if (person.office.empty()) {
    return InvalidArgument("person " + name + ": 'office <office>' is required");
  }
  // Every person gets a valid SNILS of their own unless the scenario gives one.
  if (!has_snils) {
    person.identifiers.emplace_back(IdentifierKind::kSnils,
                                    testing::TestSnils(900000 + ++symbols.persons));
  }
  return StepRun([name, person, line](Scenario& scenario, StepOutcome& outcome) -> Status {
    auto id = scenario.registry().RegisterPerson(scenario.Context(line), person);
    outcome.command = id.status();
    if (id.ok()) {
      ASSIGN_OR_RETURN(TimeZone zone, ZoneOfOffice(person.office));
      scenario.BindPerson(name, *id, zone);
    }
    return Status::Ok();
  });
}

// given deferment|exemption [<label>] for <person> basis <basis> from <date> [until <date>]
//   [evidence "<text>"]
Result<StepRun> ParseGround(Cursor& cursor, const Line& line, Symbols& symbols, bool exemption) {
  std::optional<std::string> label;
  if (!cursor.PeekIs("for")) {
    ASSIGN_OR_RETURN(label, cursor.Name("a label or 'for'"));
    RETURN_IF_ERROR(symbols.Declare(*label, "ground", line.number));
  }
  RETURN_IF_ERROR(cursor.Require("for"));
  ASSIGN_OR_RETURN(std::string person, cursor.Name("person"));
  RETURN_IF_ERROR(symbols.Use(person, "person"));
  RETURN_IF_ERROR(cursor.Require("basis"));
  NewGround ground;
  ground.exemption = exemption;
  ASSIGN_OR_RETURN(ground.basis, cursor.Name("basis"));
  RETURN_IF_ERROR(cursor.Require("from"));
  ASSIGN_OR_RETURN(ground.valid_from, cursor.DateValue("from"));
  if (cursor.Take("until")) {
    ASSIGN_OR_RETURN(ground.valid_until, cursor.DateValue("until"));
  }
  ground.evidence = std::string(exemption ? "commission decision" : "certificate") +
                    " (scenario line " + std::to_string(line.number) + ")";
  if (cursor.Take("evidence")) {
    ASSIGN_OR_RETURN(ground.evidence, cursor.Text("evidence"));
  }
  RETURN_IF_ERROR(cursor.Done());
  return StepRun([label, person, ground, line](Scenario& scenario, StepOutcome& outcome) -> Status {
    NewGround resolved = ground;
    ASSIGN_OR_RETURN(resolved.person_id, scenario.Id(person));
    auto id = scenario.registry().GrantGround(scenario.Context(line), resolved);
    outcome.command = id.status();
    if (id.ok() && label) scenario.Bind(*label, *id);
    return Status::Ok();
  });
}

// Options of a summons: [channels a,b] [appear <instant>] [purpose "…"] [place "…"].
Status ParseSummonsOptions(Cursor& cursor, SummonsRequest& request) {
  std::set<std::string> seen;
  while (!cursor.AtEnd() && !cursor.PeekIs("region") && !cursor.PeekIs("office") &&
         !cursor.PeekIs("ages") && !cursor.PeekIs("limit")) {
    ASSIGN_OR_RETURN(std::string key, cursor.Name("an option (channels, appear, purpose, place)"));
    if (!seen.insert(key).second) return InvalidArgument("option '" + key + "' is given twice");
    if (key == "channels") {
      ASSIGN_OR_RETURN(std::string list, cursor.Value("channels"));
      for (const std::string& item : SplitList(list)) {
        ASSIGN_OR_RETURN(Channel channel, ParseChannel(item, "channels"));
        request.channels.push_back(channel);
      }
    } else if (key == "appear") {
      ASSIGN_OR_RETURN(request.appearance_at, cursor.InstantValue("appear"));
    } else if (key == "purpose") {
      ASSIGN_OR_RETURN(request.purpose, cursor.Text("purpose"));
    } else if (key == "place") {
      ASSIGN_OR_RETURN(request.place, cursor.Text("place"));
    } else {
      return InvalidArgument("unknown option '" + key +
                             "' (expected channels, appear, purpose or place)");
    }
  }
  return Status::Ok();
}

// when issue summons <s> to <person> [options]
// when issue batch <b> [region R] [office O] [ages <min>-<max>] [limit N] [options]
Result<StepRun> ParseIssue(Cursor& cursor, const Line& line, Symbols& symbols) {
  if (cursor.Take("summons")) {
    ASSIGN_OR_RETURN(std::string summons, cursor.Name("summons name"));
    RETURN_IF_ERROR(symbols.Declare(summons, "summons", line.number));
    RETURN_IF_ERROR(cursor.Require("to"));
    ASSIGN_OR_RETURN(std::string person, cursor.Name("person"));
    RETURN_IF_ERROR(symbols.Use(person, "person"));
    SummonsRequest request;
    RETURN_IF_ERROR(ParseSummonsOptions(cursor, request));
    RETURN_IF_ERROR(cursor.Done());
    return StepRun(
        [summons, person, request, line](Scenario& scenario, StepOutcome& outcome) -> Status {
          SummonsRequest resolved = request;
          ASSIGN_OR_RETURN(resolved.person_id, scenario.Id(person));
          auto id = scenario.registry().IssueSummons(scenario.Context(line), resolved);
          outcome.command = id.status();
          if (id.ok()) scenario.Bind(summons, *id);
          return Status::Ok();
        });
  }
  RETURN_IF_ERROR(cursor.Require("batch").WithContext("issue: expected 'summons' or 'batch'"));
  ASSIGN_OR_RETURN(std::string batch, cursor.Name("batch name"));
  RETURN_IF_ERROR(symbols.Declare(batch, "batch", line.number));
  Selection selection;
  SummonsRequest request;
  request.batch = batch;
  while (!cursor.AtEnd()) {
    if (cursor.Take("region")) {
      ASSIGN_OR_RETURN(selection.region, cursor.Value("region"));
    } else if (cursor.Take("office")) {
      ASSIGN_OR_RETURN(selection.office, cursor.Value("office"));
    } else if (cursor.Take("ages")) {
      ASSIGN_OR_RETURN(std::string ages, cursor.Value("ages"));
      size_t dash = ages.find('-');
      auto digits = [](std::string_view text) {
        return !text.empty() && text.size() < 4 &&
               std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
      };
      if (dash == std::string::npos || !digits(ages.substr(0, dash)) ||
          !digits(ages.substr(dash + 1))) {
        return InvalidArgument("ages: expected <min>-<max> such as 20-22, got '" + ages + "'");
      }
      selection.min_age = std::stoi(ages.substr(0, dash));
      selection.max_age = std::stoi(ages.substr(dash + 1));
    } else if (cursor.Take("limit")) {
      ASSIGN_OR_RETURN(selection.limit, cursor.Number("limit"));
    } else {
      RETURN_IF_ERROR(ParseSummonsOptions(cursor, request));
    }
  }
  return StepRun(
      [batch, selection, request, line](Scenario& scenario, StepOutcome& outcome) -> Status {
        auto result = scenario.registry().IssueBatch(scenario.Context(line), selection, request);
        outcome.command = result.status();
        if (!result.ok()) return Status::Ok();
        for (SummonsId summons : result->summons_ids) {
          ASSIGN_OR_RETURN(Query query,
                           Query::Make(scenario.registry().connection(),
                                       "SELECT person_id FROM summonses WHERE summons_id = $1"));
          query.Bind(summons);
          ASSIGN_OR_RETURN(bool found, query.Next());
          if (!found) {
            return Internal("batch: summons " + std::to_string(summons) + " is not in the store");
          }
          PersonId person = query.Int(0);
          query.Finish();
          scenario.Bind(batch + "/" + scenario.NameOfPerson(person), summons);
        }
        scenario.BindBatch(batch, std::move(result).value());
        return Status::Ok();
      });
}

// Every `when` after the verb: one function per command.
Result<StepRun> ParseWhen(Cursor& cursor, const Line& line, Symbols& symbols) {
  ASSIGN_OR_RETURN(std::string verb, cursor.Name("a command"));
  auto note = [&cursor]() -> Result<std::string> {
    std::string text = "decided in scenario";
    if (cursor.Take("note")) {
      ASSIGN_OR_RETURN(text, cursor.Text("note"));
    }
    RETURN_IF_ERROR(cursor.Done());
    return text;
  };
  if (verb == "register") {
    RETURN_IF_ERROR(cursor.Require("person"));
    return ParsePerson(cursor, line, symbols);
  }
  if (verb == "grant") {
    bool exemption = cursor.Take("exemption");
    if (!exemption) {
      RETURN_IF_ERROR(
          cursor.Require("deferment").WithContext("grant: expected 'deferment' or 'exemption'"));
    }
    return ParseGround(cursor, line, symbols, exemption);
  }
  if (verb == "end") {
    ASSIGN_OR_RETURN(std::string ground, cursor.Name("deferment or exemption label"));
    RETURN_IF_ERROR(symbols.Use(ground, "ground"));
    RETURN_IF_ERROR(cursor.Require("reason"));
    ASSIGN_OR_RETURN(std::string reason, cursor.Text("reason"));
    RETURN_IF_ERROR(cursor.Done());
    return StepRun([ground, reason, line](Scenario& scenario, StepOutcome& outcome) -> Status {
      ASSIGN_OR_RETURN(int64_t id, scenario.Id(ground));
      outcome.command = scenario.registry().EndGround(scenario.Context(line), id, reason);
      return Status::Ok();
    });
  }
  if (verb == "issue") return ParseIssue(cursor, line, symbols);
  if (verb == "mark") {
    ASSIGN_OR_RETURN(std::string summons, cursor.Name("summons"));
    RETURN_IF_ERROR(symbols.Use(summons, "summons"));
    ASSIGN_OR_RETURN(std::string channel_name, cursor.Name("channel"));
    ASSIGN_OR_RETURN(Channel channel, ParseChannel(channel_name, "channel"));
    ASSIGN_OR_RETURN(std::string mark, cursor.Name("mark"));
    std::optional<Instant> at;
    if (cursor.Take("at")) {
      ASSIGN_OR_RETURN(at, cursor.InstantValue("at"));
    }
    std::string evidence =
        channel_name + " " + mark + " (scenario line " + std::to_string(line.number) + ")";
    if (cursor.Take("evidence")) {
      ASSIGN_OR_RETURN(evidence, cursor.Text("evidence"));
    }
    RETURN_IF_ERROR(cursor.Done());
    return StepRun([summons, channel, mark, at, evidence, line](Scenario& scenario,
                                                                StepOutcome& outcome) -> Status {
      ASSIGN_OR_RETURN(int64_t id, scenario.Id(summons));
      Instant when = at.value_or(scenario.registry().Now());
      outcome.command =
          scenario.registry()
              .RecordServiceMark(scenario.Context(line), id, channel, mark, when, evidence)
              .status();
      return Status::Ok();
    });
  }
  if (verb == "appear") {
    ASSIGN_OR_RETURN(std::string summons, cursor.Name("summons"));
    RETURN_IF_ERROR(symbols.Use(summons, "summons"));
    std::optional<Instant> at;
    if (cursor.Take("at")) {
      ASSIGN_OR_RETURN(at, cursor.InstantValue("at"));
    }
    RETURN_IF_ERROR(cursor.Done());
    return StepRun([summons, at, line](Scenario& scenario, StepOutcome& outcome) -> Status {
      ASSIGN_OR_RETURN(int64_t id, scenario.Id(summons));
      outcome.command = scenario.registry().RecordAppearance(
          scenario.Context(line), id, at.value_or(scenario.registry().Now()));
      return Status::Ok();
    });
  }
  if (verb == "excuse") {
    ASSIGN_OR_RETURN(std::string excuse, cursor.Name("excuse name"));
    RETURN_IF_ERROR(symbols.Declare(excuse, "excuse", line.number));
    RETURN_IF_ERROR(cursor.Require("for"));
    ASSIGN_OR_RETURN(std::string summons, cursor.Name("summons"));
    RETURN_IF_ERROR(symbols.Use(summons, "summons"));
    RETURN_IF_ERROR(cursor.Require("reason"));
    ASSIGN_OR_RETURN(std::string reason, cursor.Value("reason"));
    RETURN_IF_ERROR(cursor.Require("documents"));
    ASSIGN_OR_RETURN(std::string documents, cursor.Text("documents"));
    RETURN_IF_ERROR(cursor.Done());
    return StepRun([excuse, summons, reason, documents, line](Scenario& scenario,
                                                              StepOutcome& outcome) -> Status {
      ASSIGN_OR_RETURN(int64_t id, scenario.Id(summons));
      auto filed = scenario.registry().FileExcuse(scenario.Context(line), id, reason, documents);
      outcome.command = filed.status();
      if (filed.ok()) scenario.Bind(excuse, *filed);
      return Status::Ok();
    });
  }
  if (verb == "accept" || verb == "reject") {
    ASSIGN_OR_RETURN(std::string excuse, cursor.Name("excuse"));
    RETURN_IF_ERROR(symbols.Use(excuse, "excuse"));
    ASSIGN_OR_RETURN(std::string text, note());
    bool accepted = verb == "accept";
    return StepRun(
        [excuse, text, accepted, line](Scenario& scenario, StepOutcome& outcome) -> Status {
          ASSIGN_OR_RETURN(int64_t id, scenario.Id(excuse));
          outcome.command =
              scenario.registry().DecideExcuse(scenario.Context(line), id, accepted, text);
          return Status::Ok();
        });
  }
  if (verb == "objection") {
    ASSIGN_OR_RETURN(std::string objection, cursor.Name("objection name"));
    RETURN_IF_ERROR(symbols.Declare(objection, "objection", line.number));
    RETURN_IF_ERROR(cursor.Require("by"));
    ASSIGN_OR_RETURN(std::string person, cursor.Name("person"));
    RETURN_IF_ERROR(symbols.Use(person, "person"));
    std::optional<std::string> summons;
    if (cursor.Take("about")) {
      ASSIGN_OR_RETURN(summons, cursor.Name("summons"));
      RETURN_IF_ERROR(symbols.Use(*summons, "summons"));
    }
    RETURN_IF_ERROR(cursor.Require("reason"));
    ASSIGN_OR_RETURN(std::string reason, cursor.Text("reason"));
    RETURN_IF_ERROR(cursor.Done());
    return StepRun([objection, person, summons, reason, line](Scenario& scenario,
                                                              StepOutcome& outcome) -> Status {
      ASSIGN_OR_RETURN(int64_t person_id, scenario.Id(person));
      std::optional<SummonsId> summons_id;
      if (summons) {
        ASSIGN_OR_RETURN(summons_id, scenario.Id(*summons));
      }
      auto filed =
          scenario.registry().FileObjection(scenario.Context(line), person_id, summons_id, reason);
      outcome.command = filed.status();
      if (filed.ok()) scenario.Bind(objection, *filed);
      return Status::Ok();
    });
  }
  if (verb == "uphold" || verb == "dismiss") {
    ASSIGN_OR_RETURN(std::string objection, cursor.Name("objection"));
    RETURN_IF_ERROR(symbols.Use(objection, "objection"));
    ASSIGN_OR_RETURN(std::string text, note());
    bool upheld = verb == "uphold";
    return StepRun(
        [objection, text, upheld, line](Scenario& scenario, StepOutcome& outcome) -> Status {
          ASSIGN_OR_RETURN(int64_t id, scenario.Id(objection));
          outcome.command =
              scenario.registry().DecideObjection(scenario.Context(line), id, upheld, text);
          return Status::Ok();
        });
  }
  if (verb == "cancel") {
    ASSIGN_OR_RETURN(std::string summons, cursor.Name("summons"));
    RETURN_IF_ERROR(symbols.Use(summons, "summons"));
    RETURN_IF_ERROR(cursor.Require("reason"));
    ASSIGN_OR_RETURN(std::string reason, cursor.Text("reason"));
    RETURN_IF_ERROR(cursor.Done());
    return StepRun([summons, reason, line](Scenario& scenario, StepOutcome& outcome) -> Status {
      ASSIGN_OR_RETURN(int64_t id, scenario.Id(summons));
      outcome.command = scenario.registry().CancelSummons(scenario.Context(line), id, reason);
      return Status::Ok();
    });
  }
  // Delivery channels (issue 6).
  if (verb == "consent" || verb == "withdraw") {
    bool withdraw = verb == "withdraw";
    if (withdraw) RETURN_IF_ERROR(cursor.Require("consent"));
    ASSIGN_OR_RETURN(std::string person, cursor.Name("person"));
    RETURN_IF_ERROR(symbols.Use(person, "person"));
    ASSIGN_OR_RETURN(std::string channel_name, cursor.Name("channel (sms or email)"));
    ASSIGN_OR_RETURN(NotificationChannel channel, ParseNotificationChannel(channel_name, "channel"));
    std::string address;
    if (!withdraw) {
      RETURN_IF_ERROR(cursor.Require("address"));
      ASSIGN_OR_RETURN(address, cursor.Text("address"));
    }
    std::string evidence = std::string(withdraw ? "withdrawal" : "consent") +
                           " form (scenario line " + std::to_string(line.number) + ")";
    if (cursor.Take("evidence")) {
      ASSIGN_OR_RETURN(evidence, cursor.Text("evidence"));
    }
    RETURN_IF_ERROR(cursor.Done());
    return StepRun([person, channel, address, evidence, withdraw, line](
                       Scenario& scenario, StepOutcome& outcome) -> Status {
      ASSIGN_OR_RETURN(int64_t id, scenario.Id(person));
      if (withdraw) {
        outcome.command =
            scenario.registry().WithdrawConsent(scenario.Context(line), id, channel, evidence);
      } else {
        outcome.command = scenario.registry()
                              .RecordConsent(scenario.Context(line), id, channel, address, evidence)
                              .status();
      }
      return Status::Ok();
    });
  }
  if (verb == "notify") {
    ASSIGN_OR_RETURN(std::string summons, cursor.Name("summons"));
    RETURN_IF_ERROR(symbols.Use(summons, "summons"));
    ASSIGN_OR_RETURN(std::string channel_name, cursor.Name("channel (sms or email)"));
    ASSIGN_OR_RETURN(NotificationChannel channel, ParseNotificationChannel(channel_name, "channel"));
    std::string mark = "sent";
    if (cursor.Take("mark")) {
      ASSIGN_OR_RETURN(mark, cursor.Name("mark"));
    }
    std::optional<Instant> at;
    if (cursor.Take("at")) {
      ASSIGN_OR_RETURN(at, cursor.InstantValue("at"));
    }
    std::string evidence = "gateway message (scenario line " + std::to_string(line.number) + ")";
    if (cursor.Take("evidence")) {
      ASSIGN_OR_RETURN(evidence, cursor.Text("evidence"));
    }
    RETURN_IF_ERROR(cursor.Done());
    return StepRun([summons, channel, mark, at, evidence, line](Scenario& scenario,
                                                                StepOutcome& outcome) -> Status {
      ASSIGN_OR_RETURN(int64_t id, scenario.Id(summons));
      outcome.command = scenario.registry()
                            .RecordNotification(scenario.Context(line), id, channel, mark,
                                                at.value_or(scenario.registry().Now()), evidence)
                            .status();
      return Status::Ok();
    });
  }
  if (verb == "view") {
    ASSIGN_OR_RETURN(std::string summons, cursor.Name("summons"));
    RETURN_IF_ERROR(symbols.Use(summons, "summons"));
    std::optional<Instant> at;
    if (cursor.Take("at")) {
      ASSIGN_OR_RETURN(at, cursor.InstantValue("at"));
    }
    RETURN_IF_ERROR(cursor.Done());
    return StepRun([summons, at, line](Scenario& scenario, StepOutcome& outcome) -> Status {
      ASSIGN_OR_RETURN(int64_t id, scenario.Id(summons));
      outcome.command =
          scenario.registry()
              .RecordFirstView(scenario.Context(line), id, at.value_or(scenario.registry().Now()),
                               "portal session (scenario line " + std::to_string(line.number) + ")")
              .status();
      return Status::Ok();
    });
  }
  if (verb == "post") {
    // One event of the postal operator, imported as a one-line JSON-lines file.
    std::optional<std::string> summons;
    if (!cursor.PeekIs("tracking")) {
      ASSIGN_OR_RETURN(summons, cursor.Name("summons or 'tracking'"));
      RETURN_IF_ERROR(symbols.Use(*summons, "summons"));
    }
    std::string tracking;
    if (cursor.Take("tracking")) {
      ASSIGN_OR_RETURN(tracking, cursor.Value("tracking number"));
    }
    ASSIGN_OR_RETURN(std::string event, cursor.Name("postal event"));
    std::optional<Instant> at;
    if (cursor.Take("at")) {
      ASSIGN_OR_RETURN(at, cursor.InstantValue("at"));
    }
    std::string office;
    if (cursor.Take("office")) {
      ASSIGN_OR_RETURN(office, cursor.Value("office"));
    }
    RETURN_IF_ERROR(cursor.Done());
    return StepRun([summons, tracking, event, at, office, line](Scenario& scenario,
                                                                StepOutcome& outcome) -> Status {
      boost::json::object record{{"event", event}};
      if (summons) {
        ASSIGN_OR_RETURN(int64_t id, scenario.Id(*summons));
        record["summons_id"] = id;
      }
      if (!tracking.empty()) record["tracking_number"] = tracking;
      record["at"] = FormatInstant(at.value_or(scenario.registry().Now()));
      if (!office.empty()) record["office"] = office;
      auto report = scenario.registry().ImportPostalTracking(
          scenario.Context(line), boost::json::serialize(record) + "\n", PostalFormat::kJsonLines);
      if (!report.ok()) {
        outcome.command = report.status();
      } else if (!report->errors.empty()) {
        // The import reports a bad line and records nothing for it: a refusal of this step.
        outcome.command = InvalidArgument("line " + std::to_string(report->errors[0].line) +
                                          ": " + report->errors[0].message);
      }
      return Status::Ok();
    });
  }
  return InvalidArgument("unknown command '" + verb +
                         "' (expected register, grant, end, issue, mark, appear, excuse, accept, "
                         "reject, objection, uphold, dismiss, cancel, consent, withdraw, notify, "
                         "view or post)");
}

// The facts of one summons as the store holds them.
struct SummonsRow {
  PersonId person_id = 0;
  std::string status;
  std::optional<Instant> served_at;
  std::string served_rule;
  Instant appearance_at;
  TimeZone zone = nullptr;
};

Result<SummonsRow> LoadSummonsRow(Scenario& scenario, const std::string& name) {
  ASSIGN_OR_RETURN(int64_t id, scenario.Id(name));
  ASSIGN_OR_RETURN(Query query, Query::Make(scenario.registry().connection(),
                                            "SELECT person_id, status, served_at, served_rule, "
                                            "appearance_at FROM summonses WHERE summons_id = $1"));
  query.Bind(id);
  ASSIGN_OR_RETURN(bool found, query.Next());
  if (!found) {
    return Internal("summons " + name + " (" + std::to_string(id) + ") is not in the store");
  }
  SummonsRow row;
  row.person_id = query.Int(0);
  row.status = query.Text(1);
  if (auto served = query.OptionalInt(2)) row.served_at = FromUnixSeconds(*served);
  row.served_rule = query.OptionalText(3).value_or("");
  row.appearance_at = FromUnixSeconds(query.Int(4));
  query.Finish();
  row.zone = scenario.ZoneOfPerson(row.person_id);
  return row;
}

std::string KindNames(const std::set<MeasureKind>& kinds) {
  std::vector<std::string> names;
  for (MeasureKind kind : kinds) names.emplace_back(MeasureKindName(kind));
  return names.empty() ? "none" : Join(names, ", ");
}

// The latest measure of one kind of a person, with the decision that lifted it, if any.
struct MeasureRow {
  Instant start_at;
  std::string rule_id;
  std::optional<Instant> lifted_at;
  std::string lift_reason;
  std::string lift_rule;
};

Result<std::optional<MeasureRow>> LatestMeasure(Scenario& scenario, PersonId person,
                                                MeasureKind kind) {
  ASSIGN_OR_RETURN(
      Query query,
      Query::Make(scenario.registry().connection(),
                  "SELECT m.start_at, m.rule_id, m.lifted_at, m.lift_reason, d.rule_id "
                  "FROM measures m LEFT JOIN decisions d ON d.seq = m.lifted_seq WHERE "
                  "m.person_id = $1 AND m.kind = $2 ORDER BY m.measure_id DESC LIMIT 1"));
  query.Bind(person).Bind(MeasureKindName(kind));
  ASSIGN_OR_RETURN(bool found, query.Next());
  if (!found) return std::optional<MeasureRow>();
  MeasureRow row;
  row.start_at = FromUnixSeconds(query.Int(0));
  row.rule_id = query.Text(1);
  if (auto lifted = query.OptionalInt(2)) row.lifted_at = FromUnixSeconds(*lifted);
  row.lift_reason = query.OptionalText(3).value_or("");
  row.lift_rule = query.OptionalText(4).value_or("");
  query.Finish();
  return std::optional<MeasureRow>(std::move(row));
}

Result<std::vector<std::string>> MeasuresInForce(Scenario& scenario, PersonId person) {
  ASSIGN_OR_RETURN(Query query, Query::Make(scenario.registry().connection(),
                                            "SELECT kind FROM measures WHERE person_id = $1 AND "
                                            "lifted_at IS NULL"));
  query.Bind(person);
  std::vector<std::pair<int, std::string>> kinds;
  while (true) {
    ASSIGN_OR_RETURN(bool has_row, query.Next());
    if (!has_row) break;
    ASSIGN_OR_RETURN(MeasureKind kind, ParseMeasureKind(query.TextView(0), "kind"));
    kinds.emplace_back(static_cast<int>(kind), query.Text(0));
  }
  std::sort(kinds.begin(), kinds.end());
  std::vector<std::string> names;
  for (auto& [order, name] : kinds) names.push_back(std::move(name));
  return names;
}

// expect summons <s> status <status> | served at <instant> [by rule <id>] | not served |
//   appearance [at] <instant>
Result<StepRun> ParseExpectSummons(Cursor& cursor, Symbols& symbols) {
  ASSIGN_OR_RETURN(std::string summons, cursor.Name("summons"));
  RETURN_IF_ERROR(symbols.Use(summons, "summons"));
  if (cursor.Take("status")) {
    ASSIGN_OR_RETURN(std::string status, cursor.Name("status"));
    RETURN_IF_ERROR(ParseSummonsStatus(status, "status").status());
    RETURN_IF_ERROR(cursor.Done());
    return StepRun([summons, status](Scenario& scenario, StepOutcome& outcome) -> Status {
      ASSIGN_OR_RETURN(SummonsRow row, LoadSummonsRow(scenario, summons));
      if (row.status != status) {
        outcome.mismatches.push_back("expected status " + status + "\n  actual:   " + row.status);
      }
      return Status::Ok();
    });
  }
  if (cursor.Take("not")) {
    RETURN_IF_ERROR(cursor.Require("served"));
    RETURN_IF_ERROR(cursor.Done());
    return StepRun([summons](Scenario& scenario, StepOutcome& outcome) -> Status {
      ASSIGN_OR_RETURN(SummonsRow row, LoadSummonsRow(scenario, summons));
      if (row.served_at) {
        outcome.mismatches.push_back("expected not served\n  actual:   served at " +
                                     Show(*row.served_at, row.zone) + " by rule " +
                                     row.served_rule);
      }
      return Status::Ok();
    });
  }
  if (cursor.Take("appearance")) {
    cursor.Take("at");
    ASSIGN_OR_RETURN(Instant at, cursor.InstantValue("appearance"));
    RETURN_IF_ERROR(cursor.Done());
    return StepRun([summons, at](Scenario& scenario, StepOutcome& outcome) -> Status {
      ASSIGN_OR_RETURN(SummonsRow row, LoadSummonsRow(scenario, summons));
      if (row.appearance_at != at) {
        outcome.mismatches.push_back("expected appearance at " + Show(at, row.zone) +
                                     "\n  actual:   " + Show(row.appearance_at, row.zone));
      }
      return Status::Ok();
    });
  }
  if (cursor.Take("signed")) {
    // Signed when issued (docs/DOCUMENTS.md): the stored document verifies, and it cites the
    // profile's summons rule ([summons]) as its legal basis.
    RETURN_IF_ERROR(cursor.Done());
    return StepRun([summons](Scenario& scenario, StepOutcome& outcome) -> Status {
      ASSIGN_OR_RETURN(int64_t id, scenario.Id(summons));
      Registry& registry = scenario.registry();
      auto stored = LoadSignedSummons(registry.connection(), id);
      if (!stored.ok()) {
        outcome.mismatches.push_back("expected a signed summons\n  actual:   " +
                                     stored.status().ToString());
        return Status::Ok();
      }
      Verification verification = VerifySignedSummons(*registry.key_ring(), *stored);
      if (!verification.genuine) {
        outcome.mismatches.push_back("expected a genuine signature\n  actual:   " +
                                     verification.detail);
      }
      const std::string& basis = registry.profile().summons_rule.legal_basis;
      if (stored->document.legal_basis != basis) {
        outcome.mismatches.push_back("expected the notice to cite " + basis + " (" +
                                     registry.profile().summons_rule.rule_id +
                                     ")\n  actual:   " + stored->document.legal_basis);
      }
      return Status::Ok();
    });
  }
  RETURN_IF_ERROR(cursor.Require("served").WithContext(
      "expect summons: expected status, served, not served, appearance or signed"));
  RETURN_IF_ERROR(cursor.Require("at"));
  ASSIGN_OR_RETURN(Instant at, cursor.InstantValue("served at"));
  std::optional<std::string> rule;
  if (cursor.Take("by")) {
    RETURN_IF_ERROR(cursor.Require("rule"));
    ASSIGN_OR_RETURN(rule, cursor.Name("rule id"));
  }
  RETURN_IF_ERROR(cursor.Done());
  return StepRun([summons, at, rule](Scenario& scenario, StepOutcome& outcome) -> Status {
    ASSIGN_OR_RETURN(SummonsRow row, LoadSummonsRow(scenario, summons));
    std::string actual = row.served_at ? "served at " + Show(*row.served_at, row.zone) +
                                             " by rule " + row.served_rule
                                       : "not served (status " + row.status + ")";
    bool ok = row.served_at == at && (!rule || row.served_rule == *rule);
    if (!ok) {
      outcome.mismatches.push_back("expected served at " + Show(at, row.zone) +
                                   (rule ? " by rule " + *rule : "") + "\n  actual:   " + actual);
    }
    return Status::Ok();
  });
}

Result<StepRun> ParseExpect(Cursor& cursor, Symbols& symbols) {
  ASSIGN_OR_RETURN(std::string what, cursor.Name("what to expect"));
  if (what == "summons") return ParseExpectSummons(cursor, symbols);
  if (what == "measures") {
    ASSIGN_OR_RETURN(std::string person, cursor.Name("person"));
    RETURN_IF_ERROR(symbols.Use(person, "person"));
    ASSIGN_OR_RETURN(std::vector<std::string> kinds, KindList(cursor, {}, true));
    return StepRun([person, kinds](Scenario& scenario, StepOutcome& outcome) -> Status {
      ASSIGN_OR_RETURN(PersonId id, scenario.Id(person));
      ASSIGN_OR_RETURN(std::set<MeasureKind> expected, scenario.Kinds(kinds));
      ASSIGN_OR_RETURN(std::vector<std::string> actual, MeasuresInForce(scenario, id));
      std::vector<std::string> wanted;
      for (MeasureKind kind : expected) wanted.emplace_back(MeasureKindName(kind));
      if (actual != wanted) {
        outcome.mismatches.push_back(
            "expected in force: " + KindNames(expected) +
            "\n  actual:   " + (actual.empty() ? "none" : Join(actual, ", ")));
        return Status::Ok();
      }
      // Explain must tell the same story as the measure table.
      ASSIGN_OR_RETURN(Explanation explanation, scenario.registry().Explain(id));
      std::set<MeasureKind> explained;
      for (const MeasureExplanation& measure : explanation.measures) {
        if (measure.in_force) explained.insert(measure.kind);
      }
      if (explained != expected) {
        outcome.mismatches.push_back("the measure table holds " + KindNames(expected) +
                                     " in force, but explain shows " + KindNames(explained));
      }
      return Status::Ok();
    });
  }
  if (what == "imposed" || what == "lifted") {
    bool lifted = what == "lifted";
    ASSIGN_OR_RETURN(std::string person, cursor.Name("person"));
    RETURN_IF_ERROR(symbols.Use(person, "person"));
    ASSIGN_OR_RETURN(std::vector<std::string> kinds,
                     KindList(cursor, {"at", "rule", "reason"}, false));
    std::optional<Instant> at;
    std::optional<std::string> rule;
    std::optional<std::string> reason;
    if (cursor.Take("at")) {
      ASSIGN_OR_RETURN(at, cursor.InstantValue("at"));
    }
    if (lifted && cursor.Take("reason")) {
      ASSIGN_OR_RETURN(reason, cursor.Text("reason"));
    }
    if (cursor.Take("rule")) {
      ASSIGN_OR_RETURN(rule, cursor.Name("rule id"));
    }
    RETURN_IF_ERROR(cursor.Done());
    return StepRun([person, kinds, at, rule, reason, lifted](Scenario& scenario,
                                                             StepOutcome& outcome) -> Status {
      ASSIGN_OR_RETURN(PersonId id, scenario.Id(person));
      ASSIGN_OR_RETURN(std::set<MeasureKind> expected, scenario.Kinds(kinds));
      TimeZone zone = scenario.ZoneOfPerson(id);
      for (MeasureKind kind : expected) {
        std::string name(MeasureKindName(kind));
        ASSIGN_OR_RETURN(std::optional<MeasureRow> row, LatestMeasure(scenario, id, kind));
        std::string wanted =
            name + (lifted ? " lifted" : " imposed") + (at ? " at " + Show(*at, zone) : "") +
            (reason ? " because " + Quoted(*reason) : "") + (rule ? " under rule " + *rule : "");
        if (!row) {
          outcome.mismatches.push_back("expected " + wanted + "\n  actual:   no " + name +
                                       " measure was ever imposed");
          continue;
        }
        std::string actual;
        bool ok = true;
        if (lifted) {
          if (!row->lifted_at) {
            ok = false;
            actual = name + " in force since " + Show(row->start_at, zone);
          } else {
            actual = name + " lifted at " + Show(*row->lifted_at, zone) + " because " +
                     Quoted(row->lift_reason) + " under rule " + row->lift_rule;
            ok = (!at || *row->lifted_at == *at) &&
                 (!reason || row->lift_reason.find(*reason) != std::string::npos) &&
                 (!rule || row->lift_rule == *rule);
          }
        } else {
          actual =
              name + " imposed at " + Show(row->start_at, zone) + " under rule " + row->rule_id;
          ok = (!at || row->start_at == *at) && (!rule || row->rule_id == *rule);
        }
        if (!ok) outcome.mismatches.push_back("expected " + wanted + "\n  actual:   " + actual);
      }
      return Status::Ok();
    });
  }
  if (what == "withheld") {
    ASSIGN_OR_RETURN(std::string person, cursor.Name("person"));
    RETURN_IF_ERROR(symbols.Use(person, "person"));
    ASSIGN_OR_RETURN(std::vector<std::string> kinds, KindList(cursor, {"reason"}, false));
    RETURN_IF_ERROR(cursor.Require("reason"));
    ASSIGN_OR_RETURN(std::string reason, cursor.Name("gate code"));
    RETURN_IF_ERROR(cursor.Done());
    return StepRun([person, kinds, reason](Scenario& scenario, StepOutcome& outcome) -> Status {
      ASSIGN_OR_RETURN(PersonId id, scenario.Id(person));
      ASSIGN_OR_RETURN(std::set<MeasureKind> expected, scenario.Kinds(kinds));
      for (MeasureKind kind : expected) {
        std::string name(MeasureKindName(kind));
        ASSIGN_OR_RETURN(Query query,
                         Query::Make(scenario.registry().connection(),
                                     "SELECT outcome FROM decisions WHERE person_id = $1 "
                                     "AND kind = $2 ORDER BY decision_id"));
        query.Bind(id).Bind("measure:" + name);
        std::vector<std::string> outcomes;
        bool found = false;
        while (true) {
          ASSIGN_OR_RETURN(bool has_row, query.Next());
          if (!has_row) break;
          outcomes.push_back(query.Text(0));
          found = found || outcomes.back() == "withheld: " + reason;
        }
        if (!found) {
          outcome.mismatches.push_back("expected " + name + " withheld because of " + reason +
                                       "\n  actual decisions on " + name + ": " +
                                       (outcomes.empty() ? "none" : Join(outcomes, "; ")));
        }
      }
      return Status::Ok();
    });
  }
  if (what == "gate") {
    ASSIGN_OR_RETURN(std::string person, cursor.Name("person"));
    RETURN_IF_ERROR(symbols.Use(person, "person"));
    ASSIGN_OR_RETURN(std::string code, cursor.Name("gate code or none"));
    RETURN_IF_ERROR(cursor.Done());
    return StepRun([person, code](Scenario& scenario, StepOutcome& outcome) -> Status {
      ASSIGN_OR_RETURN(PersonId id, scenario.Id(person));
      ASSIGN_OR_RETURN(Explanation explanation, scenario.registry().Explain(id));
      std::string actual = explanation.gates.empty() ? "none" : Join(explanation.gates, "; ");
      bool ok = code == "none" ? explanation.gates.empty()
                               : !explanation.gates.empty() &&
                                     explanation.gates.front().starts_with(code + ":");
      if (!ok) outcome.mismatches.push_back("expected gate " + code + "\n  actual:   " + actual);
      return Status::Ok();
    });
  }
  if (what == "log") {
    // The summons's delivery log as the citizen sees it (ReadSummons: every mark and
    // notification, and the cascade's decisions), one line each.
    ASSIGN_OR_RETURN(std::string summons, cursor.Name("summons"));
    RETURN_IF_ERROR(symbols.Use(summons, "summons"));
    bool contains = cursor.Take("contains");
    if (!contains) {
      RETURN_IF_ERROR(cursor.Require("lacks").WithContext("expected 'contains' or 'lacks'"));
    }
    ASSIGN_OR_RETURN(std::string text, cursor.Text("text"));
    RETURN_IF_ERROR(cursor.Done());
    return StepRun([summons, contains, text](Scenario& scenario, StepOutcome& outcome) -> Status {
      ASSIGN_OR_RETURN(std::string actual, scenario.DeliveryLogText(summons));
      if ((actual.find(text) != std::string::npos) != contains) {
        outcome.mismatches.push_back(std::string("expected the delivery log") +
                                     (contains ? " to contain " : " to lack ") + Quoted(text) +
                                     "\n  actual delivery log:\n" + Indent(actual));
      }
      return Status::Ok();
    });
  }
  if (what == "explain" || what == "timeline") {
    bool explain = what == "explain";
    ASSIGN_OR_RETURN(std::string person, cursor.Name("person"));
    RETURN_IF_ERROR(symbols.Use(person, "person"));
    bool contains = cursor.Take("contains");
    if (!contains) {
      RETURN_IF_ERROR(cursor.Require("lacks").WithContext("expected 'contains' or 'lacks'"));
    }
    ASSIGN_OR_RETURN(std::string text, cursor.Text("text"));
    RETURN_IF_ERROR(cursor.Done());
    return StepRun([person, contains, text, explain, what](Scenario& scenario,
                                                           StepOutcome& outcome) -> Status {
      ASSIGN_OR_RETURN(PersonId id, scenario.Id(person));
      std::string actual;
      if (explain) {
        ASSIGN_OR_RETURN(actual, scenario.ExplainText(id));
      } else {
        ASSIGN_OR_RETURN(actual, scenario.TimelineText(id));
      }
      if ((actual.find(text) != std::string::npos) != contains) {
        outcome.mismatches.push_back("expected the " + what +
                                     (contains ? " to contain " : " to lack ") + Quoted(text) +
                                     "\n  actual " + what + ":\n" + Indent(actual));
      }
      return Status::Ok();
    });
  }
  if (what == "batch") {
    ASSIGN_OR_RETURN(std::string batch, cursor.Name("batch"));
    RETURN_IF_ERROR(symbols.Use(batch, "batch"));
    if (cursor.Take("issued")) {
      ASSIGN_OR_RETURN(int64_t issued, cursor.Number("issued"));
      RETURN_IF_ERROR(cursor.Done());
      return StepRun([batch, issued](Scenario& scenario, StepOutcome& outcome) -> Status {
        ASSIGN_OR_RETURN(const BatchResult* result, scenario.Batch(batch));
        if (result->issued != issued) {
          outcome.mismatches.push_back("expected " + std::to_string(issued) +
                                       " issued\n  actual:   " + std::to_string(result->issued));
        }
        return Status::Ok();
      });
    }
    if (cursor.Take("refused")) {
      ASSIGN_OR_RETURN(std::string code, cursor.Name("gate code"));
      ASSIGN_OR_RETURN(int64_t count, cursor.Number("count"));
      RETURN_IF_ERROR(cursor.Done());
      return StepRun([batch, code, count](Scenario& scenario, StepOutcome& outcome) -> Status {
        ASSIGN_OR_RETURN(const BatchResult* result, scenario.Batch(batch));
        auto found = result->refused.find(code);
        int64_t actual = found == result->refused.end() ? 0 : found->second;
        if (actual != count) {
          std::vector<std::string> all;
          for (const auto& [key, value] : result->refused) {
            all.push_back(key + " " + std::to_string(value));
          }
          outcome.mismatches.push_back(
              "expected " + std::to_string(count) + " refused by gate " + code +
              "\n  actual refusals: " + (all.empty() ? "none" : Join(all, ", ")));
        }
        return Status::Ok();
      });
    }
    RETURN_IF_ERROR(cursor.Require("summoned")
                        .WithContext("expect batch: expected issued, refused or summoned"));
    std::vector<std::string> persons;
    while (!cursor.AtEnd()) {
      ASSIGN_OR_RETURN(std::string word, cursor.Value("person"));
      for (const std::string& item : SplitList(word)) {
        if (item != "none") RETURN_IF_ERROR(symbols.Use(item, "person"));
        persons.push_back(item);
      }
    }
    if (persons.empty()) return InvalidArgument("expected the persons summoned, or none");
    return StepRun([batch, persons](Scenario& scenario, StepOutcome& outcome) -> Status {
      RETURN_IF_ERROR(scenario.Batch(batch).status());  // a refused batch summoned nobody
      std::set<std::string> wanted;
      for (const std::string& person : persons) {
        if (person != "none") wanted.insert(person);
      }
      std::set<std::string> actual;
      for (const auto& [id, name] : scenario.persons()) {
        if (scenario.Id(batch + "/" + name).ok()) actual.insert(name);
      }
      if (actual != wanted) {
        auto list = [](const std::set<std::string>& names) {
          return names.empty() ? std::string("none")
                               : Join(std::vector<std::string>(names.begin(), names.end()), ", ");
        };
        outcome.mismatches.push_back("expected summoned: " + list(wanted) +
                                     "\n  actual:   " + list(actual));
      }
      return Status::Ok();
    });
  }
  return InvalidArgument("unknown expectation '" + what +
                         "' (expected summons, measures, imposed, lifted, withheld, gate, refused, "
                         "explain, timeline or batch)");
}

// A scenario file, parsed: its stage and its steps in order.
struct Parsed {
  Header header;
  std::vector<Step> steps;
};

// advance to <instant> | advance <duration>
Result<StepRun> ParseAdvance(Cursor& cursor) {
  std::optional<Instant> target;
  std::chrono::seconds amount{0};
  if (cursor.Take("to")) {
    ASSIGN_OR_RETURN(target, cursor.InstantValue("advance to"));
  } else {
    ASSIGN_OR_RETURN(std::string text, cursor.Value("a duration (7d, 12h) or 'to <instant>'"));
    ASSIGN_OR_RETURN(amount, ParseDuration(text));
  }
  RETURN_IF_ERROR(cursor.Done());
  return StepRun([target, amount](Scenario& scenario, StepOutcome&) -> Status {
    return scenario.registry()
        .AdvanceTo(target.value_or(scenario.registry().Now() + amount))
        .status();
  });
}

// A line of the story after the stage: given, when, advance or expect.
Status ParseStep(Cursor& cursor, std::string_view directive, const Line& line, Symbols& symbols,
                 Step& step) {
  if (directive == "given") {
    step.kind = StepKind::kGiven;
    if (cursor.Take("person")) {
      ASSIGN_OR_RETURN(step.run, ParsePerson(cursor, line, symbols));
    } else if (cursor.Take("deferment")) {
      ASSIGN_OR_RETURN(step.run, ParseGround(cursor, line, symbols, false));
    } else if (cursor.Take("exemption")) {
      ASSIGN_OR_RETURN(step.run, ParseGround(cursor, line, symbols, true));
    } else {
      return InvalidArgument("given: expected person, deferment or exemption" + cursor.Found());
    }
    return Status::Ok();
  }
  if (directive == "when") {
    step.kind = StepKind::kWhen;
    ASSIGN_OR_RETURN(step.run, ParseWhen(cursor, line, symbols));
    return Status::Ok();
  }
  if (directive == "advance") {
    step.kind = StepKind::kAdvance;
    ASSIGN_OR_RETURN(step.run, ParseAdvance(cursor));
    return Status::Ok();
  }
  if (directive == "expect" && cursor.Take("refused")) {
    // The runner itself compares the refusal: it holds the previous `when`'s answer.
    step.kind = StepKind::kExpectRefused;
    ASSIGN_OR_RETURN(step.refusal_text, cursor.Text("the text of the refusal"));
    step.run = [](Scenario&, StepOutcome&) { return Status::Ok(); };
    return cursor.Done();
  }
  if (directive == "expect") {
    step.kind = StepKind::kExpect;
    ASSIGN_OR_RETURN(step.run, ParseExpect(cursor, symbols));
    return Status::Ok();
  }
  return InvalidArgument("unknown directive '" + std::string(directive) +
                         "' (expected profile, start, known-bug, given, when, advance or expect)");
}

// The stage: `profile`, `start` and `known-bug`, each once, `profile` before `start`. Returns
// the step that creates the registry for `start`, nothing for the others.
Result<std::optional<Step>> ParseHeader(Cursor& cursor, std::string_view directive,
                                        const Line& line, Header& header) {
  if (directive == "profile") {
    if (header.profile) return InvalidArgument("a second `profile` line");
    if (header.start) return InvalidArgument("`profile` must come before `start`");
    ASSIGN_OR_RETURN(header.profile, cursor.Name("profile id"));
  } else if (directive == "known-bug") {
    if (header.known_bug) return InvalidArgument("a second `known-bug` line");
    ASSIGN_OR_RETURN(header.known_bug, cursor.Text("what is wrong and where"));
  } else {
    if (!header.profile) return InvalidArgument("`start` before `profile <id>`");
    if (header.start) return InvalidArgument("a second `start` line");
    ASSIGN_OR_RETURN(header.start, cursor.InstantValue("start"));
  }
  RETURN_IF_ERROR(cursor.Done());
  if (directive != "start") return std::optional<Step>();
  std::string profile = *header.profile;
  Instant start = *header.start;
  return std::optional<Step>(Step{
      line, StepKind::kStart,
      [profile, start](Scenario& scenario, StepOutcome&) { return scenario.Start(profile, start); },
      ""});
}

// The whole file, parsed; an error names the file and the line.
Result<Parsed> ParseScenario(std::string_view file, std::string_view text) {
  Parsed parsed;
  Symbols symbols;
  std::istringstream lines{std::string(text)};
  std::string raw;
  int number = 0;
  auto error = [&](const Status& status) {
    return InvalidArgument(std::string(file) + ":" + std::to_string(number) + ": " +
                           status.message());
  };
  while (std::getline(lines, raw)) {
    ++number;
    size_t content_end = 0;
    auto words = Tokenize(raw, &content_end);
    if (!words.ok()) return error(words.status());
    if (words->empty()) continue;
    Line line{number, Trim(std::string_view(raw).substr(0, content_end)), std::move(words).value()};
    Cursor cursor(line);
    std::string directive = line.words.front().quoted ? "" : line.words.front().text;
    cursor.Take(directive);
    if (directive == "profile" || directive == "start" || directive == "known-bug") {
      auto step = ParseHeader(cursor, directive, line, parsed.header);
      if (!step.ok()) return error(step.status());
      if (*step) parsed.steps.push_back(std::move(**step));
      continue;
    }
    if (!parsed.header.start) {
      return error(InvalidArgument("'" + line.words.front().text +
                                   "' before the `start` line (a scenario begins with "
                                   "`profile <id>` and `start <instant>`)"));
    }
    Step step{line, StepKind::kGiven, nullptr, ""};
    if (Status status = ParseStep(cursor, directive, line, symbols, step); !status.ok()) {
      return error(status);
    }
    parsed.steps.push_back(std::move(step));
  }
  if (!parsed.header.start) {
    return InvalidArgument(std::string(file) +
                           ":1: a scenario begins with `profile <id>` and `start <instant>`");
  }
  return parsed;
}

// ---------------------------------------------------------------------------------------------
// Running

struct ScenarioReport {
  std::string parse_error;  // the file could not be read as a scenario
  std::optional<std::string> known_bug;
  std::vector<std::string> failures;  // each begins with file:line
  std::string timelines;              // every person's timeline, to diagnose failures
};

ScenarioReport RunScenario(const std::string& file, std::string_view text) {
  ScenarioReport report;
  auto parsed = ParseScenario(file, text);
  if (!parsed.ok()) {
    report.parse_error = parsed.status().message();
    return report;
  }
  report.known_bug = parsed->header.known_bug;
  Scenario scenario(file);
  auto where = [&](const Line& line) {
    return file + ":" + std::to_string(line.number) + ": `" + line.text + "`";
  };
  // The previous `when`, if the registry refused it: the next step must expect that.
  struct Refusal {
    const Step* step;
    Status status;
    int64_t head_before;
    int64_t head_after;
  };
  std::optional<Refusal> refusal;
  auto unexpected_refusal = [&] {
    return where(refusal->step->line) + "\n  was refused: " + refusal->status.ToString() +
           "\n  (if that is the law, follow it with: expect refused \"<part of the message>\")";
  };
  const Step* last_when = nullptr;
  bool stopped = false;
  for (const Step& step : parsed->steps) {
    if (refusal && step.kind != StepKind::kExpectRefused) {
      report.failures.push_back(unexpected_refusal());
      stopped = true;
      break;
    }
    StepOutcome outcome;
    int64_t head_before = scenario.started() ? scenario.LedgerHead() : 0;
    Status status = step.run(scenario, outcome);
    if (!status.ok()) {
      report.failures.push_back(where(step.line) + "\n  " + status.ToString());
      stopped = true;
      break;
    }
    switch (step.kind) {
      case StepKind::kStart:
      case StepKind::kAdvance:
        break;
      case StepKind::kGiven:
        if (!outcome.command.ok()) {
          report.failures.push_back(where(step.line) +
                                    "\n  a given fact was refused: " + outcome.command.ToString());
          stopped = true;
        }
        break;
      case StepKind::kWhen:
        last_when = &step;
        if (!outcome.command.ok()) {
          refusal = Refusal{&step, outcome.command, head_before, scenario.LedgerHead()};
        }
        break;
      case StepKind::kExpect:
        for (const std::string& mismatch : outcome.mismatches) {
          report.failures.push_back(where(step.line) + "\n  " + mismatch);
        }
        break;
      case StepKind::kExpectRefused: {
        const std::string& wanted = step.refusal_text;
        if (!refusal) {
          report.failures.push_back(
              where(step.line) + "\n  expected the previous `when` to be refused, but " +
              (last_when ? "it succeeded: `" + last_when->line.text + "`" : "there is none"));
          break;
        }
        std::string actual = refusal->status.ToString();
        StatusCode code = refusal->status.code();
        if (code == StatusCode::kInternal || code == StatusCode::kDataLoss ||
            code == StatusCode::kUnavailable) {
          report.failures.push_back(
              where(step.line) +
              "\n  a refusal is a precise answer, not a failure of the registry\n  actual:   " +
              actual);
        } else if (actual.find(wanted) == std::string::npos) {
          report.failures.push_back(where(step.line) + "\n  expected a refusal containing " +
                                    Quoted(wanted) + "\n  actual:   " + actual);
        }
        if (refusal->head_after != refusal->head_before) {
          report.failures.push_back(
              where(refusal->step->line) +
              "\n  a refused command must change nothing, but the ledger moved from event " +
              std::to_string(refusal->head_before) + " to " + std::to_string(refusal->head_after));
        }
        refusal.reset();
        break;
      }
    }
    if (stopped) break;
    if (step.kind == StepKind::kGiven || step.kind == StepKind::kWhen) {
      // What a server's scheduler would do right after the command: run what is due now
      // (a rejected excuse or a dismissed objection makes withheld measures due at once).
      if (outcome.command.ok()) {
        if (auto due = scenario.registry().RunDue(); !due.ok()) {
          report.failures.push_back(where(step.line) +
                                    "\n  the scheduler failed: " + due.status().ToString());
          stopped = true;
          break;
        }
      }
    }
    if (step.kind != StepKind::kExpect && step.kind != StepKind::kExpectRefused) {
      std::vector<std::string> violations;
      if (Status checked = scenario.CheckInvariants(violations); !checked.ok()) {
        report.failures.push_back(where(step.line) +
                                  "\n  checking invariants: " + checked.ToString());
      }
      for (const std::string& violation : violations) {
        report.failures.push_back(where(step.line) + "\n  after this step, " + violation);
      }
    }
  }
  if (!stopped && refusal) {
    report.failures.push_back(unexpected_refusal());
  }
  if (scenario.started()) {
    auto verified = VerifyLedger(scenario.registry().connection());
    if (!verified.ok()) {
      report.failures.push_back(file +
                                ": the ledger does not verify: " + verified.status().ToString());
    }
    if (!report.failures.empty()) {
      for (const auto& [id, name] : scenario.persons()) {
        auto timeline = scenario.TimelineText(id);
        report.timelines +=
            "--- " + name + "\n" + (timeline.ok() ? *timeline : timeline.status().ToString());
      }
    }
  }
  return report;
}

// ---------------------------------------------------------------------------------------------
// One test per file

fs::path ScenarioDir() { return testing::SourceDir() / "tests" / "scenarios"; }

std::vector<std::string> ScenarioFiles() {
  std::vector<std::string> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(ScenarioDir(), error)) {
    if (entry.is_regular_file() && entry.path().extension() == ".scn") {
      files.push_back(entry.path().filename().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// A test name from a file name: "ru_portal_posted.scn" → "ru_portal_posted".
std::string TestName(const std::string& file) {
  std::string name = fs::path(file).stem().string();
  for (char& c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!ok) c = '_';
  }
  return name;
}

class ScenarioTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ScenarioTest, HoldsAsWritten) {
  fs::path path = ScenarioDir() / GetParam();
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot read " << path;
  std::stringstream text;
  text << in.rdbuf();
  std::string shown = (fs::path("tests") / "scenarios" / GetParam()).string();
  ScenarioReport report = RunScenario(shown, text.str());
  ASSERT_TRUE(report.parse_error.empty()) << report.parse_error;
  std::string failures = Join(report.failures, "\n\n");
  if (report.known_bug) {
    if (report.failures.empty()) {
      FAIL() << shown << " is marked known-bug (" << *report.known_bug
             << ") but every expectation holds now: remove the known-bug line.";
    }
    GTEST_SKIP() << "known bug: " << *report.known_bug << "\n\n" << failures;
  }
  EXPECT_TRUE(report.failures.empty()) << failures << "\n\ntimelines:\n" << report.timelines;
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ScenarioTest, ::testing::ValuesIn(ScenarioFiles()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return TestName(info.param);
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ScenarioTest);

TEST(ScenarioFilesTest, TheScenarioDirectoryHoldsScenarios) {
  EXPECT_FALSE(ScenarioFiles().empty())
      << "no *.scn files in " << ScenarioDir() << " (set MUSTER_SOURCE_DIR to the repository root)";
}

// Every rule of every shipped profile is told by at least one scenario of that profile: its id
// appears in a scenario that runs under it (in a comment citing it, or in an expectation).
TEST(ScenarioFilesTest, EveryRuleOfEveryShippedProfileHasAScenario) {
  for (std::string profile_id : {"ru-127fz", "ua-mobilisation"}) {
    auto profile = LoadProfile(profile_id, testing::SourceDir() / "profiles");
    ASSERT_TRUE(profile.ok()) << profile.status().ToString();
    std::vector<std::string> rule_ids = {
        profile->summons_rule.rule_id,   profile->notification_rule.rule_id,
        profile->cascade.rule.rule_id,
        profile->liability_rule.rule_id, profile->appearance_rule.rule_id,
        profile->lifting_rule.rule_id,   profile->objection_rule.rule_id,
        profile->excuse_rule.rule_id,    profile->deferment_rule.rule_id,
        profile->exemption_rule.rule_id};
    for (const ChannelRules& channel : profile->channels) {
      for (const ServiceRule& rule : channel.service) rule_ids.push_back(rule.rule_id);
    }
    for (const MeasureRule& rule : profile->measures) rule_ids.push_back(rule.rule_id);
    std::string stories;  // every scenario that runs under this profile
    for (const std::string& file : ScenarioFiles()) {
      std::ifstream in(ScenarioDir() / file);
      std::stringstream text;
      text << in.rdbuf();
      if (text.str().find("\nprofile " + profile_id + "\n") != std::string::npos) {
        stories += text.str();
      }
    }
    for (const std::string& rule_id : rule_ids) {
      EXPECT_THAT(stories, HasSubstr(rule_id))
          << "no scenario of profile " << profile_id << " cites rule " << rule_id;
    }
  }
}

// The example in docs/SCENARIOS.md (every ```scn block) runs and holds, so the format's
// documentation cannot drift from the runner.
TEST(ScenarioFilesTest, TheExampleInTheDocsHolds) {
  std::ifstream in(testing::SourceDir() / "docs" / "SCENARIOS.md");
  ASSERT_TRUE(in) << "cannot read docs/SCENARIOS.md";
  std::string line;
  std::string block;
  bool inside = false;
  int examples = 0;
  while (std::getline(in, line)) {
    if (!inside && line == "```scn") {
      inside = true;
      block.clear();
    } else if (inside && line == "```") {
      inside = false;
      ++examples;
      ScenarioReport report =
          RunScenario("docs/SCENARIOS.md example " + std::to_string(examples), block);
      EXPECT_TRUE(report.parse_error.empty()) << report.parse_error;
      EXPECT_TRUE(report.failures.empty()) << Join(report.failures, "\n\n");
    } else if (inside) {
      block += line + "\n";
    }
  }
  EXPECT_GT(examples, 0) << "docs/SCENARIOS.md has no ```scn example";
}

// ---------------------------------------------------------------------------------------------
// The runner itself: errors name file:line, failures show the line and the actual value.

constexpr std::string_view kStage =
    "profile ru-127fz\n"
    "start 2026-04-01T09:00:00+03:00\n"
    "given person ivan born 2004-06-15 office RYA-01 portal yes\n";

TEST(ScenarioRunnerTest, ASyntaxErrorNamesTheFileAndLine) {
  ScenarioReport report = RunScenario(
      "bad.scn", std::string(kStage) + "\n# a comment\nexpect measures ivan: exit, parachute\n");
  EXPECT_THAT(report.parse_error, HasSubstr("bad.scn:6: measure kind: unknown value 'parachute'"));
  report = RunScenario("bad.scn", std::string(kStage) + "when issue summons s1 to petr\n");
  EXPECT_THAT(report.parse_error, HasSubstr("bad.scn:4: unknown person 'petr'"));
  report = RunScenario("bad.scn", std::string(kStage) + "when cancel s1 reason \"unterminated\n");
  EXPECT_THAT(report.parse_error, HasSubstr("bad.scn:4: unterminated quoted text"));
  report =
      RunScenario("bad.scn", "profile ru-127fz\ngiven person ivan born 2004-06-15 office RYA-01\n");
  EXPECT_THAT(report.parse_error, HasSubstr("bad.scn:2: 'given' before the `start` line"));
}

TEST(ScenarioRunnerTest, AFailingExpectationShowsTheLineAndTheActualValue) {
  ScenarioReport report =
      RunScenario("story.scn", std::string(kStage) +
                                   "when issue summons s1 to ivan\nexpect measures ivan: none\n");
  ASSERT_TRUE(report.parse_error.empty()) << report.parse_error;
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_THAT(report.failures[0], HasSubstr("story.scn:5: `expect measures ivan: none`"));
  EXPECT_THAT(report.failures[0], HasSubstr("actual:   exit"));
}

TEST(ScenarioRunnerTest, ARefusalMustBeExpectedAndAnExpectedRefusalMustHappen) {
  ScenarioReport report = RunScenario(
      "story.scn", std::string(kStage) +
                       "given deferment for ivan basis student_full_time from 2025-09-01\n"
                       "when issue summons s1 to ivan\n");
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_THAT(report.failures[0], HasSubstr("story.scn:5: `when issue summons s1 to ivan`"));
  EXPECT_THAT(report.failures[0], HasSubstr("gate deferment"));
  report = RunScenario(
      "story.scn",
      std::string(kStage) + "when issue summons s1 to ivan\nexpect refused \"gate deferment\"\n");
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_THAT(report.failures[0], HasSubstr("story.scn:5:"));
  EXPECT_THAT(report.failures[0], HasSubstr("it succeeded"));
}

TEST(ScenarioRunnerTest, ANameWhoseCommandWasRefusedStopsTheStory) {
  ScenarioReport report = RunScenario(
      "story.scn", std::string(kStage) +
                       "given exemption for ivan basis unfit from 2024-01-01\n"
                       "when issue summons s1 to ivan\nexpect refused \"gate exemption\"\n"
                       "when appear s1\n");
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_THAT(report.failures[0], HasSubstr("story.scn:7: `when appear s1`"));
  EXPECT_THAT(report.failures[0], HasSubstr("'s1' does not exist"));
}

}  // namespace
}  // namespace muster
