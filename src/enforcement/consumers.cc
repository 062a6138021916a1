#include "enforcement/consumers.h"

#include <array>
#include <string>

namespace muster::enforcement {
namespace {

constexpr std::array<Consumer, 5> kConsumers = {{
    {"border", "Border control", KindBit(MeasureKind::kExit), "border crossing"},
    {"traffic_police", "Traffic police",
     KindBit(MeasureKind::kDriving) | KindBit(MeasureKind::kVehicleRegistration),
     "driving licence or vehicle registration"},
    {"lenders", "Lenders", KindBit(MeasureKind::kCredit), "loan application"},
    {"land_registry", "Land registry", KindBit(MeasureKind::kRealEstate),
     "real-estate registration"},
    {"tax", "Tax service",
     KindBit(MeasureKind::kEntrepreneur) | KindBit(MeasureKind::kSelfEmployed),
     "entrepreneur or self-employed registration"},
}};

}  // namespace

std::string KindMaskNames(KindMask mask) {
  std::string names;
  for (MeasureKind kind : kAllMeasureKinds) {
    if ((mask & KindBit(kind)) == 0) continue;
    if (!names.empty()) names += ',';
    names += MeasureKindName(kind);
  }
  return names;
}

std::span<const Consumer> AllConsumers() { return kConsumers; }

Result<const Consumer*> FindConsumer(std::string_view id, std::string_view field) {
  for (const Consumer& consumer : kConsumers) {
    if (consumer.id == id) return &consumer;
  }
  return NotFound(std::string(field) + ": unknown consumer '" + std::string(id) + "'");
}

}  // namespace muster::enforcement
