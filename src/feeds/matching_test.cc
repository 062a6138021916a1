#include "feeds/matching.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/registry_fixture.h"

namespace muster::feeds {
namespace {

using ::testing::HasSubstr;
using testing::Day;

class NormalizerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = NameNormalizer::Create();
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    normalizer_ = std::move(created).value();
  }
  std::unique_ptr<NameNormalizer> normalizer_;
};

TEST_F(NormalizerTest, TransliterationVariantsOfOneNameFoldTogether) {
  const std::vector<std::vector<std::string>> groups = {
      {"Юрий", "Yuriy", "Iurii", "Jurij", "ЮРИЙ"},
      {"Щукин", "Shchukin", "Schukin"},
      {"Наталья", "Natalya", "Natal'ya", "Natalia"},
      {"Михаил", "Mikhail", "Mihail"},
      {"Алексей", "Aleksey", "Alexey", "Aleksei"},
      {"Ёлкин", "Елкин", "Yelkin", "Elkin"},
      {"Жуков", "Zhukov"},
      {"Цветков", "Tsvetkov", "Tzvetkov"},
      {"Римский-Корсаков", "Римский Корсаков", "Rimskiy-Korsakov"},
  };
  for (const auto& group : groups) {
    std::string first = normalizer_->Key(group.front());
    EXPECT_FALSE(first.empty());
    for (const std::string& name : group) {
      EXPECT_EQ(normalizer_->Key(name), first) << name << " vs " << group.front();
    }
  }
  EXPECT_NE(normalizer_->Key("Иванов"), normalizer_->Key("Петров"));
  EXPECT_EQ(normalizer_->Key(""), "");
}

TEST_F(NormalizerTest, LatinFormsKeepCase) {
  EXPECT_EQ(normalizer_->Latin("Иванов"), "Ivanov");
  EXPECT_EQ(normalizer_->Latin("Smith"), "Smith");
  EXPECT_EQ(normalizer_->TextKey("Рязань, ул. Есенина, д.5"), "ryazan ul yesenina d 5");
}

TEST(JaroWinklerTest, KnownValues) {
  EXPECT_NEAR(JaroWinkler("martha", "marhta"), 0.961, 0.001);
  EXPECT_NEAR(JaroWinkler("dwayne", "duane"), 0.84, 0.001);
  EXPECT_NEAR(JaroWinkler("dixon", "dicksonx"), 0.813, 0.001);
  EXPECT_EQ(JaroWinkler("same", "same"), 1.0);
  EXPECT_EQ(JaroWinkler("abc", "xyz"), 0.0);
}

TEST(SwappedDateTest, SwapsDayAndMonthOnlyWhenThatIsADifferentDate) {
  EXPECT_EQ(SwappedDate(ToEpochDays(Day("2001-03-04"))), ToEpochDays(Day("2001-04-03")));
  EXPECT_EQ(SwappedDate(ToEpochDays(Day("2001-03-03"))), std::nullopt);
  EXPECT_EQ(SwappedDate(ToEpochDays(Day("2001-03-24"))), std::nullopt);
}

MatchWeights Weights() {
  auto weights = LoadMatchWeights(testing::SourceDir() / "data/matching/weights.toml");
  EXPECT_TRUE(weights.ok()) << weights.status().ToString();
  return weights.ok() ? *weights : MatchWeights{};
}

TEST(MatchWeightsTest, TheShippedFileLoadsWithThresholdsInOrder) {
  MatchWeights weights = Weights();
  EXPECT_FALSE(weights.version.empty());
  EXPECT_GT(weights.upper, weights.lower);
  EXPECT_GT(weights.family_name[static_cast<size_t>(NameLevel::kExact)], 0);
  EXPECT_LT(weights.family_name[static_cast<size_t>(NameLevel::kDifferent)], 0);
  EXPECT_EQ(weights.patronymic[static_cast<size_t>(NameLevel::kMissing)], 0);
}

