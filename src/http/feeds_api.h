// The feeds side of the HTTP API (issue 7, docs/FEEDS.md): source agencies upload batches,
// officers work the identity-review queue.
#pragma once

#include "http/router.h"

namespace muster::http {

void AddFeedRoutes(Router& router);

}  // namespace muster::http
