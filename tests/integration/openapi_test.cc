// The OpenAPI document (api/openapi.json) is the HTTP API's contract; these tests hold the two
// to each other:
//   - the document and the route table (MakeApiRouter) list the same operations, with the same
//     scope and the same public or authenticated access, and each operation documents the
//     error answers its kind of route can give (401, 403, 400, 404, 429);
//   - every documented operation, called on a live server with a valid request, answers with
//     a status the document lists, in a documented media type, with a body that satisfies the
//     documented schema — and so do the error answers (no credentials, a malformed or unknown
//     body, a bad or unknown id, another region, a reused idempotency key, a refusing gate, a
//     rate limit);
//   - every example in the document satisfies its schema, and the served document is the file.
// Schemas are checked by a small validator for the subset of JSON Schema the document uses
// (type, enum, required, properties, additionalProperties, items, $ref, minItems, maxItems,
// minimum, maximum, minLength, maxLength, format date and date-time); a keyword outside it
// fails the test, so the document cannot say more than is checked. NDJSON answers are checked
// line by line against the media type's `x-muster-line-schema`.
#include "http/openapi.h"

#include <boost/url.hpp>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "integration/http_fixture.h"

namespace muster {
namespace {

// ---- The document ---------------------------------------------------------------------------

std::string ReadDocumentFile() {
  std::ifstream file(testing::SourceDir() / "api" / "openapi.json", std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

const json::value& Document() {
  static const json::value document = [] {
    boost::system::error_code error;
    json::value parsed = json::parse(ReadDocumentFile(), error);
    EXPECT_FALSE(error) << "api/openapi.json: " << error.message();
    return parsed;
  }();
  return document;
}

// Follows `$ref` (local JSON pointers only) until the value is not a reference.
const json::value& Resolve(const json::value& value) {
  const json::value* current = &value;
  for (int depth = 0; depth < 16; ++depth) {
    const json::object* object = current->if_object();
    const json::value* ref = object ? object->if_contains("$ref") : nullptr;
    if (ref == nullptr) return *current;
    std::string_view pointer = ref->as_string();
    if (!pointer.starts_with("#")) {
      ADD_FAILURE() << "only local references are supported: " << pointer;
      return *current;
    }
    boost::system::error_code error;
    const json::value* target = Document().find_pointer(pointer.substr(1), error);
    if (target == nullptr) {
      ADD_FAILURE() << "unresolved reference " << pointer;
      return *current;
    }
    current = target;
  }
  ADD_FAILURE() << "reference chain too long";
  return *current;
}

// ---- A JSON Schema subset -------------------------------------------------------------------

bool HasType(const json::value& value, std::string_view type) {
  if (type == "null") return value.is_null();
  if (type == "boolean") return value.is_bool();
  if (type == "integer") return value.is_int64() || value.is_uint64();
  if (type == "number") return value.is_number();
  if (type == "string") return value.is_string();
  if (type == "array") return value.is_array();
  if (type == "object") return value.is_object();
  return false;
}

size_t CodePoints(std::string_view text) {
  size_t count = 0;
  for (char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

bool ConformsToFormat(std::string_view format, std::string_view text) {
  static const std::regex kDate(R"(\d{4}-\d{2}-\d{2})");
  static const std::regex kDateTime(
      R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))");
  std::string copy(text);
  if (format == "date") return std::regex_match(copy, kDate) && ParseDate(text, "date").ok();
  if (format == "date-time") {
    return std::regex_match(copy, kDateTime) && ParseInstant(text, "date-time").ok();
  }
  return true;  // int64 and the like: the type says it
}

// The problems with `instance` against `schema`, each "PATH: what"; none when it conforms.
class SchemaChecker {
 public:
  std::vector<std::string> Check(const json::value& schema, const json::value& instance) {
    problems_.clear();
    Visit(schema, instance, "$");
    return problems_;
  }

  // The keywords of `schema` and of every schema inside it that the validator would not check.
  std::vector<std::string> Unsupported(const json::value& schema) {
    problems_.clear();
    WalkKeywords(schema, "$");
    return problems_;
  }

 private:
  void CheckKeywords(const json::object& schema, const std::string& path) {
    static const std::set<std::string_view> kChecked = {
        "$ref",      "type",     "enum",     "required", "properties", "additionalProperties",
        "items",     "minItems", "maxItems", "minimum",  "maximum",    "minLength",
        "maxLength", "format"};
    static const std::set<std::string_view> kAnnotations = {"description", "title",   "example",
                                                            "examples",    "default", "deprecated"};
    for (const auto& member : schema) {
      if (!kChecked.contains(member.key()) && !kAnnotations.contains(member.key())) {
        Fail(path, "schema keyword '" + std::string(member.key()) +
                       "' is not supported by the contract test's validator");
      }
    }
  }

  void WalkKeywords(const json::value& schema_value, const std::string& path) {
    const json::object* schema = schema_value.if_object();
    if (schema == nullptr) return;
    CheckKeywords(*schema, path);
    if (const json::value* properties = schema->if_contains("properties")) {
      for (const auto& property : properties->as_object()) {
        WalkKeywords(property.value(), path + "." + std::string(property.key()));
      }
    }
    if (const json::value* items = schema->if_contains("items")) WalkKeywords(*items, path + "[]");
    if (const json::value* additional = schema->if_contains("additionalProperties")) {
      WalkKeywords(*additional, path + ".*");
    }
  }

  void Fail(const std::string& path, const std::string& what) {
    problems_.push_back(path + ": " + what);
  }

  void Visit(const json::value& schema_value, const json::value& value, const std::string& path) {
    if (schema_value.is_bool()) {
      if (!schema_value.as_bool()) Fail(path, "no value is allowed here");
      return;
    }
    if (!schema_value.is_object()) return Fail(path, "the schema is not an object");
    const json::object& schema = schema_value.as_object();
    CheckKeywords(schema, path);
    if (schema.contains("$ref")) Visit(Resolve(schema_value), value, path);
    if (const json::value* type = schema.if_contains("type")) {
      bool matched = false;
      if (type->is_string()) {
        matched = HasType(value, type->as_string());
      } else {
        for (const json::value& each : type->as_array()) {
          matched = matched || HasType(value, each.as_string());
        }
      }
      if (!matched) {
        return Fail(path,
                    "expected type " + json::serialize(*type) + ", got " + json::serialize(value));
      }
    }
    if (const json::value* options = schema.if_contains("enum")) {
      bool found = false;
      for (const json::value& option : options->as_array()) found = found || option == value;
      if (!found) {
        Fail(path, json::serialize(value) + " is not one of " + json::serialize(*options));
      }
    }
    if (const json::object* object = value.if_object()) VisitObject(schema, *object, path);
    if (const json::array* array = value.if_array()) {
      if (const json::value* items = schema.if_contains("items")) {
        for (size_t i = 0; i < array->size(); ++i) {
          Visit(*items, (*array)[i], path + "[" + std::to_string(i) + "]");
        }
      }
      if (const json::value* minimum = schema.if_contains("minItems");
          minimum && array->size() < minimum->to_number<size_t>()) {
        Fail(path, "fewer than " + json::serialize(*minimum) + " items");
      }
      if (const json::value* maximum = schema.if_contains("maxItems");
          maximum && array->size() > maximum->to_number<size_t>()) {
        Fail(path, "more than " + json::serialize(*maximum) + " items");
      }
    }
    if (value.is_number()) {
      double number = value.to_number<double>();
      if (const json::value* minimum = schema.if_contains("minimum");
          minimum && number < minimum->to_number<double>()) {
        Fail(path, json::serialize(value) + " is below the minimum " + json::serialize(*minimum));
      }
      if (const json::value* maximum = schema.if_contains("maximum");
          maximum && number > maximum->to_number<double>()) {
        Fail(path, json::serialize(value) + " is above the maximum " + json::serialize(*maximum));
      }
    }
    if (const json::string* text = value.if_string()) {
      size_t length = CodePoints(*text);
      if (const json::value* minimum = schema.if_contains("minLength");
          minimum && length < minimum->to_number<size_t>()) {
        Fail(path, "shorter than " + json::serialize(*minimum) + " characters");
      }
      if (const json::value* maximum = schema.if_contains("maxLength");
          maximum && length > maximum->to_number<size_t>()) {
        Fail(path, "longer than " + json::serialize(*maximum) + " characters");
      }
      if (const json::value* format = schema.if_contains("format");
          format && !ConformsToFormat(format->as_string(), *text)) {
        Fail(path, json::serialize(value) + " is not a " + json::serialize(*format));
      }
    }
  }

  void VisitObject(const json::object& schema, const json::object& object,
                   const std::string& path) {
    if (const json::value* required = schema.if_contains("required")) {
      for (const json::value& name : required->as_array()) {
        if (!object.contains(name.as_string())) {
          Fail(path, "required member '" + std::string(name.as_string()) + "' is missing");
        }
      }
    }
    const json::object* properties =
        schema.contains("properties") ? &schema.at("properties").as_object() : nullptr;
    const json::value* additional = schema.if_contains("additionalProperties");
    for (const auto& member : object) {
      std::string member_path = path + "." + std::string(member.key());
      if (properties && properties->contains(member.key())) {
        Visit(properties->at(member.key()), member.value(), member_path);
      } else if (additional) {
        Visit(*additional, member.value(), member_path);  // `false` refuses it
      }
    }
  }

  std::vector<std::string> problems_;
};

std::string Joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += "\n  " + line;
  return text;
}

// The lines of an NDJSON text, parsed; a line that is not JSON fails the test.
std::vector<json::value> NdjsonLines(std::string_view text, const std::string& where) {
  std::vector<json::value> lines;
  while (!text.empty()) {
    size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    if (line.empty()) continue;
    boost::system::error_code error;
    json::value parsed = json::parse(line, error);
    EXPECT_FALSE(error) << where << ": not a JSON line: " << line;
    if (!error) lines.push_back(std::move(parsed));
  }
  return lines;
}

// ---- Operations -----------------------------------------------------------------------------

struct Operation {
  std::string key;  // "POST /summonses/{id}/marks", as the router's method and pattern
  std::string path;
  const json::object* object = nullptr;

  bool Public() const { return object->at("security").as_array().empty(); }
  bool Documents(unsigned status) const {
    return object->at("responses").as_object().contains(std::to_string(status));
  }
  bool HasBody() const { return object->contains("requestBody"); }
  std::string Scope() const {
    const json::value* scope = object->if_contains("x-muster-scope");
    return scope ? std::string(scope->as_string()) : std::string();
  }
  // The operation's parameters, references resolved.
  std::vector<const json::object*> Parameters() const {
    std::vector<const json::object*> parameters;
    if (const json::value* list = object->if_contains("parameters")) {
      for (const json::value& parameter : list->as_array()) {
        parameters.push_back(&Resolve(parameter).as_object());
      }
    }
    return parameters;
  }
};

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

std::map<std::string, Operation> DocumentedOperations() {
  static const std::set<std::string_view> kMethods = {"get",   "put",  "post",    "delete",
                                                      "patch", "head", "options", "trace"};
  std::map<std::string, Operation> operations;
  for (const auto& path : Document().at("paths").as_object()) {
    for (const auto& member : path.value().as_object()) {
      if (!kMethods.contains(member.key())) continue;
      std::string key = Upper(std::string(member.key())) + " " + std::string(path.key());
      operations[key] = Operation{key, std::string(path.key()), &member.value().as_object()};
    }
  }
  return operations;
}

std::string RouteKey(const http::Route& route) {
  return std::string(bhttp::to_string(route.method)) + " " + route.pattern;
}

// "application/json; charset=utf-8" → "application/json"
std::string MediaType(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return std::string(type);
}

// ---- The document on its own ----------------------------------------------------------------

TEST(OpenApiDocument, IsTheFileTheBinaryWasBuiltWith) {
  std::string file = ReadDocumentFile();
  EXPECT_TRUE(http::OpenApiDocument() == file)
      << "api/openapi.json (" << file.size() << " bytes) is not the embedded document ("
      << http::OpenApiDocument().size() << " bytes): rebuild";
  EXPECT_EQ(Document().at("openapi").as_string(), "3.1.0");
}

TEST(OpenApiDocument, DescribesExactlyTheRoutesOfTheRouterWithTheirScopeAndAccess) {
  http::Metrics metrics;
  http::Router router = http::MakeApiRouter(metrics);
  std::map<std::string, Operation> operations = DocumentedOperations();
  std::set<std::string> routed;
  for (const http::Route& route : router.routes()) {
    std::string key = RouteKey(route);
    routed.insert(key);
    auto found = operations.find(key);
    if (found == operations.end()) {
      ADD_FAILURE() << key << " is a route but is not documented in api/openapi.json";
      continue;
    }
    const Operation& operation = found->second;
    ASSERT_TRUE(operation.object->contains("security"))
        << key << ": every operation states its security explicitly ([] when public)";
    EXPECT_EQ(operation.Public(), route.access == http::Access::kPublic)
        << key << ": documented as " << (operation.Public() ? "public" : "authenticated");
    EXPECT_EQ(operation.Scope(), route.scope) << key << ": x-muster-scope";
    // The security requirements name the scope as their role, for tools that read those.
    for (const json::value& requirement : operation.object->at("security").as_array()) {
      for (const auto& scheme : requirement.as_object()) {
        json::array expected;
        if (!route.scope.empty()) expected.push_back(json::string(route.scope));
        EXPECT_EQ(scheme.value(), json::value(expected)) << key << ": security " << scheme.key();
      }
    }
  }
  for (const auto& [key, operation] : operations) {
    EXPECT_TRUE(routed.contains(key)) << key << " is documented but the router has no such route";
  }
}

TEST(OpenApiDocument, EveryOperationDocumentsTheErrorsItsKindOfRouteCanGive) {
  for (const auto& [key, operation] : DocumentedOperations()) {
    SCOPED_TRACE(key);
    EXPECT_TRUE(operation.object->contains("operationId"));
    EXPECT_TRUE(operation.object->contains("summary"));
    EXPECT_TRUE(operation.Documents(429)) << "every caller is rate-limited";
    EXPECT_TRUE(operation.object->at("responses").as_object().contains("default"))
        << "405, 413, 431 and 500 can happen anywhere";
    if (!operation.Public()) {
      EXPECT_TRUE(operation.Documents(401));
    }
    if (!operation.Scope().empty()) {
      EXPECT_TRUE(operation.Documents(403));
    }
    if (operation.path.find("{id}") != std::string::npos) {
      EXPECT_TRUE(operation.Documents(400)) << "a malformed id";
      EXPECT_TRUE(operation.Documents(404)) << "an unknown id";
    }
    if (operation.HasBody()) {
      EXPECT_TRUE(operation.Documents(400)) << "a malformed body";
    }
    bool has_success = false;
    for (const auto& response : operation.object->at("responses").as_object()) {
      has_success = has_success || response.key().starts_with("2");
    }
    EXPECT_TRUE(has_success);
  }
}

// Every `example` and `examples` entry of media types and parameters, in place.
void CheckExamples(const json::value& node, const std::string& where, SchemaChecker& checker,
                   int& checked) {
  if (const json::object* object = node.if_object()) {
    const json::value* schema = object->if_contains("schema");
    const json::value* line_schema = object->if_contains("x-muster-line-schema");
    if (line_schema != nullptr) {
      const json::value* example = object->if_contains("example");
      ASSERT_TRUE(example && example->is_string()) << where << ": an NDJSON example";
      for (const json::value& line : NdjsonLines(example->as_string(), where)) {
        std::vector<std::string> problems = checker.Check(*line_schema, line);
        EXPECT_TRUE(problems.empty()) << where << " example line:" << Joined(problems);
        ++checked;
      }
    }
    if (schema != nullptr) {
      if (const json::value* example = object->if_contains("example")) {
        std::vector<std::string> problems = checker.Check(*schema, *example);
        EXPECT_TRUE(problems.empty()) << where << " example:" << Joined(problems);
        ++checked;
      }
      if (const json::value* examples = object->if_contains("examples")) {
        for (const auto& named : examples->as_object()) {
          const json::value& example = Resolve(named.value());
          ASSERT_TRUE(example.as_object().contains("value")) << where << " " << named.key();
          std::vector<std::string> problems = checker.Check(*schema, example.at("value"));
          EXPECT_TRUE(problems.empty())
              << where << " example " << named.key() << ":" << Joined(problems);
          ++checked;
        }
      }
    }
    for (const auto& member : *object) {
      if (member.key() == "schema" || member.key() == "examples" || member.key() == "example") {
        continue;
      }
      CheckExamples(member.value(), where + "/" + std::string(member.key()), checker, checked);
    }
  } else if (const json::array* array = node.if_array()) {
    for (size_t i = 0; i < array->size(); ++i) {
      CheckExamples((*array)[i], where + "/" + std::to_string(i), checker, checked);
    }
  }
}

TEST(OpenApiDocument, EveryExampleSatisfiesItsSchema) {
  SchemaChecker checker;
  int checked = 0;
  CheckExamples(Document().at("paths"), "#/paths", checker, checked);
  CheckExamples(Document().at("webhooks"), "#/webhooks", checker, checked);
  CheckExamples(Document().at("components").at("responses"), "#/components/responses", checker,
                checked);
  CheckExamples(Document().at("components").at("parameters"), "#/components/parameters", checker,
                checked);
  EXPECT_GE(checked, 50) << "examples are how a reader learns the API";
}

// Every schema in the document, wherever it sits (a `schema` member or components/schemas).
void CheckSchemaKeywords(const json::value& node, const std::string& where, SchemaChecker& checker,
                         int& checked) {
  if (const json::object* object = node.if_object()) {
    for (const auto& member : *object) {
      std::string path = where + "/" + std::string(member.key());
      if (member.key() == "schema" || member.key() == "x-muster-line-schema" ||
          where == "#/components/schemas") {
        std::vector<std::string> problems = checker.Unsupported(member.value());
        EXPECT_TRUE(problems.empty()) << path << ":" << Joined(problems);
        ++checked;
      } else if (member.key() != "example" && member.key() != "examples") {
        CheckSchemaKeywords(member.value(), path, checker, checked);
      }
    }
  } else if (const json::array* array = node.if_array()) {
    for (size_t i = 0; i < array->size(); ++i) {
      CheckSchemaKeywords((*array)[i], where + "/" + std::to_string(i), checker, checked);
    }
  }
}

TEST(OpenApiDocument, EverySchemaStaysWithinWhatTheValidatorChecks) {
  SchemaChecker checker;
  int checked = 0;
  CheckSchemaKeywords(Document(), "#", checker, checked);
  EXPECT_GE(checked, 100);
}

TEST(OpenApiDocument, TheValidatorRefusesWhatTheSchemasForbid) {
  SchemaChecker checker;
  const json::value& card = Document().at("components").at("schemas").at("PersonCard");
  json::value example = Document().at("components").at("examples").at("PersonCard").at("value");
  EXPECT_TRUE(checker.Check(card, example).empty());
  json::value extra = example;
  extra.as_object()["colour"] = "red";
  EXPECT_THAT(Joined(checker.Check(card, extra)), HasSubstr("$.colour: no value is allowed"));
  json::value missing = example;
  missing.as_object().erase("status");
  EXPECT_THAT(Joined(checker.Check(card, missing)), HasSubstr("'status' is missing"));
  json::value wrong = example;
  wrong.as_object()["grounds"].as_array()[0].as_object()["valid_from"] = "2025-13-45";
  EXPECT_THAT(Joined(checker.Check(card, wrong)), HasSubstr("$.grounds[0].valid_from"));
  wrong = example;
  wrong.as_object()["fitness"] = 3;
  EXPECT_THAT(Joined(checker.Check(card, wrong)), HasSubstr("expected type [\"object\",\"null\"]"));
  wrong = example;
  wrong.as_object()["sex"] = "X";
  EXPECT_THAT(Joined(checker.Check(card, wrong)), HasSubstr("is not one of"));
  EXPECT_THAT(Joined(checker.Check(json::parse(R"({"oneOf":[]})"), 1)),
              HasSubstr("'oneOf' is not supported"));
}

// ---- The document against a live server -----------------------------------------------------

// Records of every kind in region RYA, for the routes that take an id.
struct Records {
  SummonsId summons = 0;
  int64_t excuse = 0;
  int64_t objection = 0;
  int64_t ground = 0;
  int64_t measure = 0;       // lifted
  int64_t subscription = 0;  // the border agency's webhook
  int64_t dead_letter = 0;   // a delivery of it that gave up
  int64_t review = 0;        // an open review case
  int64_t consent = 0;       // person 1's consent to sms notifications
};

// One line of an interior-ministry feed that may be about person 1 or person 2 (the same
// names and birth date, another given name): held for review.
constexpr std::string_view kUncertainResidence =
    R"({"event":"residence","family_name":"Иванов","given_name":"Пётр","patronymic":"Иванович",)"
    R"("birth_date":"2004-06-15","sex":"M","region":"RYA","address":"Рязань, 1",)"
    R"("registered_on":"2025-01-01"})"
    "\n";

class OpenApiTest : public HttpTest {
 protected:
  // The server with demo logins on; an officer of RYA who also holds audit.read; an officer
  // with every officer scope nationally; the border agency; and the interior ministry's feed.
  void Start(http::ServerOptions options = {}) {
    options.demo_logins = true;
    StartServer(options);
    auditor_ = MakeOfficer("ryazan.auditor", "region:RYA", {"audit.read"});
    national_ = MakeOfficer("national.officer", "all");
    border_ = MakeAgency("border.service", "border", access::scope::kMeasureCheck);
    // The interior ministry's feed key sends interior batches only.
    interior_ = MakeAgency("interior.feed", "", access::scope::kFeedUpload, "interior");
    postal_ = MakeAgency("post.operator", "tax", access::scope::kMailTracking);
  }

  // An agency account with one scope everywhere, and an API key for it: the key.
  std::string MakeAgency(const std::string& login, const std::string& consumer,
                         std::string_view scope, const std::string& source_agency = "") {
    auto created =
        identity_->CreateAccount({.kind = access::PrincipalKind::kAgency,
                                  .login = login,
                                  .display_name = login,
                                  .grants = {{std::string(scope), access::Jurisdiction{}}},
                                  .consumer = consumer,
                                  .source_agency = source_agency},
                                 clock_.Now());
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    auto key = identity_->IssueApiKey(login, "contract test", clock_.Now());
    EXPECT_TRUE(key.ok()) << key.status().ToString();
    return key.ok() ? key->token : "";
  }

  // Who may call an operation: the agency or officer its scope is for.
  const std::string& CallerFor(const Operation& operation) const {
    std::string scope = operation.Scope();
    if (scope == access::scope::kMeasureCheck) return border_;
    if (scope == access::scope::kMeasureLift) return national_;
    if (scope == access::scope::kFeedUpload) return interior_;
    if (scope == access::scope::kMailTracking) return postal_;
    return auditor_;
  }

  // Sends a request for the documented operation `key`, checks the request against the
  // document (path, query parameters, media type, body) and the answer against it (status
  // listed and expected, media type documented, body valid, required headers present), and
  // returns it.
  Reply Call(const std::string& key, const std::string& target, const std::string& body,
             const std::string& token, unsigned expected_status, Headers headers = {}) {
    SCOPED_TRACE(key + " → " + target);
    static const std::map<std::string, Operation> operations = DocumentedOperations();
    auto found = operations.find(key);
    if (found == operations.end()) {
      ADD_FAILURE() << key << " is not documented";
      return Reply();
    }
    const Operation& operation = found->second;
    std::string media_type = "application/json";  // what the client sends without one
    for (const auto& [name, value] : headers) {
      if (beast::iequals(name, "Content-Type")) media_type = MediaType(value);
    }
    CheckRequest(operation, target, body, media_type, expected_status);
    bhttp::verb method = bhttp::string_to_verb(key.substr(0, key.find(' ')));
    Reply reply = Send(method, target, body, token, std::move(headers));
    EXPECT_EQ(reply.status, expected_status) << reply.body;
    CheckReply(operation, reply);
    if (reply.status == expected_status) covered_.insert(key);
    return reply;
  }

  void CheckRequest(const Operation& operation, const std::string& target, const std::string& body,
                    const std::string& media_type, unsigned expected_status) {
    boost::urls::url_view url = boost::urls::parse_origin_form(target).value();
    EXPECT_TRUE(PathMatches(operation.path, url.path())) << "the target is not on this path";
    std::vector<const json::object*> parameters = operation.Parameters();
    for (const auto& parameter : url.params()) {
      bool documented = false;
      for (const json::object* each : parameters) {
        documented = documented || (each->at("in").as_string() == "query" &&
                                    each->at("name").as_string() == parameter.key);
      }
      EXPECT_TRUE(documented) << "query parameter '" << parameter.key << "' is not documented";
    }
    if (body.empty()) return;
    ASSERT_TRUE(operation.HasBody()) << "a body is sent but none is documented";
    const json::value* media = RequestContent(operation).if_contains(media_type);
    if (media == nullptr) {
      // Only a request meant to be refused may use an undocumented media type.
      EXPECT_GE(expected_status, 400u)
          << "request media type " << media_type << " is not documented";
      return;
    }
    if (media_type != "application/json") return;
    boost::system::error_code error;
    json::value parsed = json::parse(body, error);
    if (error) return;  // a deliberately malformed body
    std::vector<std::string> problems = checker_.Check(media->at("schema"), parsed);
    // Bodies sent to provoke a 400 may break the schema; valid ones must satisfy it.
    if (!problems.empty()) rejected_bodies_.insert(body);
  }

  static const json::object& RequestContent(const Operation& operation) {
    return Resolve(operation.object->at("requestBody")).at("content").as_object();
  }
  // The schema of a JSON-object request body, or null when the body is something else.
  static const json::value* ObjectRequestSchema(const Operation& operation) {
    if (!operation.HasBody()) return nullptr;
    const json::value* media = RequestContent(operation).if_contains("application/json");
    if (media == nullptr) return nullptr;
    const json::value& schema = Resolve(media->at("schema"));
    return schema.at("type") == "object" ? &media->at("schema") : nullptr;
  }
  // The documented example of a request body, serialised; empty without one.
  static std::string ExampleBody(const Operation& operation) {
    if (!operation.HasBody()) return "";
    const json::value* media = RequestContent(operation).if_contains("application/json");
    const json::value* example = media ? media->as_object().if_contains("example") : nullptr;
    return example ? json::serialize(*example) : "";
  }

  void CheckReply(const Operation& operation, const Reply& reply) {
    const json::object& responses = operation.object->at("responses").as_object();
    std::string status = std::to_string(reply.status);
    ASSERT_TRUE(responses.contains(status))
        << "status " << status << " is not documented: " << reply.body;
    const json::object& response = Resolve(responses.at(status)).as_object();
    if (const json::value* headers = response.if_contains("headers")) {
      for (const auto& header : headers->as_object()) {
        const json::value& definition = Resolve(header.value());
        const json::value* required = definition.as_object().if_contains("required");
        if (required && required->as_bool()) {
          EXPECT_TRUE(reply.headers.find(header.key()) != reply.headers.end())
              << "header " << header.key() << " is documented as always present";
        }
      }
    }
    const json::value* content = response.if_contains("content");
    if (content == nullptr) {
      EXPECT_TRUE(reply.body.empty()) << "no content is documented";
      return;
    }
    std::string media_type = MediaType(reply.headers[bhttp::field::content_type]);
    const json::value* media = content->as_object().if_contains(media_type);
    ASSERT_NE(media, nullptr) << "media type '" << media_type << "' is not documented for "
                              << status;
    if (const json::value* line_schema = media->as_object().if_contains("x-muster-line-schema")) {
      for (const json::value& line : NdjsonLines(reply.body, status)) {
        std::vector<std::string> problems = checker_.Check(*line_schema, line);
        EXPECT_TRUE(problems.empty())
            << "a line of the " << status << " body breaks its schema:" << Joined(problems) << "\n"
            << json::serialize(line);
      }
      return;
    }
    json::value body = json::string(reply.body);
    if (media_type == "application/json" || media_type == "application/problem+json") {
      ASSERT_FALSE(reply.json.is_null()) << "not JSON: " << reply.body;
      body = reply.json;
    }
    std::vector<std::string> problems = checker_.Check(media->at("schema"), body);
    EXPECT_TRUE(problems.empty()) << "the " << status
                                  << " body breaks its schema:" << Joined(problems) << "\n"
                                  << reply.body;
  }

  static bool PathMatches(std::string_view pattern, std::string_view path) {
    auto segments = [](std::string_view text) {
      std::vector<std::string_view> parts;
      for (size_t at = 1; at <= text.size();) {
        size_t slash = std::min(text.find('/', at), text.size());
        parts.push_back(text.substr(at, slash - at));
        at = slash + 1;
      }
      return parts;
    };
    std::vector<std::string_view> want = segments(pattern), have = segments(path);
    if (want.size() != have.size()) return false;
    for (size_t i = 0; i < want.size(); ++i) {
      if (!want[i].starts_with("{") && want[i] != have[i]) return false;
    }
    return true;
  }

  int64_t Id(const Reply& reply, std::string_view name) {
    const json::value* value = reply.json.is_object() ? reply.object().if_contains(name) : nullptr;
    EXPECT_TRUE(value && value->is_int64()) << name << " in " << reply.body;
    return value && value->is_int64() ? value->as_int64() : 0;
  }

  // Polls the border check until the measure index shows person_'s exit ban (it follows the
  // ledger within a tail interval).
  void AwaitExitBan() {
    for (int i = 0; i < 100; ++i) {
      Reply check =
          Send(bhttp::verb::get, "/checks/persons/" + std::to_string(person_), "", border_);
      if (check.status == 200u && check.object().at("in_force").as_bool()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "the measure index never showed the exit ban";
  }

  // A webhook delivery that gave up after every attempt, without waiting hours of backoff.
  int64_t MakeDeadLetter(int64_t subscription_id) {
    int64_t now = ToUnixSeconds(clock_.Now());
    auto inserted = ExecuteSql(
        *identity_connection_,
        "INSERT INTO webhook_outbox (subscription_id, seq, idempotency_key, body, state, "
        "attempts, next_attempt_at, last_error, created_at, finished_at) VALUES ($1, 1, "
        "'border-1', '{}', 'dead', 8, $2, 'connect: Connection refused', $2, $2)",
        subscription_id, now);
    EXPECT_TRUE(inserted.ok()) << inserted.status().ToString();
    auto query = Query::Make(*identity_connection_,
                             "SELECT MAX(delivery_id) FROM webhook_outbox WHERE state = 'dead'");
    EXPECT_TRUE(query.ok());
    EXPECT_TRUE(query->Next().ok());
    return query->Int(0);
  }

  // Every kind of record the id routes need, made through the API (except the dead letter).
  Records MakeRecords() {
    Records records;
    std::string p = std::to_string(person_);
    records.summons = Id(Call("POST /summonses", "/summonses", Summons(person_), auditor_, 201,
                              {{"Idempotency-Key", "records-summons"}}),
                         "summons_id");
    std::string s = "/summonses/" + std::to_string(records.summons);
    Call("POST /summonses/{id}/marks", s + "/marks",
         R"({"channel":"in_person","mark":"signed","evidence":"signature"})", auditor_, 201);
    Reply measures =
        Call("GET /persons/{id}/measures", "/persons/" + p + "/measures", "", auditor_, 200);
    records.measure = measures.object().at("measures").as_array().at(0).at("measure_id").as_int64();
    records.excuse = Id(Call("POST /summonses/{id}/excuses", s + "/excuses",
                             R"({"reason":"illness","documents":"certificate 17"})", auditor_, 201),
                        "excuse_id");
    records.objection =
        Id(Call("POST /objections", "/objections",
                R"({"person_id":)" + p + R"(,"reason":"wrong address"})", auditor_, 201),
           "objection_id");
    Reply card =
        Call("GET /persons/{id}", "/persons/" + std::to_string(deferred_), "", auditor_, 200);
    records.ground = card.object().at("grounds").as_array().at(0).at("ground_id").as_int64();
    records.subscription = Id(
        Call("POST /webhooks", "/webhooks", R"({"url":"http://127.0.0.1:9/hook"})", border_, 201),
        "subscription_id");
    records.dead_letter = MakeDeadLetter(records.subscription);
    Reply batch = Call("POST /feeds/{agency}/batches/{sequence}", "/feeds/interior/batches/1",
                       std::string(kUncertainResidence), interior_, 201,
                       {{"Content-Type", "application/x-ndjson"}});
    EXPECT_EQ(batch.object().at("review").as_int64(), 1) << batch.body;
    Reply reviews = Call("GET /reviews", "/reviews", "", auditor_, 200);
    const json::array& open = reviews.object().at("reviews").as_array();
    records.review = open.empty() ? 0 : open.at(0).at("review_id").as_int64();
    EXPECT_NE(records.review, 0) << reviews.body;
    records.consent = Id(Call("POST /persons/{id}/consents", "/persons/" + p + "/consents",
                              R"({"channel":"sms","address":"+79101234567","evidence":"form"})",
                              auditor_, 201),
                         "consent_id");
    return records;
  }

  // `text` with the {consent_id} parameter, if any, the consent of `records`.
  static std::string WithConsent(std::string text, const Records& records) {
    if (size_t at = text.find("{consent_id}"); at != std::string::npos) {
      text.replace(at, std::string_view("{consent_id}").size(), std::to_string(records.consent));
    }
    return text;
  }

  // A target for `path` with each parameter the record of that kind.
  std::string Target(const std::string& path, const Records& records) {
    if (path == "/feeds/{agency}/batches/{sequence}") return "/feeds/interior/batches/99";
    if (size_t consent = path.find("/{consent_id}"); consent != std::string::npos) {
      return Target(path.substr(0, consent), records) + WithConsent(path.substr(consent), records);
    }
    size_t brace = path.find("{id}");
    if (brace == std::string::npos) return path;
    std::string kind = path.substr(0, brace);
    static const std::map<std::string, int64_t Records::*> kByPrefix = {
        {"/summonses/", &Records::summons},
        {"/excuses/", &Records::excuse},
        {"/objections/", &Records::objection},
        {"/grounds/", &Records::ground},
        {"/lifts/", &Records::measure},
        {"/webhooks/", &Records::subscription},
        {"/enforcement/dead-letters/", &Records::dead_letter},
        {"/reviews/", &Records::review}};
    int64_t id = 0;
    if (kind == "/persons/" || kind == "/checks/persons/") {
      id = person_;
    } else if (auto found = kByPrefix.find(kind); found != kByPrefix.end()) {
      id = records.*(found->second);
    }
    EXPECT_NE(id, 0) << "no record for " << path;
    return kind + std::to_string(id) + path.substr(brace + 4);
  }

  std::string auditor_;   // every officer scope and audit.read in RYA
  std::string national_;  // every officer scope everywhere
  std::string border_;    // the border agency's API key (measure.check)
  std::string interior_;  // the interior ministry's API key (feed.upload)
  std::string postal_;    // the postal operator's API key (mail.tracking)
  SchemaChecker checker_;
  std::set<std::string> covered_;          // operations answered with the expected status
  std::set<std::string> rejected_bodies_;  // bodies the documented request schema refuses
};

TEST_F(OpenApiTest, EveryDocumentedOperationAnswersAsDocumented) {
  Start();
  std::string p = std::to_string(person_);
  using K = Headers;

  Call("GET /health", "/health", "", "", 200);
  Call("GET /metrics", "/metrics", "", "", 200);
  Reply document = Call("GET /openapi.json", "/openapi.json", "", "", 200);
  EXPECT_TRUE(document.body == http::OpenApiDocument()) << "GET /openapi.json is not the document";
  Call("GET /profile", "/profile", "", "", 200);
  Reply form = Call("GET /verify", "/verify", "", "", 200, {{"Accept", "text/html"}});
  EXPECT_THAT(form.body, ::testing::HasSubstr("never"));
  Reply unknown = Call("GET /verify/{code}", "/verify/RB2Q-YNPF-0CAV", "", "", 200,
                       {{"Accept", "application/json"}});
  EXPECT_FALSE(unknown.json.as_object().at("genuine").as_bool()) << unknown.body;

  auto account = identity_->CreateAccount({.kind = access::PrincipalKind::kOfficer,
                                           .login = "new.officer",
                                           .display_name = "New officer",
                                           .password = "a long enough password"},
                                          clock_.Now());
  ASSERT_TRUE(account.ok()) << account.status().ToString();
  std::string code = *access::TotpCode(account->totp_secret, access::TotpStep(clock_.Now()));
  Reply login =
      Call("POST /auth/login", "/auth/login",
           R"({"login":"new.officer","password":"a long enough password","totp":")" + code + "\"}",
           "", 200);
  std::string snils = testing::TestSnils(1);  // "10000000110", spelt as on the card
  Call("POST /auth/citizen/demo", "/auth/citizen/demo",
       "{\"snils\":\"" + snils.substr(0, 3) + "-" + snils.substr(3, 3) + "-" + snils.substr(6, 3) +
           " " + snils.substr(9) + "\"}",
       "", 200);
  Call("GET /auth/me", "/auth/me", "", officer_, 200);
  Call("GET /auth/me", "/auth/me", "", citizen_, 200);
  Call("GET /auth/me", "/auth/me", "", border_, 200);

  Call("GET /persons", "/persons?snils=" + snils, "", auditor_, 200);
  Call("GET /persons/search", "/persons/search?family_name=Ivanov&birth_date=2004-06-15", "",
       auditor_, 200);
  Call("GET /persons/{id}", "/persons/" + std::to_string(deferred_), "", auditor_, 200,
       K{{"X-Purpose", "contract test"}});

  // A summons served in person: the exit ban, which the border agency checks.
  int64_t summons = Id(Call("POST /summonses", "/summonses",
                            R"({"person_id":)" + p +
                                R"(,"channels":["portal"],"purpose":"clarification of records"})",
                            auditor_, 201, K{{"Idempotency-Key", "contract-1"}}),
                       "summons_id");
  std::string s = "/summonses/" + std::to_string(summons);
  Call("POST /summonses/{id}/marks", s + "/marks",
       R"({"channel":"in_person","mark":"signed","evidence":"signature"})", auditor_, 201);
  Reply measures =
      Call("GET /persons/{id}/measures", "/persons/" + p + "/measures", "", auditor_, 200);
  ASSERT_FALSE(measures.object().at("measures").as_array().empty()) << "nothing to check";
  int64_t measure = measures.object().at("measures").as_array()[0].at("measure_id").as_int64();
  Call("GET /persons/{id}/timeline", "/persons/" + p + "/timeline", "", auditor_, 200);
  Call("GET /persons/{id}/explain", "/persons/" + p + "/explain", "", auditor_, 200);
  // Delivery channels: a consent, a notification (which serves nothing), the consents, the
  // citizen's withdrawal, and the postal operator's events (a portal summons: refused lines).
  int64_t consent =
      Id(Call("POST /persons/{id}/consents", "/persons/" + p + "/consents",
              R"({"channel":"sms","address":"+7 (910) 123-45-67","evidence":"consent form"})",
              auditor_, 201),
         "consent_id");
  Reply notified = Call("POST /summonses/{id}/notifications", s + "/notifications",
                        R"({"channel":"sms","evidence":"gateway message 42"})", auditor_, 201);
  EXPECT_FALSE(notified.object().at("serves").as_bool()) << notified.body;
  Call("GET /persons/{id}/consents", "/persons/" + p + "/consents", "", citizen_, 200);
  Call("POST /persons/{id}/consents/{consent_id}/withdraw",
       "/persons/" + p + "/consents/" + std::to_string(consent) + "/withdraw", "", citizen_, 200);
  Reply imported = Call("POST /mail/tracking", "/mail/tracking",
                        "tracking_number,summons_id,event,at,office\n80080012345678," +
                            std::to_string(summons) + ",accepted,2026-04-01T10:00:00+03:00,390000\n",
                        postal_, 200, K{{"Content-Type", "text/csv"}});
  EXPECT_EQ(imported.object().at("errors").as_array().size(), 1u) << imported.body;
  Call("POST /mail/tracking", "/mail/tracking?format=jsonl",
       R"({"tracking_number":"80080012345678","event":"delivered","at":"2026-04-01T11:00:00+03:00"})"
       "\n",
       postal_, 200, K{{"Content-Type", "application/x-ndjson"}});
  AwaitExitBan();
  Call("GET /checks/persons/{id}", "/checks/persons/" + p, "", border_, 200,
       K{{"X-Purpose", "border crossing at Torfyanovka"}});
  Call("POST /checks/documents", "/checks/documents",
       R"({"kind":"snils","number":")" + snils + "\"}", border_, 200);
  Reply bulk = Call("POST /checks/bulk", "/checks/bulk",
                    "[" + p + "," + std::to_string(deferred_) + ",999999]", border_, 200);
  EXPECT_EQ(NdjsonLines(bulk.body, "bulk").size(), 4u) << bulk.body;
  Reply feed = Call("GET /feed", "/feed?since=0&limit=100", "", border_, 200);
  EXPECT_THAT(feed.body, HasSubstr("\"imposed\""));
  Call("GET /persons/{id}/travel-check", "/persons/" + p + "/travel-check", "", citizen_, 200);
  int64_t subscription =
      Id(Call("POST /webhooks", "/webhooks",
              R"({"url":"http://127.0.0.1:9/hook","scheme":"hmac-sha256"})", border_, 201),
         "subscription_id");
  Call("GET /webhooks", "/webhooks", "", border_, 200);
  Call("POST /webhooks/{id}/active", "/webhooks/" + std::to_string(subscription) + "/active",
       R"({"active":false})", border_, 200);

  // An excuse rejected, an appearance (which lifts the ban), the border's confirmation.
  int64_t excuse = Id(Call("POST /summonses/{id}/excuses", s + "/excuses",
                           R"({"reason":"illness","documents":"certificate 17"})", auditor_, 201),
                      "excuse_id");
  Reply detail = Call("GET /summonses/{id}", s, "", auditor_, 200);
  EXPECT_FALSE(detail.object().at("delivery_log").as_array().empty());
  Call("POST /excuses/{id}/decision", "/excuses/" + std::to_string(excuse) + "/decision",
       R"({"accepted":false,"note":"no stamp"})", auditor_, 200);
  Call("POST /summonses/{id}/appearance", s + "/appearance", "{}", auditor_, 200);
  Call("POST /lifts/{id}/confirm", "/lifts/" + std::to_string(measure) + "/confirm", "", border_,
       200);
  Call("GET /persons/{id}/lift-confirmations", "/persons/" + p + "/lift-confirmations", "",
       citizen_, 200);
  int64_t objection = Id(Call("POST /objections", "/objections",
                              R"({"person_id":)" + p + R"(,"summons_id":)" +
                                  std::to_string(summons) + R"(,"reason":"I live elsewhere"})",
                              citizen_, 201),
                         "objection_id");
  Reply pending = Call("GET /objections", "/objections?status=pending&limit=10", "", auditor_, 200);
  EXPECT_FALSE(pending.object().at("objections").as_array().empty()) << pending.body;
  Call("POST /objections/{id}/decision", "/objections/" + std::to_string(objection) + "/decision",
       R"({"upheld":false,"note":"address confirmed"})", auditor_, 200);
  Reply history =
      Call("GET /persons/{id}/summonses", "/persons/" + p + "/summonses", "", auditor_, 200);
  EXPECT_FALSE(history.object().at("objections").as_array().empty());

  // Fitness, a deferment granted and ended, a summons issued and cancelled, a batch.
  Call("POST /persons/{id}/fitness", "/persons/" + p + "/fitness",
       R"({"category":"Б","commission":"RYA-01 commission","valid_until":"2027-04-01"})", auditor_,
       200);
  int64_t ground = Id(
      Call(
          "POST /persons/{id}/grounds", "/persons/" + p + "/grounds",
          R"({"kind":"deferment","basis":"student_full_time","valid_until":"2030-06-30","evidence":"enrolment"})",
          auditor_, 201),
      "ground_id");
  Call("POST /grounds/{id}/end", "/grounds/" + std::to_string(ground) + "/end",
       R"({"reason":"expelled"})", auditor_, 200);
  int64_t second = Id(Call("POST /summonses", "/summonses", Summons(person_), auditor_, 201,
                           K{{"Idempotency-Key", "contract-2"}}),
                      "summons_id");
  Call("POST /summonses/{id}/cancel", "/summonses/" + std::to_string(second) + "/cancel",
       R"({"reason":"issued in error"})", auditor_, 200);
  Reply batch = Call("POST /summonses/batch", "/summonses/batch",
                     R"({"office":"RYA-01","min_age":18,"max_age":30,"limit":10})", auditor_, 201,
                     K{{"Idempotency-Key", "contract-batch"}});
  EXPECT_EQ(batch.object().at("refused").at("deferment").as_int64(), 1) << batch.body;

  // Oversight: a dead letter redelivered; liftings overdue (none yet).
  int64_t dead = MakeDeadLetter(subscription);
  Reply dead_letters =
      Call("GET /enforcement/dead-letters", "/enforcement/dead-letters", "", national_, 200);
  EXPECT_FALSE(dead_letters.object().at("dead_letters").as_array().empty());
  Call("POST /enforcement/dead-letters/{id}/redeliver",
       "/enforcement/dead-letters/" + std::to_string(dead) + "/redeliver", "", national_, 200);
  Call("GET /enforcement/overdue-lifts", "/enforcement/overdue-lifts", "", national_, 200);

  // A feed batch with an uncertain record, the same batch again, and the officer's review.
  K jsonl{{"Content-Type", "application/x-ndjson"}};
  Reply received = Call("POST /feeds/{agency}/batches/{sequence}", "/feeds/interior/batches/1",
                        std::string(kUncertainResidence), interior_, 201, jsonl);
  EXPECT_EQ(received.object().at("review").as_int64(), 1) << received.body;
  Call("POST /feeds/{agency}/batches/{sequence}", "/feeds/interior/batches/1",
       std::string(kUncertainResidence), interior_, 200, jsonl);
  Call("POST /feeds/{agency}/batches/{sequence}", "/feeds/interior/batches/2",
       "event,family_name,given_name,patronymic,birth_date,sex,region,address,registered_on\n"
       "residence,Иванов,Павел,Иванович,2004-06-15,M,RYA,\"Рязань, 2\",2025-01-01\n",
       interior_, 201, K{{"Content-Type", "text/csv"}});
  Reply reviews = Call("GET /reviews", "/reviews", "", auditor_, 200);
  ASSERT_FALSE(reviews.object().at("reviews").as_array().empty()) << reviews.body;
  std::string review =
      std::to_string(reviews.object().at("reviews").as_array()[0].at("review_id").as_int64());
  Call("GET /reviews/{id}", "/reviews/" + review, "", auditor_, 200);
  Call("POST /reviews/{id}/decision", "/reviews/" + review + "/decision",
       R"({"decision":"new","note":"a twin brother"})", auditor_, 200);

  Reply stats = Call("GET /stats", "/stats", "", auditor_, 200);
  EXPECT_FALSE(stats.object().at("days").as_array().empty());
  Reply log = Call("GET /persons/{id}/access-log", "/persons/" + p + "/access-log?limit=50", "",
                   auditor_, 200);
  EXPECT_FALSE(log.object().at("entries").as_array().empty());
  Call("GET /persons/{id}/access-log", "/persons/" + p + "/access-log", "", citizen_, 200);
  Call("POST /auth/logout", "/auth/logout", "", login.Text("token"), 200);

  EXPECT_TRUE(rejected_bodies_.empty())
      << "valid requests the documented request schemas refuse:" << [&] {
           std::string text;
           for (const std::string& body : rejected_bodies_) text += "\n  " + body;
           return text;
         }();
  for (const auto& [key, operation] : DocumentedOperations()) {
    EXPECT_TRUE(covered_.contains(key)) << key << " was not called with a valid request";
  }
}

TEST_F(OpenApiTest, ErrorAnswersAreDocumentedAndAreProblems) {
  Start();
  Records records = MakeRecords();
  int tried = 0;
  for (const auto& [key, operation] : DocumentedOperations()) {
    std::string target = Target(operation.path, records);
    const std::string& caller = CallerFor(operation);
    // Without credentials: 401 on every route that needs them.
    if (!operation.Public()) {
      Reply anonymous = Call(key, target, operation.HasBody() ? "{}" : "", "", 401);
      ExpectProblem(anonymous, 401, "/problems/unauthenticated");
      ++tried;
    }
    // A JSON body that does not parse, and one with a field the schema does not allow: 400.
    if (const json::value* schema = ObjectRequestSchema(operation)) {
      ExpectProblem(Call(key, target, R"({"person_id":)", caller, 400), 400,
                    "/problems/invalid-request", "body");
      ExpectProblem(Call(key, target, R"({"colour":"red"})", caller, 400), 400,
                    "/problems/invalid-request", "colour");
      EXPECT_FALSE(checker_.Check(*schema, json::parse(R"({"colour":"red"})")).empty())
          << key << ": the server refuses unknown fields, so the schema must too";
      tried += 2;
    }
    // An id that is no number, and one of no record: 400 and 404.
    if (operation.path.find("{id}") != std::string::npos) {
      size_t brace = operation.path.find("{id}");
      std::string prefix = operation.path.substr(0, brace);
      std::string suffix = WithConsent(operation.path.substr(brace + 4), records);
      std::string body = ExampleBody(operation);
      ExpectProblem(Call(key, prefix + "abc" + suffix, body, caller, 400), 400,
                    "/problems/invalid-request", "id");
      ExpectProblem(Call(key, prefix + "999999" + suffix, body, caller, 404), 404,
                    "/problems/not-found");
      tried += 2;
    }
  }
  EXPECT_GE(tried, 90);

  // Another region's officer, or a caller of the wrong kind: 403.
  std::string p = std::to_string(person_);
  std::string s = std::to_string(records.summons);
  ExpectProblem(Call("GET /persons/{id}", "/persons/" + p, "", other_region_, 403), 403,
                "/problems/forbidden");
  ExpectProblem(Call("POST /summonses/{id}/excuses", "/summonses/" + s + "/excuses",
                     R"({"reason":"illness","documents":"certificate 18"})", other_region_, 403),
                403, "/problems/forbidden");
  ExpectProblem(
      Call("POST /summonses/batch", "/summonses/batch", R"({"region":"RYA"})", other_region_, 403),
      403, "/problems/forbidden");
  ExpectProblem(Call("GET /stats", "/stats", "", citizen_, 403), 403, "/problems/forbidden");
  ExpectProblem(Call("GET /checks/persons/{id}", "/checks/persons/" + p, "", auditor_, 403), 403,
                "/problems/forbidden");
  ExpectProblem(
      Call("GET /enforcement/overdue-lifts", "/enforcement/overdue-lifts", "", auditor_, 403), 403,
      "/problems/forbidden");
  ExpectProblem(Call("POST /feeds/{agency}/batches/{sequence}", "/feeds/interior/batches/3",
                     std::string(kUncertainResidence), auditor_, 403,
                     {{"Content-Type", "application/x-ndjson"}}),
                403, "/problems/forbidden");
  ExpectProblem(Call("POST /mail/tracking", "/mail/tracking",
                     "tracking_number,summons_id,event,at,office\n", auditor_, 403,
                     {{"Content-Type", "text/csv"}}),
                403, "/problems/forbidden");
  // Unknown records named in a body or a query: 404.
  ExpectProblem(Call("GET /persons", "/persons?snils=" + testing::TestSnils(77), "", auditor_, 404),
                404, "/problems/not-found");
  ExpectProblem(Call("POST /summonses", "/summonses", R"({"person_id":999999})", auditor_, 404),
                404, "/problems/not-found");
  ExpectProblem(Call("POST /auth/citizen/demo", "/auth/citizen/demo",
                     "{\"snils\":\"" + testing::TestSnils(77) + "\"}", "", 404),
                404, "/problems/not-found");
  // A reused idempotency key, or batch sequence: 409. A refusing gate, a measure still in
  // force, a decided review: 422.
  ExpectProblem(Call("POST /summonses", "/summonses", R"({"person_id":)" + p + R"(,"place":"x"})",
                     auditor_, 409, {{"Idempotency-Key", "records-summons"}}),
                409, "/problems/idempotency-conflict");
  ExpectProblem(Call("POST /feeds/{agency}/batches/{sequence}", "/feeds/interior/batches/1",
                     "{\"event\":\"residence\"}\n", interior_, 409,
                     {{"Content-Type", "application/x-ndjson"}}),
                409, "/problems/idempotency-conflict");
  Reply refused = Call("POST /summonses", "/summonses", Summons(deferred_), auditor_, 422);
  ExpectProblem(refused, 422, "/problems/gate-refused");
  EXPECT_EQ(refused.Text("gate"), "deferment");
  ExpectProblem(Call("POST /lifts/{id}/confirm",
                     "/lifts/" + std::to_string(records.measure) + "/confirm", "", border_, 422),
                422, "/problems/precondition-failed");
  // A notification without consent to its channel: 422.
  ExpectProblem(Call("POST /summonses/{id}/notifications", "/summonses/" + s + "/notifications",
                     R"({"channel":"email","evidence":"gateway message 7"})", auditor_, 422),
                422, "/problems/precondition-failed");
  // A postal file that cannot be read at all (no event column): 400.
  ExpectProblem(Call("POST /mail/tracking", "/mail/tracking", "tracking_number,at\n1,2\n", postal_,
                     400, {{"Content-Type", "text/csv"}}),
                400, "/problems/invalid-request");
  // Malformed bulk ids and feed batches: 400.
  ExpectProblem(Call("POST /checks/bulk", "/checks/bulk", "1,x7", border_, 400,
                     {{"Content-Type", "text/plain"}}),
                400, "/problems/invalid-request");
  ExpectProblem(Call("POST /feeds/{agency}/batches/{sequence}", "/feeds/interior/batches/4",
                     std::string(kUncertainResidence), interior_, 400,
                     {{"Content-Type", "application/json"}}),
                400, "/problems/invalid-request", "format");
  // Wrong credentials at login: 401.
  ExpectProblem(
      Call("POST /auth/login", "/auth/login",
           R"({"login":"ryazan.officer","password":"wrong password!!","totp":"000000"})", "", 401),
      401, "/problems/unauthenticated");
}

TEST_F(OpenApiTest, RateLimitedAnswersAreDocumented) {
  Start({.rate_limit = 1, .rate_burst = 1});
  Call("GET /health", "/health", "", "", 200);
  Reply limited = Call("GET /health", "/health", "", "", 429);
  ExpectProblem(limited, 429, "/problems/rate-limited");
}

}  // namespace
}  // namespace muster
