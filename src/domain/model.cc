#include "domain/model.h"

namespace muster {
namespace {

template <typename Enum, size_t N>
Result<Enum> ParseByName(std::string_view text, std::string_view field,
                         const std::array<Enum, N>& values, std::string_view (*name)(Enum)) {
  std::string expected;
  for (Enum value : values) {
    if (name(value) == text) return value;
    if (!expected.empty()) expected += ", ";
    expected += name(value);
  }
  return InvalidArgument(std::string(field) + ": unknown value '" + std::string(text) +
                         "' (expected one of " + expected + ")");
}

constexpr std::array<SummonsStatus, 5> kAllSummonsStatuses = {
    SummonsStatus::kIssued, SummonsStatus::kServed, SummonsStatus::kAppeared,
    SummonsStatus::kExcused, SummonsStatus::kCancelled};

}  // namespace

std::string_view SexName(Sex sex) { return sex == Sex::kMale ? "M" : "F"; }

Result<Sex> ParseSex(std::string_view text, std::string_view field) {
  if (text == "M" || text == "m" || text == "М") return Sex::kMale;
  if (text == "F" || text == "f" || text == "Ж") return Sex::kFemale;
  return InvalidArgument(std::string(field) + ": unknown sex '" + std::string(text) +
                         "' (expected M or F)");
}

std::string_view FitnessCategoryName(FitnessCategory category) {
  switch (category) {
    case FitnessCategory::kA: return "А";
    case FitnessCategory::kB: return "Б";
    case FitnessCategory::kV: return "В";
    case FitnessCategory::kG: return "Г";
    case FitnessCategory::kD: return "Д";
  }
  return "?";
}

std::string_view FitnessCategoryLatin(FitnessCategory category) {
  switch (category) {
    case FitnessCategory::kA: return "A";
    case FitnessCategory::kB: return "B";
    case FitnessCategory::kV: return "V";
    case FitnessCategory::kG: return "G";
    case FitnessCategory::kD: return "D";
  }
  return "?";
}

Result<FitnessCategory> ParseFitnessCategory(std::string_view text, std::string_view field) {
  for (FitnessCategory category : kAllFitnessCategories) {
    if (text == FitnessCategoryName(category) || text == FitnessCategoryLatin(category)) {
      return category;
    }
  }
  return InvalidArgument(std::string(field) + ": unknown fitness category '" + std::string(text) +
                         "' (expected А, Б, В, Г, Д or A, B, V, G, D)");
}

std::string_view ChannelName(Channel channel) {
  switch (channel) {
    case Channel::kPortal: return "portal";
    case Channel::kRegisteredMail: return "registered_mail";
    case Channel::kInPerson: return "in_person";
    case Channel::kRegister: return "register";
  }
  return "?";
}

Result<Channel> ParseChannel(std::string_view text, std::string_view field) {
  return ParseByName(text, field, kAllChannels, &ChannelName);
}

std::optional<std::string_view> DispatchMark(Channel channel) {
  switch (channel) {
    case Channel::kPortal:
    case Channel::kRegister:
      return "posted";
    case Channel::kRegisteredMail:
      return "sent";
    case Channel::kInPerson:
      return std::nullopt;
  }
  return std::nullopt;
}

std::string_view NotificationChannelName(NotificationChannel channel) {
  switch (channel) {
    case NotificationChannel::kSms: return "sms";
    case NotificationChannel::kEmail: return "email";
  }
  return "?";
}

Result<NotificationChannel> ParseNotificationChannel(std::string_view text,
                                                     std::string_view field) {
  return ParseByName(text, field, kAllNotificationChannels, &NotificationChannelName);
}

std::string_view MeasureKindName(MeasureKind kind) {
  switch (kind) {
    case MeasureKind::kExit: return "exit";
    case MeasureKind::kDriving: return "driving";
    case MeasureKind::kVehicleRegistration: return "vehicle_registration";
    case MeasureKind::kCredit: return "credit";
    case MeasureKind::kRealEstate: return "real_estate";
    case MeasureKind::kEntrepreneur: return "entrepreneur";
    case MeasureKind::kSelfEmployed: return "self_employed";
  }
  return "?";
}

Result<MeasureKind> ParseMeasureKind(std::string_view text, std::string_view field) {
  return ParseByName(text, field, kAllMeasureKinds, &MeasureKindName);
}

std::string_view SummonsStatusName(SummonsStatus status) {
  switch (status) {
    case SummonsStatus::kIssued: return "issued";
    case SummonsStatus::kServed: return "served";
    case SummonsStatus::kAppeared: return "appeared";
    case SummonsStatus::kExcused: return "excused";
    case SummonsStatus::kCancelled: return "cancelled";
  }
  return "?";
}

Result<SummonsStatus> ParseSummonsStatus(std::string_view text, std::string_view field) {
  return ParseByName(text, field, kAllSummonsStatuses, &SummonsStatusName);
}

}  // namespace muster
