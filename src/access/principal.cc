#include "access/principal.h"

#include <algorithm>

#include "domain/region.h"

namespace muster::access {

const std::vector<std::string_view>& AllScopes() {
  static const std::vector<std::string_view> scopes = {
      scope::kPersonRead,    scope::kSummonsIssue,     scope::kSummonsCancel,
      scope::kServiceRecord, scope::kAppearanceRecord, scope::kExcuseFile,
      scope::kExcuseDecide,  scope::kObjectionFile,    scope::kObjectionDecide,
      scope::kGroundGrant,   scope::kFitnessDecide,    scope::kMeasureLift,
      scope::kMeasureCheck,  scope::kReviewMatch,      scope::kFeedUpload,
      scope::kAuditRead,     scope::kDocumentPrint,    scope::kMailTracking,
      scope::kConsentRecord, scope::kNotificationRecord};
  return scopes;
}

bool CitizenMayOnOwnRecord(std::string_view scope) {
  // Reading their record, the reads of it (audit), filing excuses and objections, and giving
  // or withdrawing their consent to notifications (152-FZ art. 9: the data subject's own act).
  return scope == scope::kPersonRead || scope == scope::kExcuseFile ||
         scope == scope::kObjectionFile || scope == scope::kAuditRead ||
         scope == scope::kConsentRecord;
}

std::string_view PrincipalKindName(PrincipalKind kind) {
  switch (kind) {
    case PrincipalKind::kOfficer: return "officer";
    case PrincipalKind::kAgency: return "agency";
    case PrincipalKind::kCitizen: return "citizen";
    case PrincipalKind::kAdmin: return "admin";
  }
  return "unknown";
}

Result<PrincipalKind> ParsePrincipalKind(std::string_view text, std::string_view field) {
  for (PrincipalKind kind : {PrincipalKind::kOfficer, PrincipalKind::kAgency,
                             PrincipalKind::kCitizen, PrincipalKind::kAdmin}) {
    if (text == PrincipalKindName(kind)) return kind;
  }
  return InvalidArgument(std::string(field) + ": '" + std::string(text) +
                         "' is not officer, agency, citizen or admin");
}

Result<Jurisdiction> Jurisdiction::Parse(std::string_view text, std::string_view field) {
  Jurisdiction jurisdiction;
  if (text == "all") return jurisdiction;
  auto colon = text.find(':');
  std::string_view level = text.substr(0, colon);
  std::string_view code = colon == std::string_view::npos ? "" : text.substr(colon + 1);
  if (level == "region" && LookupRegion(code, field).ok()) {
    jurisdiction.level = Level::kRegion;
  } else if (level == "office" && RegionOfOffice(code, field).ok()) {
    jurisdiction.level = Level::kOffice;
  } else {
    return InvalidArgument(std::string(field) + ": '" + std::string(text) +
                           "' is not 'all', 'region:CODE' or 'office:CODE-NN' of a known region");
  }
  jurisdiction.code = std::string(code);
  return jurisdiction;
}

std::string Jurisdiction::ToString() const {
  switch (level) {
    case Level::kAll: return "all";
    case Level::kRegion: return "region:" + code;
    case Level::kOffice: return "office:" + code;
  }
  return "all";
}

bool Jurisdiction::Covers(std::string_view region, std::string_view office) const {
  switch (level) {
    case Level::kAll: return true;
    case Level::kRegion: return region == code;
    case Level::kOffice: return office == code;
  }
  return false;
}

std::string Principal::Actor() const {
  return std::string(PrincipalKindName(kind)) + ":" + login;
}

bool Principal::HasScope(std::string_view wanted) const {
  if (kind == PrincipalKind::kCitizen) return CitizenMayOnOwnRecord(wanted);
  return std::any_of(grants.begin(), grants.end(),
                     [&](const Grant& grant) { return grant.scope == wanted; });
}

Status Principal::RequireScope(std::string_view wanted) const {
  if (HasScope(wanted)) return Status::Ok();
  return PermissionDenied("scope: " + Actor() + " lacks '" + std::string(wanted) + "'");
}

Status Principal::Authorize(std::string_view wanted, const RecordPlace& place) const {
  if (kind == PrincipalKind::kCitizen) {
    if (CitizenMayOnOwnRecord(wanted) && person_id && *person_id == place.person_id) {
      return Status::Ok();
    }
    return PermissionDenied("person: a citizen may see and act on their own record only");
  }
  bool has_scope = false;
  for (const Grant& grant : grants) {
    if (grant.scope != wanted) continue;
    has_scope = true;
    if (grant.jurisdiction.Covers(place.region, place.office)) return Status::Ok();
  }
  if (!has_scope) return RequireScope(wanted);
  // Same answer whether or not the record exists elsewhere: outside the jurisdiction.
  return PermissionDenied("jurisdiction: the record is outside " + Actor() + "'s jurisdiction for '" +
                          std::string(wanted) + "'");
}

Status Principal::AuthorizeArea(std::string_view wanted, const std::optional<std::string>& region,
                                const std::optional<std::string>& office) const {
  if (kind == PrincipalKind::kCitizen) return RequireScope("*area*");
  bool has_scope = false;
  for (const Grant& grant : grants) {
    if (grant.scope != wanted) continue;
    has_scope = true;
    const Jurisdiction& where = grant.jurisdiction;
    if (where.level == Jurisdiction::Level::kAll) return Status::Ok();
    if (where.level == Jurisdiction::Level::kRegion && region && *region == where.code) {
      return Status::Ok();
    }
    if (where.level == Jurisdiction::Level::kRegion && office) {
      auto office_region = RegionOfOffice(*office, "office");
      if (office_region.ok() && (*office_region)->code == where.code) return Status::Ok();
    }
    if (where.level == Jurisdiction::Level::kOffice && office && *office == where.code) {
      return Status::Ok();
    }
  }
  if (!has_scope) return RequireScope(wanted);
  return PermissionDenied("jurisdiction: the selection reaches outside " + Actor() +
                          "'s jurisdiction for '" + std::string(wanted) +
                          "'; narrow it by region or office");
}

}  // namespace muster::access
