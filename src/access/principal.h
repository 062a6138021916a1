// Who is calling, and what they may do where.
//
// A Principal is an authenticated caller: an officer, an agency system, a citizen or an
// administrator. Officers and agencies act through grants — a scope ("summons.issue") with a
// jurisdiction (one office, one region, or all). Citizens hold no grants: they may read and
// act on their own record only (DESIGN.md §2, least privilege per role and per region).
//
// Authorisation is a pure function of the principal and the place of the record it touches,
// so every route asks the same question the same way and tests can ask it directly.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "domain/model.h"

namespace muster::access {

// The scopes Muster knows. Each route names the one it needs (docs/HTTP.md).
namespace scope {
inline constexpr std::string_view kPersonRead = "person.read";
inline constexpr std::string_view kSummonsIssue = "summons.issue";
inline constexpr std::string_view kSummonsCancel = "summons.cancel";
inline constexpr std::string_view kServiceRecord = "service.record";
inline constexpr std::string_view kAppearanceRecord = "appearance.record";
inline constexpr std::string_view kExcuseFile = "excuse.file";
inline constexpr std::string_view kExcuseDecide = "excuse.decide";
inline constexpr std::string_view kObjectionFile = "objection.file";
inline constexpr std::string_view kObjectionDecide = "objection.decide";
inline constexpr std::string_view kGroundGrant = "ground.grant";
inline constexpr std::string_view kFitnessDecide = "fitness.decide";
inline constexpr std::string_view kMeasureLift = "measure.lift";
inline constexpr std::string_view kMeasureCheck = "measure.check";
inline constexpr std::string_view kReviewMatch = "review.match";
inline constexpr std::string_view kFeedUpload = "feed.upload";
inline constexpr std::string_view kAuditRead = "audit.read";
inline constexpr std::string_view kDocumentPrint = "document.print";
// Delivery channels (issue 6, docs/DOCUMENTS.md): the postal operator's tracking events (an
// `all` grant: a file names summonses anywhere), consent to notifications by sms and e-mail,
// and the notifications themselves (never service, so apart from service.record).
inline constexpr std::string_view kMailTracking = "mail.tracking";
inline constexpr std::string_view kConsentRecord = "consent.record";
inline constexpr std::string_view kNotificationRecord = "notification.record";
}  // namespace scope

// Every scope, for validation and documentation.
const std::vector<std::string_view>& AllScopes();
// Scopes a citizen holds over their own record.
bool CitizenMayOnOwnRecord(std::string_view scope);

enum class PrincipalKind { kOfficer, kAgency, kCitizen, kAdmin };
std::string_view PrincipalKindName(PrincipalKind kind);  // "officer", "agency", "citizen", "admin"
Result<PrincipalKind> ParsePrincipalKind(std::string_view text, std::string_view field);

// Where a grant applies.
struct Jurisdiction {
  enum class Level { kOffice, kRegion, kAll };
  Level level = Level::kAll;
  std::string code;  // the office ("RYA-01") or region ("RYA"); empty for kAll

  // "all", "region:RYA", "office:RYA-01"; the region or office must exist.
  static Result<Jurisdiction> Parse(std::string_view text, std::string_view field);
  std::string ToString() const;
  bool Covers(std::string_view region, std::string_view office) const;
};

struct Grant {
  std::string scope;
  Jurisdiction jurisdiction;
};

// Where a record lives: what jurisdictions are checked against.
struct RecordPlace {
  PersonId person_id = 0;
  std::string region;
  std::string office;
};

struct Principal {
  int64_t account_id = 0;
  PrincipalKind kind = PrincipalKind::kOfficer;
  std::string login;
  std::string display_name;
  std::vector<Grant> grants;
  std::optional<PersonId> person_id;  // citizens: their own record
  std::string consumer;               // agencies: the enforcement consumer they are
  std::string source_agency;          // agencies: the feed they send, if any
  int64_t credential_id = 0;          // the session or key used
  Instant expires_at{};

  // "officer:ivanova" — what journals record as the actor.
  std::string Actor() const;
  bool HasScope(std::string_view scope) const;
  // May act with `scope` on the record at `place`? kPermissionDenied says why not.
  Status Authorize(std::string_view scope, const RecordPlace& place) const;
  // May act with `scope` on every record of an area (a batch selection)? An absent region or
  // office means "anywhere", which only an 'all' grant covers.
  Status AuthorizeArea(std::string_view scope, const std::optional<std::string>& region,
                       const std::optional<std::string>& office) const;
  // Needs `scope` somewhere (for routes that are not about one record).
  Status RequireScope(std::string_view scope) const;
};

}  // namespace muster::access
