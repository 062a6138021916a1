// One summons as both citizen and officer see it: what, where and when, the legal basis, how
// it was served (the delivery log, with the rule that made an attempt count as service) and
// the excuses filed against it.
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { Profile, Summons } from "../api/types";
import { formatInstant, term } from "../format";
import { ScrollArea, ServerText, StatusTag, SummaryRow } from "./ui";

export function legalBasisText(profile: Profile | undefined, basis: string): string | undefined {
  return profile?.legal_bases?.[basis];
}

export function LegalBasis({ basis, profile }: { basis: string; profile?: Profile }) {
  const text = legalBasisText(profile, basis);
  return (
    <>
      <code className="muster-code">{basis}</code>
      {text && (
        <>
          {" — "}
          <ServerText>{text}</ServerText>
        </>
      )}
    </>
  );
}

export function SummonsDetails({
  summons,
  zone,
  profile,
  actions,
  excuseActions,
  headingLevel = 2,
}: {
  summons: Summons;
  zone?: string;
  profile?: Profile;
  actions?: ReactNode;
  excuseActions?: (excuseId: number) => ReactNode;
  headingLevel?: 2 | 3;
}) {
  const { t } = useTranslation();
  const Heading = headingLevel === 2 ? "h2" : "h3";
  const headingId = `summons-${summons.summons_id}`;
  return (
    <section className="muster-summons" aria-labelledby={headingId} data-testid="summons" data-summons-id={summons.summons_id}>
      <Heading className="govuk-heading-m" id={headingId}>
        {t("summons.heading", { id: summons.summons_id })} <StatusTag status={summons.status} group="summonsStatus" />
      </Heading>
      <dl className="govuk-summary-list">
        <SummaryRow label={t("summons.purpose")}>{summons.purpose}</SummaryRow>
        <SummaryRow label={t("summons.appearance")} testId="summons-appearance">
          <strong>{formatInstant(summons.appearance_at, zone)}</strong>
        </SummaryRow>
        <SummaryRow label={t("summons.place")}>
          {summons.place || "—"} ({t("summons.office")} {summons.office})
        </SummaryRow>
        <SummaryRow label={t("summons.legalBasis")}>
          <LegalBasis basis={summons.legal_basis} profile={profile} />
          <span className="govuk-body-s muster-muted"> · {t("summons.profileVersion", { version: summons.profile_version })}</span>
        </SummaryRow>
        <SummaryRow label={t("summons.issued")}>{formatInstant(summons.issued_at, zone)}</SummaryRow>
        <SummaryRow label={t("summons.served")}>
          {summons.served_at ? (
            <>
              {formatInstant(summons.served_at, zone)}
              {summons.served_rule && (
                <span className="govuk-body-s muster-muted">
                  {" "}
                  · {t("summons.byRule")} <code className="muster-code">{summons.served_rule}</code>
                </span>
              )}
            </>
          ) : (
            t("summons.notServed")
          )}
        </SummaryRow>
        {summons.closed_at && (
          <SummaryRow label={t("summons.closed")}>
            {formatInstant(summons.closed_at, zone)}
            {summons.close_reason && <> — {term("closeReason", summons.close_reason)}</>}
          </SummaryRow>
        )}
        {summons.verification_code && (
          <SummaryRow label={t("summons.verificationCode")}>
            <Link className="govuk-link" to={`/check/${encodeURIComponent(summons.verification_code)}`}>
              {summons.verification_code}
            </Link>
          </SummaryRow>
        )}
      </dl>

      <ScrollArea label={t("summons.deliveryLog")}>
        <table className="govuk-table" data-testid="delivery-log">
          <caption className="govuk-table__caption govuk-table__caption--s">{t("summons.deliveryLog")}</caption>
          <thead className="govuk-table__head">
            <tr className="govuk-table__row">
              <th scope="col" className="govuk-table__header">{t("summons.when")}</th>
              <th scope="col" className="govuk-table__header">{t("summons.channel")}</th>
              <th scope="col" className="govuk-table__header">{t("summons.mark")}</th>
              <th scope="col" className="govuk-table__header">{t("summons.evidence")}</th>
              <th scope="col" className="govuk-table__header">{t("summons.servesAt")}</th>
            </tr>
          </thead>
          <tbody className="govuk-table__body">
            {summons.delivery_log.length === 0 && (
              <tr className="govuk-table__row">
                <td className="govuk-table__cell" colSpan={5}>{t("summons.noAttempts")}</td>
              </tr>
            )}
            {summons.delivery_log.map((attempt) => (
              <tr className="govuk-table__row" key={attempt.attempt_id}>
                <td className="govuk-table__cell">{formatInstant(attempt.at, zone)}</td>
                <td className="govuk-table__cell">{term("channel", attempt.channel)}</td>
                <td className="govuk-table__cell">{term("mark", attempt.mark)}</td>
                <td className="govuk-table__cell"><ServerText>{attempt.evidence}</ServerText></td>
                <td className="govuk-table__cell">
                  {attempt.serves_at ? formatInstant(attempt.serves_at, zone) : t("summons.doesNotServe")}
                  {attempt.service_rule && (
                    <div className="govuk-body-s muster-muted"><code className="muster-code">{attempt.service_rule}</code></div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollArea>

      {summons.excuses.length > 0 && (
        <>
          <h3 className="govuk-heading-s">{t("summons.excuses")}</h3>
          <ul className="govuk-list">
            {summons.excuses.map((excuse) => (
              <li key={excuse.excuse_id} className="muster-excuse" data-testid="excuse">
                <StatusTag
                  status={excuse.accepted === null ? "pending" : excuse.accepted ? "accepted" : "rejected"}
                  group="decision"
                />{" "}
                {term("excuseReason", excuse.reason)} · {t("summons.filed")} {formatInstant(excuse.filed_at, zone)}
                {excuse.documents && <div className="govuk-body-s">{t("summons.documents")}: {excuse.documents}</div>}
                {excuse.note && <div className="govuk-body-s">{t("summons.decisionNote")}: {excuse.note}</div>}
                {excuse.accepted === null && excuseActions?.(excuse.excuse_id)}
              </li>
            ))}
          </ul>
        </>
      )}
      {actions && <div className="muster-actions">{actions}</div>}
    </section>
  );
}
