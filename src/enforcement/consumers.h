// The consuming agencies and the measures each one enforces (DESIGN.md §1: "each sees only
// what it enforces").
//
// The catalogue is reference data compiled into the binary, like the regions: which agency
// enforces which measure is a matter of law and changes by release. Consumer accounts in the
// store (accounts.consumer) and webhook subscriptions name a consumer by its `id`. Everything
// a consumer is told — a check answer, a feed entry, a webhook — is cut down to its `kinds`
// here and nowhere else, so minimisation is decided in one place.
//
// Pure: no I/O, thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "domain/model.h"

namespace muster::enforcement {

// A set of measure kinds as a bitmask: bit i is kAllMeasureKinds[i].
using KindMask = uint8_t;

constexpr KindMask KindBit(MeasureKind kind) {
  return static_cast<KindMask>(1u << static_cast<unsigned>(kind));
}

// "exit,driving" for a mask (kinds in kAllMeasureKinds order), "" for 0.
std::string KindMaskNames(KindMask mask);

struct Consumer {
  std::string_view id;       // "border", "traffic_police", "lenders", "land_registry", "tax"
  std::string_view title;    // "Border control"
  KindMask kinds = 0;        // the measures it enforces, and the only ones it is told about
  std::string_view purpose;  // the default purpose of its checks, for the access log
};

// The built-in consumers, in a fixed order.
std::span<const Consumer> AllConsumers();

// The consumer with `id`, or kNotFound naming `field` ("consumer: unknown consumer 'bank'").
Result<const Consumer*> FindConsumer(std::string_view id, std::string_view field = "consumer");

}  // namespace muster::enforcement
