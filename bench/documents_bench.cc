// muster_documents_bench: signed summons documents — signatures, verifications and PDF pages
// per second, in one run.
//
//   sign           CanonicalContent + KeyRing::Sign per summons.
//                  Peer: libsodium's crypto_sign_detached over the same canonical bytes,
//                  precomputed — the floor set by Ed25519 itself.
//   verify         CanonicalContent + KeyRing::Verify (what a verifier recomputes).
//                  Peer: crypto_sign_verify_detached over precomputed bytes.
//   issue          in one SQLite write transaction per 1,000: the summons row (as the projector
//                  writes it), SignSummons (validation, canonical bytes, signature, code
//                  allocation against the UNIQUE column) and SaveSignedSummons.
//   check by code  CheckVerificationCode on a random issued code: normalise, look up, parse,
//                  verify, build the public view — GET /verify/{code} without HTTP.
//   page           RenderVerificationHtml of a genuine result.
//   pdf            RenderSummonsPdf of every summons into one file: pages per second, size.
//
// A benchmark, not a test: it exits 0 whatever the figures, non-zero only when it cannot run.
#include <sodium.h>
#include <stdlib.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bench_support.h"
#include "documents/pdf/summons_pdf.h"
#include "documents/signed_summons.h"
#include "documents/signing_keys.h"
#include "documents/summons_document.h"
#include "documents/verification_code.h"
#include "documents/verification_page.h"
#include "store/engines/open.h"
#include "store/migrations.h"

