// The delivery sections of a profile (issue 6): [summons], [notifications] and [cascade], read
// from the shipped profiles and refused precisely when they are wrong.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "rules/profile.h"
#include "testing/temp_dir.h"

namespace muster {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string ShippedText(const std::string& id) {
  std::ifstream file(muster::testing::SourceDir() / "profiles" / (id + ".toml"));
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// The ru-127fz profile with the single occurrence of `old_text` replaced by `new_text`.
std::string EditedRu(std::string_view old_text, std::string_view new_text) {
  std::string text = ShippedText("ru-127fz");
  size_t position = text.find(old_text);
  EXPECT_NE(position, std::string::npos) << "not in ru-127fz.toml: " << old_text;
  if (position != std::string::npos) text.replace(position, old_text.size(), new_text);
  return text;
}

TEST(CascadeProfileTest, RuSendsPortalAndRegisterAndFallsBackToTheRegister) {
  auto profile = ParseProfile(ShippedText("ru-127fz"), "ru-127fz.toml");
  ASSERT_TRUE(profile.ok()) << profile.status().ToString();
  EXPECT_EQ(profile->summons_rule.legal_basis, "fz53-art31-duty");
  EXPECT_THAT(profile->notification_channels,
              ElementsAre(NotificationChannel::kSms, NotificationChannel::kEmail));
  const DeliveryCascade& cascade = profile->cascade;
  EXPECT_THAT(cascade.at_issue, ElementsAre(Channel::kPortal, Channel::kRegister));
  EXPECT_THAT(cascade.otherwise, ElementsAre(Channel::kRegisteredMail));
  EXPECT_THAT(cascade.notify, ElementsAre(NotificationChannel::kSms, NotificationChannel::kEmail));
  ASSERT_TRUE(cascade.fallback.has_value());
  EXPECT_EQ(*cascade.fallback, Channel::kRegister);
  EXPECT_EQ(cascade.fallback_after_days, 3);
  EXPECT_TRUE(cascade.TriggersFallback(Channel::kRegisteredMail, "returned"));
  EXPECT_TRUE(cascade.TriggersFallback(Channel::kRegisteredMail, "addressee_absent"));
  EXPECT_FALSE(cascade.TriggersFallback(Channel::kRegisteredMail, "delivered"));
  EXPECT_EQ(cascade.rule.rule_id, "ru-127fz/delivery-cascade");
  // The portal's first view is a mark, and no service rule makes it serve.
  const ChannelRules* portal = profile->FindChannel(Channel::kPortal);
  ASSERT_NE(portal, nullptr);
  EXPECT_TRUE(portal->HasMark("viewed"));
  EXPECT_EQ(portal->FindServiceRule("viewed"), nullptr);
}

TEST(CascadeProfileTest, UaHasNoFallbackAndServesAbsentMailAfterThreeWorkingDays) {
  auto profile = ParseProfile(ShippedText("ua-mobilisation"), "ua-mobilisation.toml");
  ASSERT_TRUE(profile.ok()) << profile.status().ToString();
  EXPECT_THAT(profile->cascade.at_issue, ElementsAre(Channel::kPortal));
  EXPECT_THAT(profile->cascade.otherwise, ElementsAre(Channel::kRegisteredMail));
  EXPECT_FALSE(profile->cascade.fallback.has_value());
  const ChannelRules* mail = profile->FindChannel(Channel::kRegisteredMail);
  ASSERT_NE(mail, nullptr);
  const ServiceRule* absent = mail->FindServiceRule("addressee_absent");
  ASSERT_NE(absent, nullptr);
  EXPECT_EQ(absent->timing, ServiceTiming::kAfterWorkingDays);
  EXPECT_EQ(absent->days, 3);
  EXPECT_TRUE(mail->HasMark("accepted"));
  EXPECT_EQ(mail->FindServiceRule("returned"), nullptr);
}

// A profile written before these sections existed (a store keeps the profile text it was
// created with) loads, and issues as the registry always did.
TEST(CascadeProfileTest, WithoutTheSectionsTheOldDefaultsApply) {
  std::string text = ShippedText("ru-127fz");
  for (std::string_view section : {"[summons]", "[notifications]", "[cascade]"}) {
    size_t begin = text.find(std::string("\n") + std::string(section));
    ASSERT_NE(begin, std::string::npos) << section;
    size_t end = text.find("\n[", begin + 1);
    if (section == "[cascade]") end = text.find("\n[", text.find("[cascade.fallback_on]"));
    text.erase(begin, end - begin);
  }
  auto profile = ParseProfile(text, "old.toml");
  ASSERT_TRUE(profile.ok()) << profile.status().ToString();
  EXPECT_EQ(profile->summons_rule.legal_basis, profile->appearance_rule.legal_basis);
  EXPECT_TRUE(profile->notification_channels.empty());
  EXPECT_THAT(profile->cascade.at_issue, ElementsAre(Channel::kPortal, Channel::kRegister));
  EXPECT_THAT(profile->cascade.otherwise, ElementsAre(Channel::kRegisteredMail));
  EXPECT_FALSE(profile->cascade.fallback.has_value());
}

struct BadCascade {
  const char* name;
  const char* old_text;
  const char* new_text;
  const char* message;
};

class BadCascadeTest : public ::testing::TestWithParam<BadCascade> {};

TEST_P(BadCascadeTest, IsRefusedNamingTheField) {
  const BadCascade& test = GetParam();
  auto profile = ParseProfile(EditedRu(test.old_text, test.new_text), "ru-127fz.toml");
  ASSERT_FALSE(profile.ok());
  EXPECT_EQ(profile.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(profile.status().message(), HasSubstr(test.message));
}

INSTANTIATE_TEST_SUITE_P(
    Cascade, BadCascadeTest,
    ::testing::Values(
        BadCascade{"InPersonAtIssue", "at_issue = [\"portal\", \"register\"]",
                   "at_issue = [\"portal\", \"in_person\"]",
                   "cascade.at_issue[1]: channel 'in_person' cannot be dispatched"},
        BadCascade{"UnknownChannelAtIssue", "at_issue = [\"portal\", \"register\"]",
                   "at_issue = [\"portal\", \"pigeon\"]", "unknown value 'pigeon'"},
        BadCascade{"NotifyWithoutNotifications", "notify = [\"sms\", \"email\"]",
                   "notify = [\"sms\", \"fax\"]", "unknown value 'fax'"},
        BadCascade{"NotifyNotAllowed", "channels = [\"sms\", \"email\"]", "channels = [\"sms\"]",
                   "cascade.notify[1]: 'email' is not a channel of [notifications]"},
        BadCascade{"FallbackTriggerNotAMark",
                   "registered_mail = [\"returned\", \"addressee_absent\"]",
                   "registered_mail = [\"returned\", \"lost\"]",
                   "cascade.fallback_on.registered_mail: 'lost' is not a mark of channel registered_mail"},
        BadCascade{"FallbackDaysWithoutFallback", "fallback = \"register\"\n", "",
                   "cascade.fallback_after_days: only allowed with a fallback"},
        BadCascade{"NegativeFallbackDays", "fallback_after_days = 3", "fallback_after_days = -1",
                   "cascade.fallback_after_days: must be >= 0"},
        BadCascade{"SummonsBasisUnknown", "legal_basis = \"fz53-art31-duty\"",
                   "legal_basis = \"fz53-art99\"", "summons.legal_basis: unknown legal basis 'fz53-art99'"}),
    [](const ::testing::TestParamInfo<BadCascade>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace muster
