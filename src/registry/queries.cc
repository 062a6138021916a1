#include "registry/queries.h"

#include <boost/json.hpp>

#include <algorithm>

namespace muster {
namespace {

CivilDate Date(const Query& query, int column) {
  return FromEpochDays(static_cast<int32_t>(query.Int(column)));
}
std::optional<CivilDate> OptionalDate(const Query& query, int column) {
  if (query.IsNull(column)) return std::nullopt;
  return Date(query, column);
}
std::optional<Instant> OptionalInstant(const Query& query, int column) {
  if (query.IsNull(column)) return std::nullopt;
  return FromUnixSeconds(query.Int(column));
}

// Runs a one-row location query; `what` names the record in the kNotFound message.
Result<RecordLocation> Locate(Connection& connection, std::string_view sql, int64_t id,
                              std::string_view what) {
  ASSIGN_OR_RETURN(Query query, Query::Make(connection, sql));
  query.Bind(id);
  ASSIGN_OR_RETURN(bool found, query.Next());
  if (!found) return NotFound(std::string(what) + ": no " + std::string(what) + " " + std::to_string(id));
  return RecordLocation{query.Int(0), query.Text(1), query.Text(2)};
}

}  // namespace

Result<PersonId> FindPersonByIdentifier(Connection& connection, IdentifierKind kind,
                                        std::string_view raw) {
  ASSIGN_OR_RETURN(std::string canonical, NormalizeIdentifier(kind, raw));
  ASSIGN_OR_RETURN(Query query,
                   Query::Make(connection, "SELECT person_id FROM person_identifiers "
                                           "WHERE kind = $1 AND value = $2"));
  query.Bind(IdentifierKindName(kind)).Bind(canonical);
  ASSIGN_OR_RETURN(bool found, query.Next());
  if (!found) {
    return NotFound("person: no person with " + std::string(IdentifierKindName(kind)) + " " +
                    canonical);
  }
  return query.Int(0);
}

Result<RecordLocation> LocatePerson(Connection& connection, PersonId person_id) {
  return Locate(connection, "SELECT person_id, region, office FROM persons WHERE person_id = $1",
                person_id, "person");
}

Result<RecordLocation> LocateSummons(Connection& connection, SummonsId summons_id) {
  return Locate(connection,
                "SELECT p.person_id, p.region, p.office FROM summonses s JOIN persons p "
                "ON p.person_id = s.person_id WHERE s.summons_id = $1",
                summons_id, "summons");
}

Result<RecordLocation> LocateExcuse(Connection& connection, int64_t excuse_id) {
  return Locate(connection,
                "SELECT p.person_id, p.region, p.office FROM excuses e JOIN persons p "
                "ON p.person_id = e.person_id WHERE e.excuse_id = $1",
                excuse_id, "excuse");
}

Result<RecordLocation> LocateObjection(Connection& connection, int64_t objection_id) {
  return Locate(connection,
                "SELECT p.person_id, p.region, p.office FROM objections o JOIN persons p "
                "ON p.person_id = o.person_id WHERE o.objection_id = $1",
                objection_id, "objection");
}

Result<RecordLocation> LocateGround(Connection& connection, int64_t ground_id) {
  return Locate(connection,
                "SELECT p.person_id, p.region, p.office FROM grounds g JOIN persons p "
                "ON p.person_id = g.person_id WHERE g.ground_id = $1",
                ground_id, "ground");
}

Result<PersonCard> ReadPersonCard(Connection& connection, PersonId person_id) {
  PersonCard card;
  {
    ASSIGN_OR_RETURN(Query query,
                     Query::Make(connection,
                                 "SELECT family_name, given_name, patronymic, family_name_latin, "
                                 "given_name_latin, patronymic_latin, sex, birth_date, region, "
                                 "office, has_portal_account, fitness, fitness_until, status, "
                                 "source FROM persons WHERE person_id = $1"));
    query.Bind(person_id);
    ASSIGN_OR_RETURN(bool found, query.Next());
    if (!found) return NotFound("person: no person " + std::to_string(person_id));
    card.person_id = person_id;
    card.family_name = query.Text(0);
    card.given_name = query.Text(1);
    card.patronymic = query.Text(2);
    card.family_name_latin = query.Text(3);
    card.given_name_latin = query.Text(4);
    card.patronymic_latin = query.Text(5);
    card.sex = query.Text(6);
    card.birth_date = Date(query, 7);
    card.region = query.Text(8);
    card.office = query.Text(9);
    card.has_portal_account = query.Int(10) != 0;
    card.fitness = query.OptionalText(11);
    card.fitness_until = OptionalDate(query, 12);
    card.status = query.Text(13);
    card.source = query.Text(14);
  }
  {
    ASSIGN_OR_RETURN(Query query,
                     Query::Make(connection, "SELECT kind, value FROM person_identifiers WHERE "
                                             "person_id = $1 ORDER BY kind, value"));
    query.Bind(person_id);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, query.Next());
      if (!row) break;
      card.identifiers.emplace_back(query.Text(0), query.Text(1));
    }
  }
  ASSIGN_OR_RETURN(Query query,
                   Query::Make(connection,
                               "SELECT ground_id, kind, basis, valid_from, valid_until, evidence, "
                               "ended_at, end_reason FROM grounds WHERE person_id = $1 "
                               "ORDER BY ground_id"));
  query.Bind(person_id);
  for (;;) {
    ASSIGN_OR_RETURN(bool row, query.Next());
    if (!row) break;
    card.grounds.push_back({.ground_id = query.Int(0),
                            .kind = query.Text(1),
                            .basis = query.Text(2),
                            .valid_from = Date(query, 3),
                            .valid_until = OptionalDate(query, 4),
                            .evidence = query.Text(5),
                            .ended_at = OptionalInstant(query, 6),
                            .end_reason = query.OptionalText(7).value_or("")});
  }
  return card;
}