namespace muster {
namespace {

namespace fs = std::filesystem;
using bench::MiB;
using bench::ProcessCpuTime;
using bench::SecondsSince;
using bench::Thousands;
using Clock = std::chrono::steady_clock;

constexpr const char* kFamilyNames[] = {"Иванов",  "Смирнов", "Кузнецов", "Попов",   "Васильев",
                                        "Петров",  "Соколов", "Михайлов", "Новиков", "Фёдоров",
                                        "Морозов", "Волков",  "Алексеев", "Лебедев", "Семёнов"};
constexpr const char* kGivenNames[] = {"Александр", "Дмитрий", "Максим", "Сергей", "Андрей",
                                       "Алексей",   "Артём",   "Илья",   "Кирилл", "Михаил"};
constexpr const char* kPatronymics[] = {"Александрович", "Дмитриевич",   "Сергеевич",  "Андреевич",
                                        "Алексеевич",    "Владимирович", "Николаевич", "Игоревич"};
constexpr const char* kOffices[] = {"RYA-01", "RYA-02", "SAK-01", "ME-01", "MOW-07", "PRI-03"};
constexpr const char* kZones[] = {"Europe/Moscow", "Europe/Moscow", "Asia/Sakhalin",
                                  "Europe/Moscow", "Europe/Moscow", "Asia/Vladivostok"};

SummonsDocument MakeDocument(int64_t index) {
  SummonsDocument document;
  document.summons_id = index + 1;
  document.person_id = index + 1;
  document.family_name = kFamilyNames[index % std::size(kFamilyNames)];
  document.given_name = kGivenNames[(index / 3) % std::size(kGivenNames)];
  document.patronymic = kPatronymics[(index / 7) % std::size(kPatronymics)];
  document.birth_date =
      CivilDate(date::sys_days(date::year(2000) / 1 / 1) + date::days(index % 3650));
  document.purpose = "медицинское освидетельствование и заседание призывной комиссии";
  size_t office = static_cast<size_t>(index) % std::size(kOffices);
  document.office = kOffices[office];
  document.time_zone = kZones[office];
  document.place = "военный комиссариат, ул. Ленина, д. " + std::to_string(1 + index % 90) +
                   ", каб. " + std::to_string(1 + index % 30);
  document.legal_basis = "fz53-art31-service";
  document.profile_version = "2026.1";
  document.issued_at = *ParseInstant("2026-04-20T09:00:00Z", "t") + std::chrono::seconds(index);
  document.appearance_at = document.issued_at + std::chrono::hours(24 * 14);
  return document;
}

struct Figure {
  std::string name;
  int64_t operations = 0;
  double seconds = 0;
  double peer_seconds = 0;  // 0 when there is no peer
  std::string unit;
};

void Print(const std::vector<Figure>& figures) {
  std::printf("%-14s %9s | %9s %14s | %14s %6s\n", "workload", "count", "seconds", "per second",
              "peer per sec", "ratio");
  std::printf("%s\n", std::string(76, '-').c_str());
  for (const Figure& figure : figures) {
    double rate = figure.operations / figure.seconds;
    if (figure.peer_seconds > 0) {
      double peer_rate = figure.operations / figure.peer_seconds;
      std::printf("%-14s %9s | %9.3f %10s %-3s | %14s %5.2fx\n", figure.name.c_str(),
                  Thousands(static_cast<double>(figure.operations)).c_str(), figure.seconds,
                  Thousands(rate).c_str(), figure.unit.c_str(), Thousands(peer_rate).c_str(),
                  rate / peer_rate);
    } else {
      std::printf("%-14s %9s | %9.3f %10s %-3s | %14s %6s\n", figure.name.c_str(),
                  Thousands(static_cast<double>(figure.operations)).c_str(), figure.seconds,
                  Thousands(rate).c_str(), figure.unit.c_str(), "-", "");
    }
  }
}

Status InsertSummonsRow(Connection& db, const SummonsDocument& document) {
  RETURN_IF_ERROR(
      ExecuteSql(
          db,
          "INSERT INTO persons (person_id, family_name, given_name, patronymic, family_name_latin, "
          "given_name_latin, patronymic_latin, sex, birth_date, region, office, "
          "has_portal_account, "
          "status, registered_at, source) VALUES ($1, $2, $3, $4, '', '', '', 'M', $5, 'RYA', $6, "
          "0, "
          "'registered', 0, 'bench')",
          document.person_id, document.family_name, document.given_name, document.patronymic,
          static_cast<int64_t>(ToEpochDays(document.birth_date)), document.office)
          .status());
  return ExecuteSql(db,
                    "INSERT INTO summonses (summons_id, person_id, batch, purpose, office, place, "
                    "appearance_at, "
                    "legal_basis, profile_version, issued_at, issued_seq, status) VALUES ($1, $2, "
                    "'bench', $3, "
                    "$4, $5, $6, $7, $8, $9, 0, 'issued')",
                    document.summons_id, document.person_id, document.purpose, document.office,
                    document.place, ToUnixSeconds(document.appearance_at), document.legal_basis,
                    document.profile_version, ToUnixSeconds(document.issued_at))
      .status();
}

Status Run(int64_t count, const fs::path& dir, const std::string& keep_pdf) {
  ASSIGN_OR_RETURN(auto db,
                   OpenStore("sqlite:" + (dir / "documents.db").string(), OpenMode::kCreate));
  RETURN_IF_ERROR(Migrate(*db));
  ASSIGN_OR_RETURN(auto ring, KeyRing::Open(*db, dir / "keys"));
  RETURN_IF_ERROR(ring->Rotate(*db, *ParseInstant("2026-04-01T00:00:00Z", "t")).status());

  std::vector<SummonsDocument> documents;
  documents.reserve(count);
  for (int64_t i = 0; i < count; ++i) documents.push_back(MakeDocument(i));
  std::vector<Figure> figures;

  // sign, and its peer over precomputed bytes.
  std::vector<Signature> signatures(count);
  auto start = Clock::now();
  for (int64_t i = 0; i < count; ++i) {
    ASSIGN_OR_RETURN(signatures[i], ring->Sign(CanonicalContent(documents[i])));
  }
  double sign_seconds = SecondsSince(start);
  std::vector<std::string> contents;
  contents.reserve(count);
  for (const SummonsDocument& document : documents) contents.push_back(CanonicalContent(document));
  unsigned char public_key[crypto_sign_PUBLICKEYBYTES];
  unsigned char secret_key[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(public_key, secret_key);
  std::vector<std::string> raw_signatures(count, std::string(crypto_sign_BYTES, '\0'));
  start = Clock::now();
  for (int64_t i = 0; i < count; ++i) {
    crypto_sign_detached(reinterpret_cast<unsigned char*>(raw_signatures[i].data()), nullptr,
                         reinterpret_cast<const unsigned char*>(contents[i].data()),
                         contents[i].size(), secret_key);
  }
  figures.push_back({"sign", count, sign_seconds, SecondsSince(start), "/s"});

  // verify, and its peer.
  start = Clock::now();
  int64_t genuine = 0;
  for (int64_t i = 0; i < count; ++i) {
    genuine += ring->Verify(CanonicalContent(documents[i]), signatures[i]).genuine ? 1 : 0;
  }
  double verify_seconds = SecondsSince(start);
  start = Clock::now();
  int64_t raw_valid = 0;
  for (int64_t i = 0; i < count; ++i) {
    raw_valid += crypto_sign_verify_detached(
                     reinterpret_cast<const unsigned char*>(raw_signatures[i].data()),
                     reinterpret_cast<const unsigned char*>(contents[i].data()), contents[i].size(),
                     public_key) == 0;
  }
  figures.push_back({"verify", count, verify_seconds, SecondsSince(start), "/s"});
  sodium_memzero(secret_key, sizeof secret_key);
  if (genuine != count || raw_valid != count) return Internal("bench: a signature did not verify");

  start = Clock::now();
  for (int64_t i = 0; i < count; ++i) contents[i] = CanonicalContent(documents[i]);
  figures.push_back({"canonical", count, SecondsSince(start), 0, "/s"});

  // issue: rows, sign, allocate, save; 1,000 per transaction.
  std::vector<SignedSummons> issued;
  issued.reserve(count);
  start = Clock::now();
  for (int64_t i = 0; i < count; ++i) {
    if (i % 1000 == 0) RETURN_IF_ERROR(db->BeginWrite());
    RETURN_IF_ERROR(InsertSummonsRow(*db, documents[i]));
    ASSIGN_OR_RETURN(SignedSummons signed_summons, SignSummons(*db, *ring, documents[i]));
    RETURN_IF_ERROR(SaveSignedSummons(*db, signed_summons));
    issued.push_back(std::move(signed_summons));
    if (i % 1000 == 999 || i + 1 == count) RETURN_IF_ERROR(db->Commit());
  }
  figures.push_back({"issue (sqlite)", count, SecondsSince(start), 0, "/s"});

  // check by code, in random order.
  std::mt19937_64 random(42);
  std::vector<int64_t> order(count);
  for (int64_t i = 0; i < count; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), random);
  PublicVerification last;
  start = Clock::now();
  for (int64_t i : order) {
    ASSIGN_OR_RETURN(last, CheckVerificationCode(*db, *ring, issued[i].verification_code));
    if (last.outcome != VerificationOutcome::kGenuine) return Internal("bench: check failed");
  }
  figures.push_back({"check by code", count, SecondsSince(start), 0, "/s"});
  start = Clock::now();
  size_t html_bytes = 0;
  for (int64_t i = 0; i < count; ++i) html_bytes += RenderVerificationHtml(last).size();
  figures.push_back({"page html", count, SecondsSince(start), 0, "/s"});

  // pdf: the whole batch in one file.
  PdfOptions options;
  options.legal_basis_texts["fz53-art31-service"] =
      "ст. 31 Федерального закона № 53-ФЗ «О воинской обязанности и военной службе»";
  fs::path pdf = keep_pdf.empty() ? dir / "batch.pdf" : fs::path(keep_pdf);
  int64_t last_percent = -1;
  auto cpu_before = ProcessCpuTime();
  start = Clock::now();
  RETURN_IF_ERROR(RenderSummonsPdf(issued, pdf, options, [&](int64_t done, int64_t total) {
    int64_t percent = done * 100 / total;
    if (percent / 10 != last_percent / 10) {
      std::fprintf(stderr, "\rpdf: %lld / %lld pages", static_cast<long long>(done),
                   static_cast<long long>(total));
      last_percent = percent;
    }
  }));
  double pdf_seconds = SecondsSince(start);
  double pdf_cpu = (ProcessCpuTime() - cpu_before).total();
  std::fprintf(stderr, "\n");
  figures.push_back({"pdf pages", count, pdf_seconds, 0, "/s"});

  std::printf("\nmuster_documents_bench: %s summonses\n",
              Thousands(static_cast<double>(count)).c_str());
  std::printf(
      "peers: libsodium crypto_sign_detached / crypto_sign_verify_detached on the same "
      "canonical bytes, precomputed\n\n");
  Print(figures);
  auto pdf_size = static_cast<double>(fs::file_size(pdf));
  size_t content_bytes = 0;
  for (const std::string& content : contents) content_bytes += content.size();
  std::printf("\ncanonical document: %s bytes on average; verification page: %s bytes\n",
              Thousands(static_cast<double>(content_bytes) / count).c_str(),
              Thousands(static_cast<double>(html_bytes) / count).c_str());
  std::printf("pdf: %s, %s bytes per page, %.2f s CPU for %.2f s wall%s%s\n", MiB(pdf_size).c_str(),
              Thousands(pdf_size / count).c_str(), pdf_cpu, pdf_seconds,
              keep_pdf.empty() ? "" : ", kept at ", keep_pdf.c_str());
  return Status::Ok();
}

}  // namespace
}  // namespace muster

int main(int argc, char** argv) {
  CLI::App app{"muster_documents_bench: signatures, verifications and PDF pages per second"};
  int64_t summonses = 10000;
  std::string keep_pdf;
  app.add_option("--summonses", summonses, "how many summonses to sign, verify and print")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{10'000'000}));
  app.add_option("--keep-pdf", keep_pdf, "write the batch PDF here and keep it");
  CLI11_PARSE(app, argc, argv);

  std::string pattern =
      (std::filesystem::temp_directory_path() / "muster-docs-bench-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    std::fprintf(stderr, "muster_documents_bench: cannot create a scratch directory\n");
    return 1;
  }
  std::filesystem::path dir = pattern;
  muster::Status status = muster::Run(summonses, dir, keep_pdf);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  if (!status.ok()) {
    std::fprintf(stderr, "muster_documents_bench: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
