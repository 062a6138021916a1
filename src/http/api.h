// Muster's HTTP routes: JSON in and out over the Registry.
//
//   GET  /health                       {"status":"ok"}
//   GET  /metrics                      Prometheus text
//   GET  /profile                      the active rule profile, summarised
//   GET  /persons?KIND=VALUE           a person card, looked up by one identifier
//   GET  /persons/{id}                 a person card
//   GET  /persons/{id}/timeline        the person's timeline as lines
//   GET  /persons/{id}/explain         why each measure is or is not in force
//   GET  /persons/{id}/measures        the person's measures
//   POST /summonses                    issue a summons (Idempotency-Key header) → 201
//   POST /summonses/{id}/marks         record a channel's service mark → 201
//   POST /summonses/{id}/appearance    record the person's appearance
//
// Bodies are validated strictly: malformed JSON, a missing, mistyped or unknown field is a 400
// problem naming the field. docs/HTTP.md documents each route.
#pragma once

#include "http/metrics.h"
#include "http/router.h"

namespace muster::http {

// The route table. `metrics` must outlive the router.
Router MakeApiRouter(const Metrics& metrics);

}  // namespace muster::http
