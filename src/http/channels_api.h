// The delivery channels over HTTP (issue 6, docs/DOCUMENTS.md "Channels over HTTP"):
//
//   POST /mail/tracking                                   the postal operator's tracking events
//   GET  /persons/{id}/consents                           consents to notifications
//   POST /persons/{id}/consents                           record a consent (sms or email)
//   POST /persons/{id}/consents/{consent_id}/withdraw     withdraw it
//   POST /summonses/{id}/notifications                    record a notification (never service)
//
// and the portal's first view, which the summons reads in api.cc record when the citizen opens
// their own summonses. The registry does the work (Registry::ImportPostalTracking,
// RecordConsent, WithdrawConsent, RecordNotification, RecordFirstView); these routes check
// scope and jurisdiction, journal the reads and shape the answers.
#pragma once

#include <string_view>

#include "domain/model.h"
#include "http/router.h"

namespace muster::http {

void AddChannelRoutes(Router& router);

// When the caller is the citizen `person_id` themself, records the first view of each of their
// portal-posted summonses they have not viewed yet (`only`: just that summons), at the
// registry's now, with the portal session as evidence. Call it after the read is admitted and
// before the summonses are read, so the answer shows the view. A summons that cannot be viewed
// (not posted on the portal, closed) is skipped; any other failure is logged and never fails
// the read. Does nothing for any other caller.
void RecordCitizenFirstViews(const RouteRequest& request, Registry& registry, PersonId person_id,
                             std::optional<SummonsId> only, std::string_view route);

}  // namespace muster::http
