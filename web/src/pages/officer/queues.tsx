// Review queues: identity matches held by the feeds, pending objections, and liftings that a
// consumer has not confirmed in time. Each queue comes from its own route; a route the server
// does not offer yet shows as "not available yet", an empty queue as "no items".
import { useMemo, useState } from "react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { ApiError, getOptional, newIdempotencyKey, postJson } from "../../api/client";
import type { Optional } from "../../api/client";
import type { LiftConfirmation, MatchReview, QueuedObjection } from "../../api/types";
import { Button, Empty, Loading, ScrollArea, NotAvailable, Page, ProblemMessage, StatusTag, useLoad } from "../../components/ui";
import { formatInstant, term } from "../../format";

function Queue<T>({ id, title, route, what, load, render }: {
  id: string;
  title: string;
  route: string;
  what: string;
  load: () => Promise<Optional<T[]>>;
  render: (items: T[], reload: () => void) => ReactNode;
}) {
  const { t } = useTranslation();
  const { data, error, loading, reload } = useLoad(load, []);
  return (
    <section aria-labelledby={`${id}-title`} className="muster-queue" data-testid={`queue-${id}`}>
      <h2 className="govuk-heading-m" id={`${id}-title`}>
        {title}
        {data?.available && <span className="muster-count"> ({data.data.length})</span>}
      </h2>
      <p className="govuk-body-s muster-muted"><code className="muster-code">GET {route}</code></p>
      {loading && <Loading />}
      {error instanceof ApiError && error.status === 403 ? (
        <div className="govuk-inset-text" data-testid="forbidden">
          <p className="govuk-body">{t("queues.forbidden")}</p>
          {error.problem.detail && <p className="govuk-body-s muster-muted">{error.problem.detail}</p>}
        </div>
      ) : error !== undefined && <ProblemMessage error={error} />}
      {data && !data.available && <NotAvailable what={what} />}
      {data?.available && data.data.length === 0 && <Empty>{t("queues.noItems")}</Empty>}
      {data?.available && data.data.length > 0 && render(data.data, reload)}
    </section>
  );
}

async function listOf<T>(path: string, member: string): Promise<Optional<T[]>> {
  const answer = await getOptional<Record<string, T[]>>(path);
  return answer.available ? { available: true, data: answer.data[member] ?? [] } : answer;
}

export function Queues() {
  const { t } = useTranslation();
  return (
    <Page title={t("queues.title")} wide>
      <p className="govuk-body">{t("queues.lead")}</p>
      <Queue<MatchReview> id="matches" title={t("queues.matches")} route="/reviews"
        what={t("queues.matchesUnavailable")} load={() => listOf("/reviews", "reviews")}
        render={(items, reload) => (
          <Table headers={[t("queues.record"), t("queues.candidate"), t("queues.weight"), t("queues.decision")]}>
            {items.map((review) => (
              <tr className="govuk-table__row" key={review.review_id} data-review-id={review.review_id}>
                <td className="govuk-table__cell">
                  {personLine(review.record)}
                  <div className="govuk-body-s muster-muted">{term("agency", review.agency)} · {t("queues.batchLine", { sequence: review.sequence, line: review.line })}</div>
                </td>
                <td className="govuk-table__cell">
                  <Link className="govuk-link" to={`/officer/persons/${review.candidate_id}`}>{personLine(review.candidate) || t("person.caption", { id: review.candidate_id })}</Link>
                </td>
                <td className="govuk-table__cell govuk-table__cell--numeric">{review.weight.toFixed(2)}</td>
                <td className="govuk-table__cell">
                  {review.status === "open"
                    ? <DecideMatch reviewId={review.review_id} onDone={reload} />
                    : <StatusTag status={review.status} group="reviewState" />}
                </td>
              </tr>
            ))}
          </Table>
        )} />
      <Queue<QueuedObjection> id="objections" title={t("queues.objections")} route="/objections?status=pending&limit=50"
        what={t("queues.objectionsUnavailable")} load={() => listOf("/objections?status=pending&limit=50", "objections")}
        render={(items) => (
          <Table headers={[t("queues.filed"), t("queues.person"), t("queues.reason")]}>
            {items.map((objection) => (
              <tr className="govuk-table__row" key={objection.objection_id}>
                <td className="govuk-table__cell">{formatInstant(objection.filed_at)}</td>
                <td className="govuk-table__cell"><Link className="govuk-link" to={`/officer/persons/${objection.person_id}`}>{t("person.caption", { id: objection.person_id })}</Link></td>
                <td className="govuk-table__cell">{objection.reason}</td>
              </tr>
            ))}
          </Table>
        )} />
      <Queue<LiftConfirmation> id="lifts" title={t("queues.lifts")} route="/enforcement/overdue-lifts"
        what={t("queues.liftsUnavailable")} load={() => listOf("/enforcement/overdue-lifts", "overdue")}
        render={(items) => (
          <Table headers={[t("queues.consumer"), t("person.measure"), t("queues.person"), t("queues.deadline"), t("queues.status")]}>
            {items.map((entry) => (
              <tr className="govuk-table__row" key={`${entry.consumer}-${entry.measure_id}`}>
                <td className="govuk-table__cell">{term("agency", entry.consumer)}</td>
                <td className="govuk-table__cell">{term("measure", entry.kind)}</td>
                <td className="govuk-table__cell"><Link className="govuk-link" to={`/officer/persons/${entry.person_id}`}>{t("person.caption", { id: entry.person_id })}</Link></td>
                <td className="govuk-table__cell">{formatInstant(entry.deadline_at)}</td>
                <td className="govuk-table__cell"><StatusTag status={entry.state} group="liftState" /></td>
              </tr>
            ))}
          </Table>
        )} />
    </Page>
  );
}

function Table({ headers, children }: { headers: string[]; children: ReactNode }) {
  return (
    <ScrollArea label={headers.join(", ")}>
      <table className="govuk-table">
        <thead className="govuk-table__head">
          <tr className="govuk-table__row">
            {headers.map((header) => <th scope="col" className="govuk-table__header" key={header}>{header}</th>)}
          </tr>
        </thead>
        <tbody className="govuk-table__body">{children}</tbody>
      </table>
    </ScrollArea>
  );
}

// "Фамилия Имя Отчество, 2001-02-03" from a feed record or a candidate card.
function personLine(record: Record<string, unknown>): string {
  const text = (key: string) => (typeof record[key] === "string" ? (record[key] as string) : "");
  const name = [text("family_name"), text("given_name"), text("patronymic")].filter(Boolean).join(" ");
  return [name, text("birth_date")].filter(Boolean).join(", ");
}

function DecideMatch({ reviewId, onDone }: { reviewId: number; onDone: () => void }) {
  const { t } = useTranslation();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const key = useMemo(() => newIdempotencyKey(), []);
  const decide = async (decision: "link" | "new") => {
    setBusy(true);
    try {
      await postJson(`/reviews/${reviewId}/decision`, { decision }, `${key}-${decision}`);
      onDone();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      {error !== undefined && <ProblemMessage error={error} />}
      <div className="govuk-button-group muster-compact-buttons">
        <Button type="button" secondary disabled={busy} onClick={() => void decide("link")}>
          {t("queues.link")}<span className="govuk-visually-hidden"> ({reviewId})</span>
        </Button>
        <Button type="button" secondary disabled={busy} onClick={() => void decide("new")}>
          {t("queues.newPerson")}<span className="govuk-visually-hidden"> ({reviewId})</span>
        </Button>
      </div>
    </>
  );
}