Result<std::vector<MeasureRow>> ReadMeasures(Connection& connection, PersonId person_id) {
  ASSIGN_OR_RETURN(Query query,
                   Query::Make(connection,
                               "SELECT measure_id, summons_id, kind, rule_id, legal_basis, "
                               "profile_version, start_at, lifted_at, lift_reason "
                               "FROM measures WHERE person_id = $1 ORDER BY measure_id"));
  query.Bind(person_id);
  std::vector<MeasureRow> measures;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, query.Next());
    if (!row) break;
    measures.push_back({.measure_id = query.Int(0),
                        .summons_id = query.Int(1),
                        .kind = query.Text(2),
                        .rule_id = query.Text(3),
                        .legal_basis = query.Text(4),
                        .profile_version = query.Text(5),
                        .start_at = FromUnixSeconds(query.Int(6)),
                        .lifted_at = OptionalInstant(query, 7),
                        .lift_reason = query.OptionalText(8).value_or("")});
  }
  return measures;
}

namespace {

constexpr std::string_view kSummonsColumns =
    "SELECT summons_id, person_id, batch, purpose, office, place, appearance_at, legal_basis, "
    "profile_version, issued_at, status, served_at, served_rule, closed_at, close_reason, "
    "verification_code FROM summonses ";

SummonsRow SummonsFromRow(const Query& query) {
  return {.summons_id = query.Int(0),
          .person_id = query.Int(1),
          .batch = query.Text(2),
          .purpose = query.Text(3),
          .office = query.Text(4),
          .place = query.Text(5),
          .appearance_at = FromUnixSeconds(query.Int(6)),
          .legal_basis = query.Text(7),
          .profile_version = query.Text(8),
          .issued_at = FromUnixSeconds(query.Int(9)),
          .status = query.Text(10),
          .served_at = OptionalInstant(query, 11),
          .served_rule = query.OptionalText(12),
          .closed_at = OptionalInstant(query, 13),
          .close_reason = query.OptionalText(14).value_or(""),
          .verification_code = query.OptionalText(15)};
}

Status LoadDetails(Connection& connection, SummonsRow& summons) {
  {
    ASSIGN_OR_RETURN(Query query,
                     Query::Make(connection,
                                 "SELECT attempt_id, channel, mark, at, evidence, service_rule, "
                                 "serves_at, reference FROM service_attempts WHERE summons_id = "
                                 "$1 ORDER BY at, attempt_id"));
    query.Bind(summons.summons_id);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, query.Next());
      if (!row) break;
      std::string channel = query.Text(1);
      bool notification = ParseNotificationChannel(channel, "channel").ok();
      summons.attempts.push_back({.attempt_id = query.Int(0),
                                  .channel = std::move(channel),
                                  .mark = query.Text(2),
                                  .at = FromUnixSeconds(query.Int(3)),
                                  .evidence = query.Text(4),
                                  .service_rule = query.OptionalText(5),
                                  .serves_at = OptionalInstant(query, 6),
                                  .reference = query.OptionalText(7),
                                  .notification = notification});
    }
  }
  {
    ASSIGN_OR_RETURN(Query query,
                     Query::Make(connection,
                                 "SELECT at, outcome, rule_id, facts FROM decisions WHERE "
                                 "summons_id = $1 AND kind = 'delivery_fallback' ORDER BY "
                                 "decision_id"));
    query.Bind(summons.summons_id);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, query.Next());
      if (!row) break;
      std::string detail;
      std::error_code error;
      boost::json::value facts = boost::json::parse(query.TextView(3), error);
      if (!error && facts.is_object()) {
        if (const auto* text = facts.get_object().if_contains("detail");
            text && text->is_string()) {
          detail = std::string(text->get_string());
        }
      }
      summons.delivery_decisions.push_back({.at = FromUnixSeconds(query.Int(0)),
                                            .outcome = query.Text(1),
                                            .rule_id = query.Text(2),
                                            .detail = std::move(detail)});
    }
  }
  ASSIGN_OR_RETURN(Query query,
                   Query::Make(connection,
                               "SELECT excuse_id, reason, documents, filed_at, decided_at, "
                               "accepted, note FROM excuses WHERE summons_id = $1 "
                               "ORDER BY excuse_id"));
  query.Bind(summons.summons_id);
  for (;;) {
    ASSIGN_OR_RETURN(bool row, query.Next());
    if (!row) break;
    std::optional<int64_t> accepted = query.OptionalInt(5);
    summons.excuses.push_back({.excuse_id = query.Int(0),
                               .reason = query.Text(1),
                               .documents = query.Text(2),
                               .filed_at = FromUnixSeconds(query.Int(3)),
                               .decided_at = OptionalInstant(query, 4),
                               .accepted = accepted ? std::optional<bool>(*accepted != 0)
                                                    : std::nullopt,
                               .note = query.OptionalText(6).value_or("")});
  }
  return Status::Ok();
}

}  // namespace

