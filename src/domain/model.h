// The vocabulary of the registry: sexes, fitness categories, delivery channels, measures and
// summons states, each with the stable lower-case name used in events, the store and the CLI.
//
// Pure: no I/O. Parsing functions return kInvalidArgument naming the field, so a bad value on
// the command line or in a feed record is reported precisely.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace muster {

using PersonId = int64_t;
using SummonsId = int64_t;
using MeasureId = int64_t;

enum class Sex { kMale, kFemale };
std::string_view SexName(Sex sex);  // "M", "F"
Result<Sex> ParseSex(std::string_view text, std::string_view field);

// Fitness categories of the military-medical commission (DESIGN.md §5).
enum class FitnessCategory { kA, kB, kV, kG, kD };
inline constexpr std::array<FitnessCategory, 5> kAllFitnessCategories = {
    FitnessCategory::kA, FitnessCategory::kB, FitnessCategory::kV, FitnessCategory::kG,
    FitnessCategory::kD};
std::string_view FitnessCategoryName(FitnessCategory category);  // "А" … "Д" (Cyrillic)
std::string_view FitnessCategoryLatin(FitnessCategory category);  // "A", "B", "V", "G", "D"
// Accepts the Cyrillic letter or its Latin transliteration.
Result<FitnessCategory> ParseFitnessCategory(std::string_view text, std::string_view field);

// How a summons reaches the citizen.
enum class Channel { kPortal, kRegisteredMail, kInPerson, kRegister };
inline constexpr std::array<Channel, 4> kAllChannels = {Channel::kPortal, Channel::kRegisteredMail,
                                                        Channel::kInPerson, Channel::kRegister};
std::string_view ChannelName(Channel channel);  // "portal", "registered_mail", "in_person", "register"
Result<Channel> ParseChannel(std::string_view text, std::string_view field);
// The mark a channel records when the registry dispatches a summons through it: "posted"
// (portal, register), "sent" (registered mail). None for in_person: the officer records the
// signature or refusal when it happens.
std::optional<std::string_view> DispatchMark(Channel channel);

// Channels that only tell the citizen a summons exists (issue 6). A notification is never
// service, under any profile, and is sent only to a person who consented to the channel.
enum class NotificationChannel { kSms, kEmail };
inline constexpr std::array<NotificationChannel, 2> kAllNotificationChannels = {
    NotificationChannel::kSms, NotificationChannel::kEmail};
std::string_view NotificationChannelName(NotificationChannel channel);  // "sms", "email"
Result<NotificationChannel> ParseNotificationChannel(std::string_view text,
                                                     std::string_view field);

// Temporary measures (DESIGN.md §1).
enum class MeasureKind {
  kExit,
  kDriving,
  kVehicleRegistration,
  kCredit,
  kRealEstate,
  kEntrepreneur,
  kSelfEmployed,
};
inline constexpr std::array<MeasureKind, 7> kAllMeasureKinds = {
    MeasureKind::kExit,   MeasureKind::kDriving,      MeasureKind::kVehicleRegistration,
    MeasureKind::kCredit, MeasureKind::kRealEstate,   MeasureKind::kEntrepreneur,
    MeasureKind::kSelfEmployed};
// "exit", "driving", "vehicle_registration", "credit", "real_estate", "entrepreneur",
// "self_employed"
std::string_view MeasureKindName(MeasureKind kind);
Result<MeasureKind> ParseMeasureKind(std::string_view text, std::string_view field);

// Where a summons stands. Transitions are made only by the lifecycle engine.
enum class SummonsStatus {
  kIssued,     // created; no service event that counts yet
  kServed,     // served by a channel or deemed served
  kAppeared,   // the person appeared
  kExcused,    // a valid excuse was accepted
  kCancelled,  // withdrawn by the office, or by a gate that appeared after issue
};
std::string_view SummonsStatusName(SummonsStatus status);
Result<SummonsStatus> ParseSummonsStatus(std::string_view text, std::string_view field);

}  // namespace muster
