#include "app/population_loader.h"

#include "synth/population.h"

namespace muster {

Result<int64_t> LoadSyntheticPopulation(Registry& registry, const LoadOptions& options,
                                        const std::function<void(int64_t, int64_t)>& progress) {
  if (options.count <= 0) return InvalidArgument("count: must be positive");
  if (options.batch_size <= 0) return InvalidArgument("batch: must be positive");
  // Generated ages are anchored on the registry's own day, so a simulated registry gets a
  // population of the right ages for its simulated date.
  CivilDate today = CivilDate(date::floor<date::days>(registry.Now()));
  PopulationGenerator generator(options.seed, today);
  // The generator is deterministic, so an interrupted run resumes by regenerating and
  // skipping batches already registered (their idempotency keys replay).
  int64_t done = 0;
  std::vector<NewPerson> persons;
  std::vector<NewGround> grounds;
  while (done < options.count) {
    int64_t batch = std::min(options.batch_size, options.count - done);
    persons.clear();
    grounds.clear();
    persons.reserve(static_cast<size_t>(batch));
    for (int64_t i = 0; i < batch; ++i) {
      SyntheticPerson synthetic = generator.Next();
      NewPerson person;
      person.family_name = std::move(synthetic.family_name);
      person.given_name = std::move(synthetic.given_name);
      person.patronymic = std::move(synthetic.patronymic);
      person.family_name_latin = std::move(synthetic.family_name_latin);
      person.given_name_latin = std::move(synthetic.given_name_latin);
      person.patronymic_latin = std::move(synthetic.patronymic_latin);
      person.sex = synthetic.sex;
      person.birth_date = synthetic.birth_date;
      person.office = std::move(synthetic.office_id);
      person.has_portal_account = synthetic.has_portal_account;
      person.fitness = synthetic.fitness;
      person.source = "synthetic:seed=" + std::to_string(options.seed);
      person.identifiers.emplace_back(IdentifierKind::kSnils, std::move(synthetic.snils));
      person.identifiers.emplace_back(IdentifierKind::kInn, std::move(synthetic.inn));
      person.identifiers.emplace_back(IdentifierKind::kPassport, std::move(synthetic.passport));
      if (!synthetic.foreign_passport.empty()) {
        person.identifiers.emplace_back(IdentifierKind::kForeignPassport, std::move(synthetic.foreign_passport));
      }
      if (!synthetic.driving_licence.empty()) {
        person.identifiers.emplace_back(IdentifierKind::kDrivingLicence, std::move(synthetic.driving_licence));
      }
      int64_t index = static_cast<int64_t>(persons.size());
      // Grounds the registry's profile does not know (another country's bases) are dropped:
      // the population is synthetic, the profile is the law.
      const Profile& profile = registry.profile();
      if (synthetic.deferment && profile.HasDefermentBasis(synthetic.deferment->basis)) {
        grounds.push_back({.person_id = index,
                           .exemption = false,
                           .basis = synthetic.deferment->basis,
                           .valid_from = synthetic.deferment->from,
                           .valid_until = synthetic.deferment->until,
                           .evidence = "synthetic source record"});
      }
      if (synthetic.exemption && profile.HasExemptionBasis(*synthetic.exemption)) {
        grounds.push_back({.person_id = index,
                           .exemption = true,
                           .basis = *synthetic.exemption,
                           .valid_from = synthetic.birth_date,
                           .valid_until = std::nullopt,
                           .evidence = "synthetic commission decision"});
      }
      persons.push_back(std::move(person));
    }
    std::string prefix = options.idempotency_prefix.empty()
                             ? "generate:" + std::to_string(options.seed)
                             : options.idempotency_prefix;
    CommandContext context{.idempotency_key = prefix + ":" + std::to_string(done),
                           .actor = "generate"};
    RETURN_IF_ERROR(registry.RegisterPersons(context, persons, grounds).status());
    done += batch;
    if (progress) progress(done, options.count);
  }
  return done;
}

}  // namespace muster