Result<SummonsRow> ReadSummons(Connection& connection, SummonsId summons_id) {
  SummonsRow summons;
  {
    ASSIGN_OR_RETURN(Query query, Query::Make(connection, std::string(kSummonsColumns) +
                                                              "WHERE summons_id = $1"));
    query.Bind(summons_id);
    ASSIGN_OR_RETURN(bool found, query.Next());
    if (!found) return NotFound("summons: no summons " + std::to_string(summons_id));
    summons = SummonsFromRow(query);
  }
  RETURN_IF_ERROR(LoadDetails(connection, summons));
  return summons;
}

Result<std::vector<SummonsRow>> ReadSummonsesOfPerson(Connection& connection, PersonId person_id) {
  std::vector<SummonsRow> summonses;
  {
    ASSIGN_OR_RETURN(Query query, Query::Make(connection, std::string(kSummonsColumns) +
                                                              "WHERE person_id = $1 "
                                                              "ORDER BY summons_id"));
    query.Bind(person_id);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, query.Next());
      if (!row) break;
      summonses.push_back(SummonsFromRow(query));
    }
  }
  for (SummonsRow& summons : summonses) RETURN_IF_ERROR(LoadDetails(connection, summons));
  return summonses;
}

Result<std::vector<ObjectionRow>> ReadObjectionsOfPerson(Connection& connection,
                                                         PersonId person_id) {
  ASSIGN_OR_RETURN(Query query,
                   Query::Make(connection,
                               "SELECT objection_id, summons_id, reason, filed_at, decided_at, "
                               "upheld FROM objections WHERE person_id = $1 "
                               "ORDER BY objection_id"));
  query.Bind(person_id);
  std::vector<ObjectionRow> objections;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, query.Next());
    if (!row) break;
    std::optional<int64_t> upheld = query.OptionalInt(5);
    objections.push_back({.objection_id = query.Int(0),
                          .summons_id = query.OptionalInt(1),
                          .reason = query.Text(2),
                          .filed_at = FromUnixSeconds(query.Int(3)),
                          .decided_at = OptionalInstant(query, 4),
                          .upheld = upheld ? std::optional<bool>(*upheld != 0) : std::nullopt});
  }
  return objections;
}

