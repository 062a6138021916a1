#include "documents/pdf/summons_pdf.h"

#include <fontconfig/fontconfig.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pango/pangocairo.h>

#include <cstdio>
#include <sstream>
#include <vector>

#include "documents/documents_test_support.h"
#include "documents/verification_code.h"
#include "documents/verification_page.h"
#include "testing/temp_dir.h"

namespace muster {
namespace {

// Pango keeps one font map per thread; releasing it when the tests end keeps LeakSanitizer's
// report to leaks of our own. fontconfig's FcFini is not called: it asserts when a cache is
// still referenced (seen as an abort at exit under parallel ctest), which no test should risk.
class ReleaseFontCaches : public ::testing::Environment {
 public:
  void TearDown() override { pango_cairo_font_map_set_default(nullptr); }
};
const auto* const kReleaseFontCaches = ::testing::AddGlobalTestEnvironment(new ReleaseFontCaches);

// Runs a shell command and returns its standard output; fails the test on a non-zero exit.
std::string RunTool(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "cannot run " << command;
    return output;
  }
  char buffer[4096];
  size_t got = 0;
  while ((got = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, got);
  int status = pclose(pipe);
  EXPECT_EQ(status, 0) << command << " (the tools come from poppler-utils and zbar-tools)";
  return output;
}

SignedSummons Example(SummonsId summons_id, std::string family_name, std::string office,
                      std::string time_zone, const char* appearance) {
  SignedSummons summons;
  SummonsDocument& document = summons.document;
  document.summons_id = summons_id;
  document.person_id = 1000 + summons_id;
  document.family_name = std::move(family_name);
  document.given_name = "Алексей";
  document.patronymic = "Владимирович";
  document.birth_date = CivilDate{date::year(2004), date::month(11), date::day(17)};
  document.purpose = "медицинское освидетельствование и заседание призывной комиссии";
  document.office = std::move(office);
  document.place = "ул. Ленина, д. 1, каб. 12";
  document.time_zone = std::move(time_zone);
  document.legal_basis = "fz53-art31-service";
  document.profile_version = "2026.1";
  document.appearance_at = *ParseInstant(appearance, "t");
  document.issued_at = *ParseInstant("2026-04-20T09:30:00Z", "t");
  summons.content = CanonicalContent(document);
  summons.signature.key_id = "2026-04-01-a1b2";
  summons.signature.bytes = std::string(64, static_cast<char>(summons_id));
  summons.verification_code = VerificationCode(summons.signature);
  return summons;
}

class SummonsPdfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    summonses_ = {
        // 06:00Z is 09:00 in Ryazan (UTC+3)
        Example(101, "Ёлкин", "RYA-01", "Europe/Moscow", "2026-05-04T06:00:00Z"),
        // 23:30Z on 4 May is 09:30 on 5 May in Vladivostok (UTC+10)
        Example(102, "Щербаков", "PRI-03", "Asia/Vladivostok", "2026-05-04T23:30:00Z"),
    };
    options_.verify_base_url = "https://muster.example.ru/verify/";
    options_.legal_basis_texts["fz53-art31-service"] =
        "ст. 31 Федерального закона № 53-ФЗ «О воинской обязанности и военной службе»";
    pdf_ = dir_.path() / "batch.pdf";
  }

  testing::TempDir dir_;
  std::vector<SignedSummons> summonses_;
  PdfOptions options_;
  std::filesystem::path pdf_;
};

TEST_F(SummonsPdfTest, OnePagePerSummonsWithProgress) {
  std::vector<std::pair<int64_t, int64_t>> calls;
  Status status = RenderSummonsPdf(summonses_, pdf_, options_, [&](int64_t done, int64_t total) {
    calls.emplace_back(done, total);
  });
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(calls, (std::vector<std::pair<int64_t, int64_t>>{{1, 2}, {2, 2}}));
  std::string info = RunTool("pdfinfo " + pdf_.string());
  EXPECT_THAT(info, ::testing::ContainsRegex("Pages: +2\n"));
  EXPECT_THAT(info, ::testing::ContainsRegex("Page size: +595.276 x 841.89 pts \\(A4\\)"));
  EXPECT_FALSE(std::filesystem::exists(pdf_.string() + ".partial"));
}

TEST_F(SummonsPdfTest, TextHoldsTheCyrillicNameOfficeAndLocalDate) {
  ASSERT_TRUE(RenderSummonsPdf(summonses_, pdf_, options_, {}).ok());
  std::string first = RunTool("pdftotext -f 1 -l 1 -enc UTF-8 " + pdf_.string() + " -");
  EXPECT_NE(first.find("Ёлкин Алексей Владимирович"), std::string::npos) << first;
  EXPECT_NE(first.find("17.11.2004"), std::string::npos);
  EXPECT_NE(first.find("RYA-01 — Рязанская область"), std::string::npos) << first;
  EXPECT_NE(first.find("04.05.2026 к 09:00"), std::string::npos) << first;
  EXPECT_NE(first.find("ст. 31 Федерального закона № 53-ФЗ"), std::string::npos);
  EXPECT_NE(first.find("Ваши права"), std::string::npos);
  EXPECT_NE(first.find("возражение"), std::string::npos);
  EXPECT_NE(first.find(summonses_[0].verification_code), std::string::npos);
  EXPECT_NE(first.find("никогда не просит сообщить коды или пароли"), std::string::npos);

  std::string second = RunTool("pdftotext -f 2 -l 2 -enc UTF-8 " + pdf_.string() + " -");
  EXPECT_NE(second.find("Щербаков Алексей Владимирович"), std::string::npos) << second;
  EXPECT_NE(second.find("PRI-03"), std::string::npos) << second;
  EXPECT_NE(second.find("05.05.2026 к 09:30"), std::string::npos) << second;
  EXPECT_EQ(second.find("Ёлкин"), std::string::npos);
}

