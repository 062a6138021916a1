// muster_micro_bench: the per-event CPU work of the write path, one piece at a time.
//
// Each benchmark times one step that LoadSyntheticPopulation and IssueBatch repeat for every
// person or summons, on realistic values (a person from the synthetic population, seed 1), so
// the figures can be set against muster_bench's rows per second: generating a person,
// normalising an identifier, building and serialising the PersonRegistered payload, and the
// SHA-256 hash-chain link over the event's canonical bytes (with OpenSSL's SHA-256 beside
// libsodium's, which the chain uses).
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <boost/json.hpp>

#include "common/crypto.h"
#include "common/time.h"
#include "domain/identifiers.h"
#include "domain/model.h"
#include "ledger/ledger.h"
#include "synth/population.h"

namespace muster {
namespace {

namespace json = boost::json;

const CivilDate kToday = CivilDate(date::year(2026), date::month(4), date::day(1));

SyntheticPerson SamplePerson() {
  PopulationGenerator generator(1, kToday);
  return generator.Next();
}

// The PersonRegistered payload as Registry::RegisterPersons builds it (registry.cc).
json::object PersonPayload(int64_t person_id, const SyntheticPerson& person) {
  json::array identifiers;
  identifiers.push_back(json::object{{"kind", "snils"}, {"value", person.snils}});
  identifiers.push_back(json::object{{"kind", "inn"}, {"value", person.inn}});
  identifiers.push_back(json::object{{"kind", "passport"}, {"value", person.passport}});
  json::object payload{
      {"person_id", person_id},
      {"family_name", person.family_name},
      {"given_name", person.given_name},
      {"patronymic", person.patronymic},
      {"family_name_latin", person.family_name_latin},
      {"given_name_latin", person.given_name_latin},
      {"patronymic_latin", person.patronymic_latin},
      {"sex", SexName(person.sex)},
      {"birth_date", FormatDate(person.birth_date)},
      {"region", person.region_code},
      {"office", person.office_id},
      {"has_portal_account", person.has_portal_account},
      {"source", "synthetic:seed=1"},
      {"identifiers", std::move(identifiers)},
  };
  return payload;
}

LedgerEvent SampleEvent() {
  LedgerEvent event;
  event.seq = 123456;
  event.recorded_at = FromUnixSeconds(1775023200);
  event.effective_at = event.recorded_at;
  event.type = "PersonRegistered";
  event.person_id = 123456;
  event.command_id = 12;
  event.payload = json::serialize(PersonPayload(123456, SamplePerson()));
  event.prev_hash = std::string(kGenesisHash);
  return event;
}

void BM_PopulationGeneratorNext(benchmark::State& state) {
  PopulationGenerator generator(1, kToday);
  for (auto _ : state) benchmark::DoNotOptimize(generator.Next());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PopulationGeneratorNext);

void BM_NormalizeIdentifier(benchmark::State& state) {
  SyntheticPerson person = SamplePerson();
  auto kind = static_cast<IdentifierKind>(state.range(0));
  std::string raw = kind == IdentifierKind::kSnils ? person.snils
                    : kind == IdentifierKind::kInn ? person.inn
                                                   : person.passport;
  state.SetLabel(std::string(IdentifierKindName(kind)));
  for (auto _ : state) benchmark::DoNotOptimize(NormalizeIdentifier(kind, raw));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NormalizeIdentifier)
    ->Arg(static_cast<int>(IdentifierKind::kSnils))
    ->Arg(static_cast<int>(IdentifierKind::kInn))
    ->Arg(static_cast<int>(IdentifierKind::kPassport));

void BM_PersonPayloadBuild(benchmark::State& state) {
  SyntheticPerson person = SamplePerson();
  int64_t person_id = 0;
  for (auto _ : state) benchmark::DoNotOptimize(PersonPayload(++person_id, person));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PersonPayloadBuild);

void BM_PersonPayloadSerialize(benchmark::State& state) {
  json::object payload = PersonPayload(123456, SamplePerson());
  size_t bytes = 0;
  for (auto _ : state) {
    std::string text = json::serialize(payload);
    bytes = text.size();
    benchmark::DoNotOptimize(text);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_PersonPayloadSerialize);

void BM_CanonicalEventBytes(benchmark::State& state) {
  LedgerEvent event = SampleEvent();
  for (auto _ : state) benchmark::DoNotOptimize(CanonicalEventBytes(event));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CanonicalEventBytes);

void BM_ChainHash(benchmark::State& state) {
  (void)InitCrypto();
  LedgerEvent event = SampleEvent();
  for (auto _ : state) {
    event.hash = ChainHash(event.prev_hash, event);
    event.prev_hash.swap(event.hash);
    benchmark::DoNotOptimize(event.prev_hash);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * event.payload.size()));
}
BENCHMARK(BM_ChainHash);

void BM_Sha256Hex(benchmark::State& state) {
  (void)InitCrypto();
  std::string data(static_cast<size_t>(state.range(0)), 'x');
  for (auto _ : state) benchmark::DoNotOptimize(Sha256Hex(data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_Sha256Hex)->Arg(64)->Arg(700);

// The same digest through OpenSSL's EVP interface, which uses the CPU's SHA extensions where
// there are any: the yardstick for Sha256Hex (libsodium's portable code).
void BM_Sha256OpenSsl(benchmark::State& state) {
  std::string data(static_cast<size_t>(state.range(0)), 'x');
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  for (auto _ : state) {
    EVP_DigestInit_ex(context, EVP_sha256(), nullptr);
    EVP_DigestUpdate(context, data.data(), data.size());
    EVP_DigestFinal_ex(context, digest, &length);
    benchmark::DoNotOptimize(digest);
  }
  EVP_MD_CTX_free(context);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_Sha256OpenSsl)->Arg(64)->Arg(700);

}  // namespace
}  // namespace muster

BENCHMARK_MAIN();