Result<std::vector<PendingObjection>> ReadPendingObjections(Connection& connection, int limit) {
  ASSIGN_OR_RETURN(Query query,
                   Query::Make(connection,
                               "SELECT o.objection_id, o.summons_id, o.reason, o.filed_at, "
                               "p.person_id, p.region, p.office FROM objections o JOIN persons p "
                               "ON p.person_id = o.person_id WHERE o.decided_at IS NULL "
                               "ORDER BY o.objection_id LIMIT $1"));
  query.Bind(static_cast<int64_t>(limit));
  std::vector<PendingObjection> pending;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, query.Next());
    if (!row) break;
    pending.push_back({.location = {query.Int(4), query.Text(5), query.Text(6)},
                       .row = {.objection_id = query.Int(0),
                               .summons_id = query.OptionalInt(1),
                               .reason = query.Text(2),
                               .filed_at = FromUnixSeconds(query.Int(3))}});
  }
  return pending;
}

Result<std::vector<ConsentRow>> ReadConsentsOfPerson(Connection& connection, PersonId person_id) {
  ASSIGN_OR_RETURN(Query query,
                   Query::Make(connection,
                               "SELECT consent_id, channel, address, evidence, given_at, "
                               "withdrawn_at, withdrawal_evidence FROM notification_consents "
                               "WHERE person_id = $1 ORDER BY consent_id"));
  query.Bind(person_id);
  std::vector<ConsentRow> consents;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, query.Next());
    if (!row) break;
    consents.push_back({.consent_id = query.Int(0),
                        .channel = query.Text(1),
                        .address = query.Text(2),
                        .evidence = query.Text(3),
                        .given_at = FromUnixSeconds(query.Int(4)),
                        .withdrawn_at = OptionalInstant(query, 5),
                        .withdrawal_evidence = query.OptionalText(6).value_or("")});
  }
  return consents;
}