TEST_F(SummonsPdfTest, QrCodeDecodesToTheVerificationUrlOfItsPage) {
  ASSERT_TRUE(RenderSummonsPdf(summonses_, pdf_, options_, {}).ok());
  for (int page = 1; page <= 2; ++page) {
    std::filesystem::path image = dir_.path() / ("page" + std::to_string(page));
    RunTool("pdftoppm -r 120 -gray -png -singlefile -f " + std::to_string(page) + " -l " +
            std::to_string(page) + " " + pdf_.string() + " " + image.string());
    std::string decoded = RunTool("zbarimg --raw -q " + image.string() + ".png");
    EXPECT_EQ(decoded,
              "https://muster.example.ru/verify/" + summonses_[page - 1].verification_code + "\n");
  }
}

TEST_F(SummonsPdfTest, FontsAreEmbedded) {
  ASSERT_TRUE(RenderSummonsPdf(summonses_, pdf_, options_, {}).ok());
  std::string fonts = RunTool("pdffonts " + pdf_.string());
  EXPECT_NE(fonts.find("DejaVuSans"), std::string::npos) << fonts;
  // Columns: name type encoding emb sub uni object ID; every font row says "yes" for emb.
  size_t rows = 0;
  std::istringstream lines(fonts);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find("DejaVu") == std::string::npos) continue;
    ++rows;
    EXPECT_NE(line.find(" yes "), std::string::npos) << line;
  }
  EXPECT_GE(rows, 2u);  // the sans family and the monospace code
}

TEST_F(SummonsPdfTest, FailedBatchLeavesNoFile) {
  summonses_[1].document.time_zone = "Nowhere/Atlantis";
  Status status = RenderSummonsPdf(summonses_, pdf_, options_, {});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(status.message().starts_with("summons 102: time_zone:")) << status.message();
  EXPECT_FALSE(std::filesystem::exists(pdf_));
  EXPECT_FALSE(std::filesystem::exists(pdf_.string() + ".partial"));
}

TEST_F(SummonsPdfTest, TextThatDoesNotFitIsRefusedNotClipped) {
  summonses_[0].document.place = std::string(20000, 'x');
  Status status = RenderSummonsPdf(summonses_, pdf_, options_, {});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(status.message().starts_with("summons 101: text does not fit")) << status.message();
}

// Sign and store as the registry will, print from the store, scan the printed QR code and check
// the code it carries exactly as GET /verify/{code} will.
TEST_F(SummonsPdfTest, PrintedQrLeadsToAGenuineVerification) {
  auto db = testing::OpenMigratedStore(dir_, "print");
  ASSERT_NE(db, nullptr);
  auto ring = KeyRing::Open(*db, dir_.path() / "keys");
  ASSERT_TRUE(ring.ok());
  ASSERT_TRUE((*ring)->Rotate(*db, *ParseInstant("2026-04-01T00:00:00Z", "t")).ok());
  std::vector<SummonsId> ids;
  for (SummonsId id : {11, 12, 13}) {
    SummonsDocument document = testing::ExampleDocument(id, 100 + id);
    ASSERT_TRUE(testing::InsertSummonsRow(*db, document).ok());
    auto signed_summons = SignSummons(*db, **ring, document);
    ASSERT_TRUE(signed_summons.ok()) << signed_summons.status().ToString();
    ASSERT_TRUE(SaveSignedSummons(*db, *signed_summons).ok());
    ids.push_back(id);
  }
  int64_t last_done = 0;
  Status printed = RenderStoredSummonsPdf(*db, ids, pdf_, options_,
                                          [&](int64_t done, int64_t) { last_done = done; });
  ASSERT_TRUE(printed.ok()) << printed.ToString();
  EXPECT_EQ(last_done, 3);
  std::filesystem::path image = dir_.path() / "page3";
  RunTool("pdftoppm -r 120 -gray -png -singlefile -f 3 -l 3 " + pdf_.string() + " " +
          image.string());
  std::string url = RunTool("zbarimg --raw -q " + image.string() + ".png");
  ASSERT_TRUE(url.starts_with(options_.verify_base_url)) << url;
  std::string code = url.substr(options_.verify_base_url.size());
  code.pop_back();  // newline
  auto checked = CheckVerificationCode(*db, **ring, code);
  ASSERT_TRUE(checked.ok());
  EXPECT_EQ(checked->outcome, VerificationOutcome::kGenuine);
  EXPECT_EQ(checked->code, LoadSignedSummons(*db, 13)->verification_code);

  std::vector<SummonsId> with_unknown = {11, 99};
  Status missing = RenderStoredSummonsPdf(*db, with_unknown, pdf_, options_, {});
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
}

TEST_F(SummonsPdfTest, RefusesAFontThatWouldBeSubstituted) {
  options_.font_family = "No Such Font Family";
  Status status = RenderSummonsPdf(summonses_, pdf_, options_, {});
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(status.message().starts_with("font_family: 'No Such Font Family' is not installed"))
      << status.message();
  EXPECT_FALSE(std::filesystem::exists(pdf_.string() + ".partial"));
}

TEST_F(SummonsPdfTest, MissingDirectoryIsAnInvalidArgument) {
  EXPECT_EQ(RenderSummonsPdf(summonses_, dir_.path() / "no" / "such.pdf", options_, {}).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace muster
