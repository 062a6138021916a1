import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, unwrap } from "../../api/client";
import { useProfile } from "../../api/profile";
import type { PersonCard, PersonSummonses } from "../../api/types";
import { SummonsDetails } from "../../components/summons";
import { Empty, Loading, Page, ProblemMessage, StatusTag, useLoad } from "../../components/ui";
import { formatInstant, term, zoneOfRegion } from "../../format";
import { useCitizenId } from "./common";

export function CitizenSummonses() {
  const { t } = useTranslation();
  const personId = useCitizenId();
  const profile = useProfile();
  const { data, error, loading } = useSummonsData(personId);
  const zone = zoneOfRegion(data?.card.region);
  return (
    <Page title={t("citizenSummonses.title")} wide>
      {loading && <Loading />}
      {error !== undefined && <ProblemMessage error={error} />}
      {data && (
        <>
          <p className="govuk-body">{t("citizenSummonses.lead")}</p>
          {data.summonses.summonses.length === 0 && <Empty>{t("citizenSummonses.none")}</Empty>}
          {data.summonses.summonses.map((summons) => {
            const open = summons.status === "issued" || summons.status === "served";
            return (
              <SummonsDetails
                key={summons.summons_id}
                summons={summons}
                zone={zone}
                profile={profile}
                actions={
                  open ? (
                    <div className="govuk-button-group">
                      <Link className="govuk-button govuk-button--secondary" to={`/citizen/summonses/${summons.summons_id}/excuse`}>
                        {t("citizenSummonses.fileExcuse")}
                        <span className="govuk-visually-hidden"> ({t("summons.heading", { id: summons.summons_id })})</span>
                      </Link>
                      <Link className="govuk-link" to={`/citizen/apply/objection?summons=${summons.summons_id}`}>
                        {t("citizenSummonses.object")}
                        <span className="govuk-visually-hidden"> ({t("summons.heading", { id: summons.summons_id })})</span>
                      </Link>
                    </div>
                  ) : undefined
                }
              />
            );
          })}
          <h2 className="govuk-heading-m">{t("citizenSummonses.objections")}</h2>
          {data.summonses.objections.length === 0 ? (
            <Empty>{t("citizenSummonses.noObjections")}</Empty>
          ) : (
            <ul className="govuk-list" data-testid="objections">
              {data.summonses.objections.map((objection) => (
                <li key={objection.objection_id}>
                  <StatusTag
                    status={objection.upheld === null ? "pending" : objection.upheld ? "upheld" : "dismissed"}
                    group="decision"
                  />{" "}
                  {objection.reason} · {t("summons.filed")} {formatInstant(objection.filed_at, zone)}
                  {objection.summons_id !== null && <> · {t("summons.heading", { id: objection.summons_id })}</>}
                  {objection.decided_at && <> · {term("decision", "decided")} {formatInstant(objection.decided_at, zone)}</>}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </Page>
  );
}

function useSummonsData(personId: number) {
  return useLoad(async () => {
    const [card, summonses] = await Promise.all([
      unwrap(api.GET("/persons/{id}", { params: { path: { id: personId } } })) as Promise<PersonCard>,
      unwrap(api.GET("/persons/{id}/summonses", { params: { path: { id: personId } } })) as Promise<PersonSummonses>,
    ]);
    return { card, summonses };
  }, [personId]);
}
