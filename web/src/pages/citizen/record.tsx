// "My record": what the registry holds about me, where each value came from, and a way to
// dispute any of it (an objection that names the field).
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, unwrap } from "../../api/client";
import type { Attribute, PersonCard } from "../../api/types";
import { ScrollArea, Loading, Page, ProblemMessage, StatusTag, SummaryRow, useLoad } from "../../components/ui";
import { formatDate, formatInstant, fullName, regionName, term, zoneOfRegion } from "../../format";
import { useCitizenId } from "./common";

// The card's fields and the attribute names their sources are recorded under.
const fields: { field: string; attribute: string[] }[] = [
  { field: "names", attribute: ["family_name", "given_name", "patronymic"] },
  { field: "names_latin", attribute: ["family_name_latin", "given_name_latin", "patronymic_latin"] },
  { field: "sex", attribute: ["sex"] },
  { field: "birth_date", attribute: ["birth_date"] },
  { field: "region", attribute: ["region", "office"] },
  { field: "office", attribute: ["office"] },
  { field: "has_portal_account", attribute: ["has_portal_account"] },
  { field: "fitness", attribute: ["fitness"] },
  { field: "status", attribute: ["status"] },
];

function valueOf(card: PersonCard, field: string): string {
  switch (field) {
    case "names":
      return fullName(card.names);
    case "names_latin":
      return fullName(card.names_latin);
    case "sex":
      return term("sex", card.sex);
    case "birth_date":
      return formatDate(card.birth_date);
    case "region":
      return regionName(card.region);
    case "office":
      return card.office;
    case "has_portal_account":
      return term("yesNo", card.has_portal_account ? "yes" : "no");
    case "fitness":
      return card.fitness
        ? `${card.fitness.category}${card.fitness.until ? ` (${formatDate(card.fitness.until)})` : ""}`
        : "—";
    case "status":
      return term("personStatus", card.status);
    default:
      return "—";
  }
}

export function SourceText({ card, names }: { card: PersonCard; names: string[] }) {
  const { t } = useTranslation();
  const attribute: Attribute | undefined = card.attributes?.find((entry) => names.includes(entry.name));
  if (attribute) {
    return (
      <span className="muster-source">
        {t("record.sourceDetail", {
          agency: term("agency", attribute.agency),
          batch: attribute.batch,
          record: attribute.record,
          at: formatInstant(attribute.recorded_at, zoneOfRegion(card.region)),
        })}
        {attribute.disputed && (
          <>
            {" "}
            <StatusTag status="pending" group="dispute" />
          </>
        )}
      </span>
    );
  }
  return <span className="muster-source">{term("source", card.source)}</span>;
}

export function CitizenRecord() {
  const { t } = useTranslation();
  const personId = useCitizenId();
  const { data: card, error, loading } = useLoad(
    () => unwrap(api.GET("/persons/{id}", { params: { path: { id: personId } } })) as Promise<PersonCard>,
    [personId],
  );
  return (
    <Page title={t("record.title")} wide>
      {loading && <Loading />}
      {error !== undefined && <ProblemMessage error={error} />}
      {card && (
        <>
          <p className="govuk-body">{t("record.lead")}</p>
          <ScrollArea label={t("record.whatWeHold")}>
            <table className="govuk-table muster-record" data-testid="record-table">
              <caption className="govuk-table__caption govuk-table__caption--m">{t("record.whatWeHold")}</caption>
              <thead className="govuk-table__head">
                <tr className="govuk-table__row">
                  <th scope="col" className="govuk-table__header">{t("record.field")}</th>
                  <th scope="col" className="govuk-table__header">{t("record.value")}</th>
                  <th scope="col" className="govuk-table__header">{t("record.source")}</th>
                  <th scope="col" className="govuk-table__header">
                    <span className="govuk-visually-hidden">{t("record.actions")}</span>
                  </th>
                </tr>
              </thead>
              <tbody className="govuk-table__body">
                {fields.map(({ field, attribute }) => (
                  <tr className="govuk-table__row" key={field} data-field={field}>
                    <th scope="row" className="govuk-table__header">{t(`record.fields.${field}` as never)}</th>
                    <td className="govuk-table__cell">{valueOf(card, field)}</td>
                    <td className="govuk-table__cell"><SourceText card={card} names={attribute} /></td>
                    <td className="govuk-table__cell">
                      <Link className="govuk-link" to={`/citizen/apply/objection?field=${field}`}>
                        {t("record.dispute")}
                        <span className="govuk-visually-hidden">: {t(`record.fields.${field}` as never)}</span>
                      </Link>
                    </td>
                  </tr>
                ))}
                {card.identifiers.map((identifier) => (
                  <tr className="govuk-table__row" key={identifier.kind} data-field={identifier.kind}>
                    <th scope="row" className="govuk-table__header">{term("identifier", identifier.kind)}</th>
                    <td className="govuk-table__cell muster-nowrap">{identifier.value}</td>
                    <td className="govuk-table__cell"><SourceText card={card} names={[identifier.kind]} /></td>
                    <td className="govuk-table__cell">
                      <Link className="govuk-link" to={`/citizen/apply/objection?field=${identifier.kind}`}>
                        {t("record.dispute")}
                        <span className="govuk-visually-hidden">: {term("identifier", identifier.kind)}</span>
                      </Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollArea>
          {!card.attributes && <p className="govuk-body-s muster-muted">{t("record.sourceNote")}</p>}

          <h2 className="govuk-heading-m">{t("record.grounds")}</h2>
          {card.grounds.length === 0 ? (
            <p className="govuk-body">{t("record.noGrounds")}</p>
          ) : (
            <dl className="govuk-summary-list">
              {card.grounds.map((ground) => (
                <SummaryRow key={ground.ground_id} label={`${term("groundKind", ground.kind)}: ${term("basis", ground.basis)}`}>
                  {t("record.groundValidity", { from: formatDate(ground.valid_from), until: formatDate(ground.valid_until) })}{" "}
                  <StatusTag status={ground.ended_at ? "ended" : "active"} group="groundState" />
                  <br />
                  <span className="govuk-body-s">{t("record.evidence")}: {ground.evidence}</span>
                </SummaryRow>
              ))}
            </dl>
          )}
          <p className="govuk-body">
            <Link className="govuk-link" to="/citizen/apply/deferment">{t("record.applyDeferment")}</Link>
          </p>
        </>
      )}
    </Page>
  );
}