TEST(MatchWeightsTest, ErrorsNameTheKey) {
  auto missing = ParseMatchWeights("version = \"x\"\n[thresholds]\nupper = 1.0\n", "w.toml");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("w.toml: thresholds.lower: required key is missing"));
  auto order = ParseMatchWeights("version = \"x\"\n[thresholds]\nupper = 1.0\nlower = 2.0\n", "w.toml");
  ASSERT_FALSE(order.ok());
  EXPECT_THAT(order.status().message(), HasSubstr("thresholds.lower: must be below thresholds.upper"));
  auto syntax = ParseMatchWeights("version = \n", "w.toml");
  ASSERT_FALSE(syntax.ok());
  EXPECT_THAT(syntax.status().message(), HasSubstr("w.toml line 1"));
}

TEST_F(NormalizerTest, SamePersonScoresAboveUpperAndTwinsDoNot) {
  MatchWeights weights = Weights();
  auto subject = [&](std::string family, std::string given, std::string patronymic,
                     std::string born) {
    return MatchSubject{.family = normalizer_->Key(family),
                        .given = normalizer_->Key(given),
                        .patronymic = normalizer_->Key(patronymic),
                        .birth_days = ToEpochDays(Day(born)),
                        .sex = Sex::kMale,
                        .region = "RYA"};
  };
  MatchSubject person = subject("Кузнецов", "Дмитрий", "Сергеевич", "2003-05-07");
  Comparison same = Compare(subject("Kuznetsov", "Dmitriy", "Sergeevich", "2003-05-07"), person, weights);
  EXPECT_GE(same.weight, weights.upper) << boost::json::serialize(same.ToJson());
  Comparison typo_and_swap = Compare(subject("Кузнецев", "Дмитрий", "Сергеевич", "2003-07-05"), person, weights);
  EXPECT_EQ(typo_and_swap.birth, DateLevel::kSwapped);
  EXPECT_EQ(typo_and_swap.family, NameLevel::kClose);
  EXPECT_GE(typo_and_swap.weight, weights.upper) << boost::json::serialize(typo_and_swap.ToJson());
  Comparison twin = Compare(subject("Кузнецов", "Алексей", "Сергеевич", "2003-05-07"), person, weights);
  EXPECT_EQ(twin.given, NameLevel::kDifferent);
  EXPECT_LT(twin.weight, weights.upper);
  Comparison stranger = Compare(subject("Кудрявцев", "Олег", "Петрович", "2003-05-07"), person, weights);
  EXPECT_LE(stranger.weight, weights.lower);
}

TEST_F(NormalizerTest, BlockingFindsCandidatesByDateOrSwappedDateAndNamePrefix) {
  CandidateIndex index;
  auto subject = [&](std::string family, std::string given, std::string born) {
    return MatchSubject{.family = normalizer_->Key(family),
                        .given = normalizer_->Key(given),
                        .birth_days = ToEpochDays(Day(born))};
  };
  index.Add(1, subject("Орлов", "Олег", "2001-03-04"));
  index.Add(2, subject("Соколов", "Олег", "2001-03-04"));
  index.Add(3, subject("Орлов", "Павел", "2001-03-05"));
  auto ids = [](const std::vector<const CandidateIndex::Candidate*>& found) {
    std::vector<PersonId> out;
    for (const auto* candidate : found) out.push_back(candidate->person_id);
    return out;
  };
  EXPECT_EQ(ids(index.Block(subject("Orlov", "Igor", "2001-03-04"))), std::vector<PersonId>({1}));
  EXPECT_EQ(ids(index.Block(subject("Орлов", "Олег", "2001-04-03"))), std::vector<PersonId>({1, 2}));
  EXPECT_EQ(ids(index.Block(subject("Зайцев", "Игорь", "2001-03-04"))), std::vector<PersonId>());
}

}  // namespace
}  // namespace muster::feeds
