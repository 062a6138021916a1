// The event catalogue (DESIGN.md §7): each fact of the law is one event with its evidence.
//
// Payloads are JSON objects built in a fixed field order and serialised compactly, so the
// stored text is canonical and the hash chain covers exactly what was written. Every event
// that carries a decision names the rule id and profile version it applied and the facts it
// used. Corrections are new events; nothing is ever updated in place.
#pragma once

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/time.h"

namespace muster::events {

inline constexpr std::string_view kProfileActivated = "ProfileActivated";
inline constexpr std::string_view kClockAdvanced = "ClockAdvanced";
inline constexpr std::string_view kPersonRegistered = "PersonRegistered";
inline constexpr std::string_view kFitnessDecided = "FitnessDecided";
inline constexpr std::string_view kGroundGranted = "GroundGranted";  // deferment or exemption
inline constexpr std::string_view kGroundEnded = "GroundEnded";
inline constexpr std::string_view kSummonsIssued = "SummonsIssued";
inline constexpr std::string_view kServiceAttempted = "ServiceAttempted";
inline constexpr std::string_view kSummonsServed = "SummonsServed";
inline constexpr std::string_view kSummonsCancelled = "SummonsCancelled";
inline constexpr std::string_view kAppeared = "Appeared";
inline constexpr std::string_view kExcuseFiled = "ExcuseFiled";
inline constexpr std::string_view kExcuseDecided = "ExcuseDecided";
inline constexpr std::string_view kObjectionFiled = "ObjectionFiled";
inline constexpr std::string_view kObjectionDecided = "ObjectionDecided";
inline constexpr std::string_view kMeasureImposed = "MeasureImposed";
inline constexpr std::string_view kMeasureWithheld = "MeasureWithheld";
inline constexpr std::string_view kMeasureLifted = "MeasureLifted";
// Delivery channels (issue 6, registry/delivery.cc).
inline constexpr std::string_view kConsentRecorded = "ConsentRecorded";    // to sms or email
inline constexpr std::string_view kConsentWithdrawn = "ConsentWithdrawn";
inline constexpr std::string_view kNotificationRecorded = "NotificationRecorded";  // not service
inline constexpr std::string_view kDeliveryFallback = "DeliveryFallback";  // the cascade followed
// Person records from source agencies (issue 7, registry/person_records.h).
inline constexpr std::string_view kPersonRecorded = "PersonRecorded";  // on file, not registered
inline constexpr std::string_view kAttributeRecorded = "AttributeRecorded";  // with provenance
inline constexpr std::string_view kRegistrationOpened = "RegistrationOpened";
inline constexpr std::string_view kPersonDeregistered = "PersonDeregistered";
inline constexpr std::string_view kPersonsMerged = "PersonsMerged";
inline constexpr std::string_view kPersonSplit = "PersonSplit";
inline constexpr std::string_view kMatchReviewOpened = "MatchReviewOpened";
inline constexpr std::string_view kMatchReviewClosed = "MatchReviewClosed";
inline constexpr std::string_view kFeedBatchApplied = "FeedBatchApplied";

}  // namespace muster::events

namespace muster {

// Typed reads from an event payload. A missing or mistyped field in a stored payload is
// kDataLoss: payloads are written by Muster itself, so this means corruption.
Result<int64_t> JsonInt(const boost::json::object& object, std::string_view key);
Result<std::string> JsonString(const boost::json::object& object, std::string_view key);
Result<bool> JsonBool(const boost::json::object& object, std::string_view key);
std::optional<int64_t> JsonOptionalInt(const boost::json::object& object, std::string_view key);
std::optional<std::string> JsonOptionalString(const boost::json::object& object,
                                              std::string_view key);

// A command's recorded result, {"key": value}: written at commit, read back on a replay.
std::string ResultJson(std::string_view key, int64_t value);
Result<int64_t> ResultValue(const std::string& result, std::string_view key);

}  // namespace muster
