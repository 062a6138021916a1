// "My measures": each measure in force or lifted, why it was imposed (the rule, the summons and
// the service it rests on, as `explain` tells it), its legal basis, and exactly what lifts it.
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, getOptional, unwrap } from "../../api/client";
import type { Optional } from "../../api/client";
import { useProfile } from "../../api/profile";
import type { Explanation, LiftConfirmation, PersonCard, PersonMeasures, PersonSummonses, TravelCheck } from "../../api/types";
import { LegalBasis } from "../../components/summons";
import { Empty, Loading, Page, ProblemMessage, ServerText, StatusTag, SummaryRow, useLoad } from "../../components/ui";
import { formatInstant, term, zoneOfRegion } from "../../format";
import { useCitizenId } from "./common";

export function CitizenMeasures() {
  const { t } = useTranslation();
  const personId = useCitizenId();
  const profile = useProfile();
  const { data, error, loading } = useLoad(async () => {
    const path = { params: { path: { id: personId } } };
    const [card, measures, explanation, summonses, lifts, travel] = await Promise.all([
      unwrap(api.GET("/persons/{id}", path)) as Promise<PersonCard>,
      unwrap(api.GET("/persons/{id}/measures", path)) as Promise<PersonMeasures>,
      unwrap(api.GET("/persons/{id}/explain", path)) as Promise<Explanation>,
      unwrap(api.GET("/persons/{id}/summonses", path)) as Promise<PersonSummonses>,
      getOptional<{ lifts?: LiftConfirmation[]; confirmations?: LiftConfirmation[] }>(`/persons/${personId}/lift-confirmations`)
        .catch(() => ({ available: false }) as const),
      getOptional<TravelCheck>(`/persons/${personId}/travel-check`).catch(() => ({ available: false }) as const),
    ]);
    const confirmations: Optional<LiftConfirmation[]> = lifts.available
      ? { available: true, data: lifts.data.lifts ?? lifts.data.confirmations ?? [] }
      : { available: false };
    return { card, measures, explanation, summonses, confirmations, travel };
  }, [personId]);

  const zone = zoneOfRegion(data?.card.region);
  const deadline = profile?.lift_deadline_hours ?? 24;
  const inForce = data?.measures.measures.filter((measure) => measure.in_force) ?? [];
  const past = data?.measures.measures.filter((measure) => !measure.in_force) ?? [];

  return (
    <Page title={t("measures.title")} wide>
      {loading && <Loading />}
      {error !== undefined && <ProblemMessage error={error} />}
      {data && (
        <>
          <div className={`govuk-panel muster-status-panel ${inForce.length ? "muster-status-panel--alert" : "muster-status-panel--clear"}`}
            data-testid="measures-status">
            <h2 className="govuk-panel__title muster-status-panel__title">
              {inForce.length
                ? t("measures.inForceCount", { count: inForce.length })
                : t("measures.noneInForce")}
            </h2>
            <div className="govuk-panel__body muster-status-panel__body">
              {t("measures.asOf", { at: formatInstant(data.measures.at, zone) })}
            </div>
          </div>

          {data.travel.available && <TravelAnswer travel={data.travel.data} zone={zone} />}

          {inForce.length > 0 && (
            <section aria-labelledby="how-to-lift" className="muster-how-to-lift" data-testid="how-to-lift">
              <h2 className="govuk-heading-m" id="how-to-lift">{t("measures.howToLift")}</h2>
              <ol className="govuk-list govuk-list--number">
                {openSummonses(data.summonses, inForce.map((measure) => measure.summons_id)).map((summons) => (
                  <li key={summons.summons_id}>
                    {t("measures.liftByAppearing", {
                      office: summons.office,
                      place: summons.place || summons.office,
                      id: summons.summons_id,
                    })}
                  </li>
                ))}
                <li>
                  {t("measures.liftByExcuse")}{" "}
                  <Link className="govuk-link" to="/citizen/summonses">{t("measures.fileExcuseLink")}</Link>
                </li>
                <li>{t("measures.liftDeadline", { hours: deadline })}</li>
                <li>
                  {t("measures.liftByObjection")}{" "}
                  <Link className="govuk-link" to="/citizen/apply/objection">{t("measures.objectLink")}</Link>
                </li>
              </ol>
            </section>
          )}

          {data.explanation.gates.length > 0 && (
            <div className="govuk-inset-text" data-testid="gates">
              <h2 className="govuk-heading-s">{t("measures.gates")}</h2>
              <ul className="govuk-list govuk-list--bullet">
                {data.explanation.gates.map((gate, index) => (
                  <li key={index}><ServerText>{gate}</ServerText></li>
                ))}
              </ul>
            </div>
          )}

          <h2 className="govuk-heading-m">{t("measures.current")}</h2>
          {inForce.length === 0 && <Empty>{t("measures.noneInForceLong")}</Empty>}
          {[...inForce, ...past].map((measure) => {
            const why = data.explanation.measures.find((entry) => entry.kind === measure.kind);
            const confirmations =
              data.confirmations.available
                ? data.confirmations.data.filter((entry) => entry.measure_id === measure.measure_id)
                : [];
            return (
              <section key={measure.measure_id} className="muster-measure" data-testid="measure"
                data-kind={measure.kind} data-in-force={measure.in_force} data-summons-id={measure.summons_id} aria-labelledby={`measure-${measure.measure_id}`}>
                <h3 className="govuk-heading-s" id={`measure-${measure.measure_id}`}>
                  {term("measure", measure.kind)}{" "}
                  <StatusTag status={measure.in_force ? "in_force" : measure.lifted_at ? "lifted" : "pending"} group="measureState" />
                </h3>
                <dl className="govuk-summary-list govuk-summary-list--no-border">
                  <SummaryRow label={t("measures.since")}>{formatInstant(measure.start_at, zone)}</SummaryRow>
                  {measure.lifted_at && (
                    <SummaryRow label={t("measures.liftedAt")}>
                      {formatInstant(measure.lifted_at, zone)}
                      {measure.lift_reason && <> — {term("liftReason", measure.lift_reason)}</>}
                    </SummaryRow>
                  )}
                  <SummaryRow label={t("measures.because")}>
                    {t("measures.becauseSummons", { id: measure.summons_id })} ·{" "}
                    {t("measures.rule")} <code className="muster-code">{measure.rule_id}</code>
                  </SummaryRow>
                  <SummaryRow label={t("summons.legalBasis")}>
                    <LegalBasis basis={measure.legal_basis} profile={profile} />
                  </SummaryRow>
                  {why && why.lines.length > 0 && (
                    <SummaryRow label={t("measures.explain")}>
                      <ul className="govuk-list muster-explain">
                        {why.lines.map((line, index) => (
                          <li key={index}><ServerText>{line}</ServerText></li>
                        ))}
                      </ul>
                    </SummaryRow>
                  )}
                  {measure.lifted_at && (
                    <SummaryRow label={t("measures.confirmations")}>
                      {!data.confirmations.available
                        ? t("measures.confirmationsNotAvailable")
                        : confirmations.length === 0
                          ? t("measures.noConfirmations")
                          : confirmations.map((entry) => (
                              <div key={entry.consumer}>
                                {term("agency", entry.consumer)}: <StatusTag status={entry.state} group="liftState" />
                                {entry.confirmed_at && <> {formatInstant(entry.confirmed_at, zone)}</>}
                              </div>
                            ))}
                    </SummaryRow>
                  )}
                </dl>
              </section>
            );
          })}
        </>
      )}
    </Page>
  );
}

