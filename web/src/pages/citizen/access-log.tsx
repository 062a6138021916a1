// "Who accessed my data": every read of my record by an officer, agency or auditor, with the
// stated purpose, and refused attempts too (DESIGN.md §2.6).
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import type { AccessEntry, AccessLog, PersonCard } from "../../api/types";
import { Button, Empty, Loading, Page, ProblemMessage, StatusTag, useLoad } from "../../components/ui";
import { formatInstant, term, zoneOfRegion } from "../../format";
import { useCitizenId } from "./common";

const pageSize = 100;

// One visit of an officer's screen reads several resources at once (card, measures, summonses
// …), each journalled on its own line. Shown to the citizen as one entry per actor, action,
// purpose and outcome within five minutes, listing everything that was seen; the count says how
// many journal lines it stands for.
interface Visit {
  first: AccessEntry;
  last: AccessEntry;
  fields: string[];
  count: number;
}

function groupVisits(entries: AccessEntry[]): Visit[] {
  const visits: Visit[] = [];
  for (const entry of entries) {
    const current = visits[visits.length - 1];
    const same =
      current &&
      current.first.actor === entry.actor &&
      current.first.action === entry.action &&
      current.first.purpose === entry.purpose &&
      current.first.outcome === entry.outcome &&
      Math.abs(Date.parse(current.last.at) - Date.parse(entry.at)) <= 5 * 60 * 1000;
    const fields = entry.fields ? entry.fields.split(",") : [];
    if (same) {
      current.last = entry;
      current.count += 1;
      for (const field of fields) if (!current.fields.includes(field)) current.fields.push(field);
    } else {
      visits.push({ first: entry, last: entry, fields, count: 1 });
    }
  }
  return visits;
}

export function CitizenAccessLog() {
  const { t } = useTranslation();
  const personId = useCitizenId();
  const [older, setOlder] = useState<AccessEntry[]>([]);
  const [more, setMore] = useState<unknown>();
  // The citizen's own views are journalled too; by default the list shows the others'.
  const [showOwn, setShowOwn] = useState(false);
  const { data, error, loading } = useLoad(async () => {
    const [card, log] = await Promise.all([
      unwrap(api.GET("/persons/{id}", { params: { path: { id: personId } } })) as Promise<PersonCard>,
      unwrap(api.GET("/persons/{id}/access-log", { params: { path: { id: personId }, query: { limit: pageSize } } })) as Promise<AccessLog>,
    ]);
    return { card, log };
  }, [personId]);
  const entries = [...(data?.log.entries ?? []), ...older];
  const zone = zoneOfRegion(data?.card.region);
  const shown = showOwn ? entries : entries.filter((entry) => entry.actor_kind !== "citizen");
  const last = entries[entries.length - 1];
  const canLoadMore = data && (data.log.entries.length === pageSize) && more !== "end";

  const loadOlder = async () => {
    if (!last) return;
    try {
      const page = (await unwrap(
        api.GET("/persons/{id}/access-log", { params: { path: { id: personId }, query: { limit: pageSize, before: last.entry_id } } }),
      )) as AccessLog;
      setOlder((previous) => [...previous, ...page.entries]);
      if (page.entries.length < pageSize) setMore("end");
    } catch (failure) {
      setMore(failure);
    }
  };

  return (
    <Page title={t("accessLog.title")} wide>
      <p className="govuk-body">{t("accessLog.lead")}</p>
      {loading && <Loading />}
      {error !== undefined && <ProblemMessage error={error} />}
      {data && entries.length === 0 && <Empty>{t("accessLog.none")}</Empty>}
      {data && entries.length > 0 && (
        <div className="govuk-checkboxes govuk-checkboxes--small muster-own-toggle">
          <div className="govuk-checkboxes__item">
            <input className="govuk-checkboxes__input" id="show-own" type="checkbox" checked={showOwn}
              onChange={(event) => setShowOwn(event.target.checked)} />
            <label className="govuk-label govuk-checkboxes__label" htmlFor="show-own">{t("accessLog.showOwn")}</label>
          </div>
        </div>
      )}
      {data && entries.length > 0 && shown.length === 0 && <Empty>{t("accessLog.noneByOthers")}</Empty>}
      {shown.length > 0 && (
        <ol className="govuk-list muster-access-list" data-testid="access-log" aria-label={t("accessLog.title")}>
          {groupVisits(shown).map(({ first: entry, fields, count }) => (
            <li key={entry.entry_id} className="muster-access-entry" data-actor={entry.actor} data-testid="access-entry">
              <p className="govuk-body govuk-!-margin-bottom-1">
                <strong>{entry.actor.replace(/^[a-z]+:/, "")}</strong>{" "}
                <span className="muster-muted">({term("actorKind", entry.actor_kind)})</span>{" "}
                <StatusTag status={entry.outcome === "ok" ? "accepted" : "rejected"} group="accessOutcome" />
              </p>
              <dl className="muster-access-facts">
                <div><dt>{t("accessLog.when")}</dt><dd>{formatInstant(entry.at, zone)}</dd></div>
                <div>
                  <dt>{t("accessLog.action")}</dt>
                  <dd>{term("accessAction", entry.action)}{count > 1 && <> · {t("accessLog.times", { count })}</>}</dd>
                </div>
                <div>
                  <dt>{t("accessLog.what")}</dt>
                  <dd>{fields.length ? fields.map((field) => term("accessField", field)).join(", ") : "—"}</dd>
                </div>
                <div><dt>{t("accessLog.purpose")}</dt><dd>{term("purpose", entry.purpose)}</dd></div>
                {entry.outcome !== "ok" && <div><dt>{t("accessLog.outcome")}</dt><dd>{entry.outcome}</dd></div>}
              </dl>
            </li>
          ))}
        </ol>
      )}
      {more !== undefined && more !== "end" && <ProblemMessage error={more} />}
      {canLoadMore && (
        <Button type="button" secondary onClick={() => void loadOlder()}>{t("accessLog.older")}</Button>
      )}
    </Page>
  );
}