Result<std::vector<PersonSummary>> SearchPersons(Connection& connection,
                                                 const PersonSearch& search) {
  if (search.family_name.empty()) return InvalidArgument("family_name: is required");
  if (search.limit < 1 || search.limit > 500) {
    return InvalidArgument("limit: must be between 1 and 500");
  }
  // Two index-backed halves (Cyrillic and Latin spelling) rather than one OR over both.
  std::vector<PersonSummary> found;
  for (std::string_view column : {"family_name", "family_name_latin"}) {
    std::string sql =
        "SELECT person_id, family_name, given_name, patronymic, birth_date, region, office "
        "FROM persons WHERE " + std::string(column) + " = $1";
    int next = 2;
    if (search.birth_date) sql += " AND birth_date = $" + std::to_string(next++);
    if (search.given_name) {
      sql += " AND (given_name = $" + std::to_string(next) + " OR given_name_latin = $" +
             std::to_string(next) + ")";
      ++next;
    }
    sql += " ORDER BY person_id LIMIT $" + std::to_string(next);
    ASSIGN_OR_RETURN(Query query, Query::Make(connection, sql));
    query.Bind(search.family_name);
    if (search.birth_date) query.Bind(static_cast<int64_t>(ToEpochDays(*search.birth_date)));
    if (search.given_name) query.Bind(*search.given_name);
    query.Bind(static_cast<int64_t>(search.limit));
    for (;;) {
      ASSIGN_OR_RETURN(bool row, query.Next());
      if (!row) break;
      PersonId id = query.Int(0);
      bool seen = false;
      for (const PersonSummary& summary : found) seen = seen || summary.person_id == id;
      if (seen) continue;
      found.push_back({.person_id = id,
                       .family_name = query.Text(1),
                       .given_name = query.Text(2),
                       .patronymic = query.Text(3),
                       .birth_date = Date(query, 4),
                       .region = query.Text(5),
                       .office = query.Text(6)});
    }
  }
  std::sort(found.begin(), found.end(),
            [](const PersonSummary& a, const PersonSummary& b) { return a.person_id < b.person_id; });
  if (found.size() > static_cast<size_t>(search.limit)) found.resize(search.limit);
  return found;
}

Result<CampaignSeries> ReadCampaignSeries(Connection& connection, Instant now) {
  std::map<int64_t, CampaignDay> days;
  auto per_day = [&](std::string_view sql, auto apply) -> Status {
    ASSIGN_OR_RETURN(Query query, Query::Make(connection, sql));
    for (;;) {
      ASSIGN_OR_RETURN(bool row, query.Next());
      if (!row) break;
      int64_t day = query.Int(0);
      CampaignDay& entry = days[day];
      entry.day = FromEpochDays(static_cast<int32_t>(day));
      apply(entry, query);
    }
    return Status::Ok();
  };
  RETURN_IF_ERROR(per_day("SELECT issued_at / 86400, COUNT(*) FROM summonses GROUP BY 1",
                          [](CampaignDay& day, const Query& q) { day.issued = q.Int(1); }));
  RETURN_IF_ERROR(per_day(
      "SELECT s.served_at / 86400, a.channel, COUNT(*) FROM summonses s JOIN service_attempts a "
      "ON a.attempt_id = s.served_attempt WHERE s.served_at IS NOT NULL GROUP BY 1, 2",
      [](CampaignDay& day, const Query& q) { day.served_by_channel[q.Text(1)] = q.Int(2); }));
  RETURN_IF_ERROR(per_day("SELECT at / 86400, COUNT(*) FROM appearances GROUP BY 1",
                          [](CampaignDay& day, const Query& q) { day.appeared = q.Int(1); }));
  RETURN_IF_ERROR(per_day("SELECT start_at / 86400, COUNT(*) FROM measures GROUP BY 1",
                          [](CampaignDay& day, const Query& q) { day.measures_imposed = q.Int(1); }));
  RETURN_IF_ERROR(per_day(
      "SELECT lifted_at / 86400, COUNT(*) FROM measures WHERE lifted_at IS NOT NULL GROUP BY 1",
      [](CampaignDay& day, const Query& q) { day.measures_lifted = q.Int(1); }));
  CampaignSeries series;
  for (auto& [key, day] : days) series.days.push_back(std::move(day));
  ASSIGN_OR_RETURN(Query overdue,
                   Query::Make(connection, "SELECT COUNT(*) FROM summonses WHERE status = 'served' "
                                           "AND appearance_at < $1"));
  overdue.Bind(ToUnixSeconds(now));
  ASSIGN_OR_RETURN(bool row, overdue.Next());
  series.overdue = row ? overdue.Int(0) : 0;
  return series;
}

}  // namespace muster