function openSummonses(summonses: PersonSummonses, ids: number[]) {
  return summonses.summonses.filter((summons) => ids.includes(summons.summons_id));
}

// The pre-travel self check: what border control will see today, in the registry's words.
function TravelAnswer({ travel, zone }: { travel: TravelCheck; zone?: string }) {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="travel-title" className={`muster-travel ${travel.can_cross ? "muster-travel--clear" : "muster-travel--stop"}`}
      data-testid="travel-check" data-can-cross={travel.can_cross}>
      <h2 className="govuk-heading-m" id="travel-title">{t("measures.travelTitle")}</h2>
      <p className="govuk-body-l"><strong>{travel.can_cross ? t("measures.travelYes") : t("measures.travelNo")}</strong></p>
      <p className="govuk-body"><ServerText>{travel.answer}</ServerText></p>
      {travel.since && <p className="govuk-body">{t("measures.since")}: {formatInstant(travel.since, zone)}</p>}
      {travel.how_to_fix.length > 0 && (
        <>
          <h3 className="govuk-heading-s">{t("measures.travelFix")}</h3>
          <ul className="govuk-list govuk-list--bullet">
            {travel.how_to_fix.map((line, index) => <li key={index}><ServerText>{line}</ServerText></li>)}
          </ul>
        </>
      )}
      {travel.notes.length > 0 && (
        <ul className="govuk-list">
          {travel.notes.map((line, index) => <li key={index}><ServerText>{line}</ServerText></li>)}
        </ul>
      )}
    </section>
  );
}
