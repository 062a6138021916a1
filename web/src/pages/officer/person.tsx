// The person card: who, what blocks adverse action (gates), measures, summonses with their
// delivery logs and the officer's actions on them (appearance, excuse decisions), objections,
// deferments and the full timeline.
import { useEffect, useMemo, useState } from "react";
import type { FormEvent, ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation, useNavigate, useParams } from "react-router";
import { api, newIdempotencyKey, unwrap } from "../../api/client";
import { useProfile } from "../../api/profile";
import type { Explanation, PersonCard, PersonMeasures, PersonSummonses, Profile, Timeline } from "../../api/types";
import { LegalBasis, SummonsDetails } from "../../components/summons";
import { ScrollArea,
  Button, Empty, ErrorSummary, Loading, Page, ProblemMessage, ServerText, StatusTag, SummaryRow, TextInput, problemErrors, useLoad,
} from "../../components/ui";
import type { FieldError } from "../../components/ui";
import { formatDate, formatInstant, fullName, regionName, term, zoneOfRegion } from "../../format";

export function usePersonId(): number {
  const { personId } = useParams();
  return Number(personId);
}

export function PersonCardPage() {
  const { t } = useTranslation();
  const personId = usePersonId();
  const profile = useProfile();
  const location = useLocation();
  const navigate = useNavigate();
  const [notice, setNotice] = useState<string | undefined>((location.state as { notice?: string } | null)?.notice);
  // A notice handed over by the previous page is shown once: not again on reload or return.
  useEffect(() => {
    if ((location.state as { notice?: string } | null)?.notice) navigate(location.pathname, { replace: true, state: null });
  }, [location, navigate]);
  const { data, error, loading, reload } = useLoad(async () => {
    const path = { params: { path: { id: personId } } };
    const [card, measures, explanation, summonses, timeline] = await Promise.all([
      unwrap(api.GET("/persons/{id}", path)) as Promise<PersonCard>,
      unwrap(api.GET("/persons/{id}/measures", path)) as Promise<PersonMeasures>,
      unwrap(api.GET("/persons/{id}/explain", path)) as Promise<Explanation>,
      unwrap(api.GET("/persons/{id}/summonses", path)) as Promise<PersonSummonses>,
      unwrap(api.GET("/persons/{id}/timeline", path)) as Promise<Timeline>,
    ]);
    return { card, measures, explanation, summonses, timeline };
  }, [personId]);
  const changed = (message: string) => {
    setNotice(message);
    reload();
  };
  const zone = zoneOfRegion(data?.card.region);
  const title = data ? fullName(data.card.names) : t("person.title");

  return (
    <Page title={title} caption={t("person.caption", { id: personId })} backTo="/officer" backLabel={t("person.backToSearch")} wide>
      {notice && (
        <div className="govuk-notification-banner govuk-notification-banner--success" role="status" data-testid="notice">
          <div className="govuk-notification-banner__header">
            <h2 className="govuk-notification-banner__title">{t("common.success")}</h2>
          </div>
          <div className="govuk-notification-banner__content">
            <p className="govuk-notification-banner__heading">{notice}</p>
          </div>
        </div>
      )}
      {loading && !data && <Loading />}
      {error !== undefined && <ProblemMessage error={error} />}
      {data && (
        <>
          <div className="govuk-grid-row">
            <div className="govuk-grid-column-two-thirds-from-desktop">
              <dl className="govuk-summary-list" data-testid="person-summary">
                <SummaryRow label={t("record.fields.names_latin")}>{fullName(data.card.names_latin)}</SummaryRow>
                <SummaryRow label={t("record.fields.birth_date")}>{formatDate(data.card.birth_date)}</SummaryRow>
                <SummaryRow label={t("record.fields.sex")}>{term("sex", data.card.sex)}</SummaryRow>
                <SummaryRow label={t("record.fields.region")}>{regionName(data.card.region)} · {data.card.office}</SummaryRow>
                <SummaryRow label={t("record.fields.status")}>{term("personStatus", data.card.status)}</SummaryRow>
                <SummaryRow label={t("record.fields.fitness")}>
                  {data.card.fitness ? `${data.card.fitness.category}${data.card.fitness.until ? ` (${formatDate(data.card.fitness.until)})` : ""}` : "—"}
                </SummaryRow>
                <SummaryRow label={t("record.fields.has_portal_account")}>{term("yesNo", data.card.has_portal_account ? "yes" : "no")}</SummaryRow>
                {data.card.identifiers.map((identifier) => (
                  <SummaryRow key={identifier.kind} label={term("identifier", identifier.kind)}>{identifier.value}</SummaryRow>
                ))}
                <SummaryRow label={t("record.source")}>{term("source", data.card.source)}</SummaryRow>
              </dl>
            </div>
            <div className="govuk-grid-column-one-third-from-desktop">
              <h2 className="govuk-heading-s">{t("person.actions")}</h2>
              <ul className="govuk-list muster-action-list">
                <li><Link className="govuk-button" to={`/officer/persons/${personId}/summons`} data-testid="issue-summons">{t("person.issueSummons")}</Link></li>
                <li><Link className="govuk-link" to={`/officer/persons/${personId}/deferment`}>{t("person.grantGround")}</Link></li>
                <li><Link className="govuk-link" to={`/officer/persons/${personId}/fitness`}>{t("person.decideFitness")}</Link></li>
              </ul>
            </div>
          </div>

          <h2 className="govuk-heading-m">{t("person.gates")}</h2>
          {data.explanation.gates.length === 0 ? (
            <p className="govuk-body" data-testid="gates-none">{t("person.noGates")}</p>
          ) : (
            <div className="govuk-warning-text" data-testid="gates">
              <span className="govuk-warning-text__icon" aria-hidden="true">!</span>
              <div className="govuk-warning-text__text">
                <span className="govuk-visually-hidden">{t("common.warning")}</span>
                <ul className="govuk-list">
                  {data.explanation.gates.map((gate, index) => <li key={index}><ServerText>{gate}</ServerText></li>)}
                </ul>
              </div>
            </div>
          )}

          <h2 className="govuk-heading-m">{t("person.measures")}</h2>
          {data.measures.measures.length === 0 ? (
            <Empty>{t("person.noMeasures")}</Empty>
          ) : (
            <ScrollArea label={t("person.measures")}>
              <table className="govuk-table" data-testid="officer-measures">
                <caption className="govuk-visually-hidden">{t("person.measures")}</caption>
                <thead className="govuk-table__head">
                  <tr className="govuk-table__row">
                    <th scope="col" className="govuk-table__header">{t("person.measure")}</th>
                    <th scope="col" className="govuk-table__header">{t("person.state")}</th>
                    <th scope="col" className="govuk-table__header">{t("measures.since")}</th>
                    <th scope="col" className="govuk-table__header">{t("measures.because")}</th>
                    <th scope="col" className="govuk-table__header">{t("summons.legalBasis")}</th>
                  </tr>
                </thead>
                <tbody className="govuk-table__body">
                  {data.measures.measures.map((measure) => (
                    <tr className="govuk-table__row" key={measure.measure_id} data-kind={measure.kind} data-in-force={measure.in_force} data-summons-id={measure.summons_id}>
                      <td className="govuk-table__cell">{term("measure", measure.kind)}</td>
                      <td className="govuk-table__cell">
                        <StatusTag status={measure.in_force ? "in_force" : measure.lifted_at ? "lifted" : "pending"} group="measureState" />
                        {measure.lifted_at && <div className="govuk-body-s">{formatInstant(measure.lifted_at, zone)}{measure.lift_reason ? ` — ${term("liftReason", measure.lift_reason)}` : ""}</div>}
                      </td>
                      <td className="govuk-table__cell">{formatInstant(measure.start_at, zone)}</td>
                      <td className="govuk-table__cell">{t("measures.becauseSummons", { id: measure.summons_id })}<div className="govuk-body-s"><code className="muster-code">{measure.rule_id}</code></div></td>
                      <td className="govuk-table__cell"><LegalBasis basis={measure.legal_basis} profile={profile} /></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollArea>
          )}
          {data.explanation.measures.length > 0 && (
            <details className="govuk-details">
              <summary className="govuk-details__summary"><span className="govuk-details__summary-text">{t("person.explain")}</span></summary>
              <div className="govuk-details__text" data-testid="explain">
                <p className="govuk-body-s">{t("person.explainProfile", { profile: data.explanation.profile, at: formatInstant(data.explanation.at, zone) })}</p>
                {data.explanation.measures.map((measure) => (
                  <div key={measure.kind}>
                    <h3 className="govuk-heading-s">{term("measure", measure.kind)}: <StatusTag status={measure.in_force ? "in_force" : "lifted"} group="measureState" /></h3>
                    <ul className="govuk-list muster-explain">
                      {measure.lines.map((line, index) => <li key={index}><ServerText>{line}</ServerText></li>)}
                    </ul>
                  </div>
                ))}
              </div>
            </details>
          )}

          <h2 className="govuk-heading-m">{t("person.summonses")}</h2>
          {data.summonses.summonses.length === 0 && <Empty>{t("person.noSummonses")}</Empty>}
          {data.summonses.summonses.map((summons) => (
            <SummonsDetails key={summons.summons_id} summons={summons} zone={zone} profile={profile} headingLevel={3}
              actions={summons.status === "issued" || summons.status === "served" ? (
                <>
                  <RecordAppearance summonsId={summons.summons_id} onDone={() => changed(t("person.appearanceRecorded", { id: summons.summons_id }))} />
                  <RecordMark summonsId={summons.summons_id} channels={profile?.channels ?? []}
                    onDone={() => changed(t("person.markRecorded", { id: summons.summons_id }))} />
                  <CancelSummons summonsId={summons.summons_id} onDone={() => changed(t("person.summonsCancelled", { id: summons.summons_id }))} />
                </>
              ) : undefined}
              excuseActions={(excuseId) => (
                <DecideExcuse excuseId={excuseId} onDone={(accepted) => changed(t(accepted ? "person.excuseAccepted" : "person.excuseRejected"))} />
              )} />
          ))}

          <h2 className="govuk-heading-m">{t("person.objections")}</h2>
          {data.summonses.objections.length === 0 ? (
            <Empty>{t("person.noObjections")}</Empty>
          ) : (
            <ul className="govuk-list">
              {data.summonses.objections.map((objection) => (
                <li key={objection.objection_id} className="muster-excuse">
                  <StatusTag status={objection.upheld === null ? "pending" : objection.upheld ? "upheld" : "dismissed"} group="decision" />{" "}
                  {objection.reason} · {t("summons.filed")} {formatInstant(objection.filed_at, zone)}
                  {objection.upheld === null && (
                    <DecideObjection objectionId={objection.objection_id} onDone={(upheld) => changed(t(upheld ? "person.objectionUpheld" : "person.objectionDismissed"))} />
                  )}
                </li>
              ))}
            </ul>
          )}

          <h2 className="govuk-heading-m">{t("record.grounds")}</h2>
          {data.card.grounds.length === 0 ? <Empty>{t("record.noGrounds")}</Empty> : (
            <ul className="govuk-list">
              {data.card.grounds.map((ground) => (
                <li key={ground.ground_id} className="muster-excuse">
                  <StatusTag status={ground.ended_at ? "ended" : "active"} group="groundState" /> {term("groundKind", ground.kind)}: {term("basis", ground.basis)} ·{" "}
                  {t("record.groundValidity", { from: formatDate(ground.valid_from), until: formatDate(ground.valid_until) })} · {ground.evidence}
                  {ground.ended_at && <> · {formatInstant(ground.ended_at, zone)}{ground.end_reason ? ` — ${ground.end_reason}` : ""}</>}
                  {!ground.ended_at && <EndGround groundId={ground.ground_id} onDone={() => changed(t("person.groundEnded"))} />}
                </li>
              ))}
            </ul>
          )}

          <details className="govuk-details">
            <summary className="govuk-details__summary"><span className="govuk-details__summary-text">{t("person.timeline")}</span></summary>
            <div className="govuk-details__text">
              <ol className="govuk-list muster-timeline" data-testid="timeline">
                {data.timeline.lines.map((line, index) => <li key={index}><ServerText>{line}</ServerText></li>)}
              </ol>
            </div>
          </details>
        </>
      )}
    </Page>
  );
}

function RecordAppearance({ summonsId, onDone }: { summonsId: number; onDone: () => void }) {
  const { t } = useTranslation();
  const [confirming, setConfirming] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const key = useMemo(() => newIdempotencyKey(), []);
  const record = async () => {
    setBusy(true);
    try {
      await unwrap(api.POST("/summonses/{id}/appearance", { params: { path: { id: summonsId } }, headers: { "Idempotency-Key": key }, body: {} }));
      setConfirming(false);
      onDone();
    } catch (error) {
      setErrors(problemErrors(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div data-testid="appearance">
      <ErrorSummary errors={errors} />
      {!confirming ? (
        <Button type="button" secondary onClick={() => setConfirming(true)} testId="record-appearance">
          {t("person.recordAppearance")}<span className="govuk-visually-hidden"> ({t("summons.heading", { id: summonsId })})</span>
        </Button>
      ) : (
        <div className="muster-confirm" role="group" aria-label={t("person.recordAppearance")}>
          <p className="govuk-body">{t("person.confirmAppearance", { id: summonsId })}</p>
          <div className="govuk-button-group">
            <Button type="button" onClick={() => void record()} disabled={busy} testId="confirm-appearance">{t("person.confirm")}</Button>
            <Button type="button" secondary onClick={() => setConfirming(false)}>{t("common.cancel")}</Button>
          </div>
        </div>
      )}
    </div>
  );
}

function DecisionForm({ idPrefix, acceptLabel, rejectLabel, onDecide }: {
  idPrefix: string; acceptLabel: string; rejectLabel: string; onDecide: (yes: boolean, note: string) => Promise<void>;
}) {
  const { t } = useTranslation();
  const [note, setNote] = useState("");
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const decide = async (yes: boolean, event?: FormEvent) => {
    event?.preventDefault();
    setBusy(true);
    try {
      await onDecide(yes, note.trim());
    } catch (error) {
      setErrors(problemErrors(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="muster-decision" onSubmit={(event) => void decide(true, event)}>
      <ErrorSummary errors={errors} />
      <div className="govuk-form-group">
        <label className="govuk-label govuk-label--s" htmlFor={`${idPrefix}-note`}>{t("person.decisionNote")}</label>
        <input id={`${idPrefix}-note`} className="govuk-input" value={note} onChange={(event) => setNote(event.target.value)} />
      </div>
      <div className="govuk-button-group">
        <Button disabled={busy}>{acceptLabel}</Button>
        <Button type="button" warning disabled={busy} onClick={() => void decide(false)}>{rejectLabel}</Button>
      </div>
    </form>
  );
}

function DecideExcuse({ excuseId, onDone }: { excuseId: number; onDone: (accepted: boolean) => void }) {
  const { t } = useTranslation();
  const key = useMemo(() => newIdempotencyKey(), []);
  return (
    <DecisionForm idPrefix={`excuse-${excuseId}`} acceptLabel={t("person.acceptExcuse")} rejectLabel={t("person.rejectExcuse")}
      onDecide={async (accepted, note) => {
        await unwrap(api.POST("/excuses/{id}/decision", { params: { path: { id: excuseId } }, headers: { "Idempotency-Key": `${key}-${accepted}` }, body: { accepted, note } }));
        onDone(accepted);
      }} />
  );
}

function DecideObjection({ objectionId, onDone }: { objectionId: number; onDone: (upheld: boolean) => void }) {
  const { t } = useTranslation();
  const key = useMemo(() => newIdempotencyKey(), []);
  return (
    <DecisionForm idPrefix={`objection-${objectionId}`} acceptLabel={t("person.upholdObjection")} rejectLabel={t("person.dismissObjection")}
      onDecide={async (upheld, note) => {
        await unwrap(api.POST("/objections/{id}/decision", { params: { path: { id: objectionId } }, headers: { "Idempotency-Key": `${key}-${upheld}` }, body: { upheld, note } }));
        onDone(upheld);
      }} />
  );
}

// A form behind a disclosure: the card stays short, the action is one click away.
function Disclosure({ summary, testId, children }: { summary: string; testId?: string; children: ReactNode }) {
  return (
    <details className="govuk-details muster-action-details" data-testid={testId}>
      <summary className="govuk-details__summary"><span className="govuk-details__summary-text">{summary}</span></summary>
      <div className="govuk-details__text">{children}</div>
    </details>
  );
}

function RecordMark({ summonsId, channels, onDone }: {
  summonsId: number; channels: Profile["channels"]; onDone: () => void;
}) {
  const { t } = useTranslation();
  const [channel, setChannel] = useState("");
  const [mark, setMark] = useState("");
  const [evidence, setEvidence] = useState("");
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const key = useMemo(() => newIdempotencyKey(), []);
  const marks = channels.find((entry) => entry.channel === channel)?.marks ?? [];
  const prefix = `mark-${summonsId}`;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing: FieldError[] = [];
    if (!channel) missing.push({ field: `${prefix}-channel`, text: t("person.errors.channel") });
    if (!mark) missing.push({ field: `${prefix}-mark`, text: t("person.errors.mark") });
    if (!evidence.trim()) missing.push({ field: `${prefix}-evidence`, text: t("person.errors.evidence") });
    setErrors(missing);
    if (missing.length) return;
    setBusy(true);
    try {
      await unwrap(api.POST("/summonses/{id}/marks", {
        params: { path: { id: summonsId } }, headers: { "Idempotency-Key": key },
        body: { channel: channel as never, mark, evidence: evidence.trim() },
      }));
      onDone();
    } catch (error) {
      setErrors(problemErrors(error, { channel: `${prefix}-channel`, mark: `${prefix}-mark`, evidence: `${prefix}-evidence` }));
    } finally {
      setBusy(false);
    }
  };
  const fieldError = (field: string) => errors.find((entry) => entry.field === `${prefix}-${field}`)?.text;
  return (
    <Disclosure summary={t("person.recordMark")}>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <ErrorSummary errors={errors} />
        <div className={`govuk-form-group${fieldError("channel") ? " govuk-form-group--error" : ""}`}>
          <label className="govuk-label" htmlFor={`${prefix}-channel`}>{t("summons.channel")}</label>
          {fieldError("channel") && <p className="govuk-error-message">{fieldError("channel")}</p>}
          <select id={`${prefix}-channel`} className="govuk-select" value={channel}
            onChange={(event) => { setChannel(event.target.value); setMark(""); }}>
            <option value="">{t("person.choose")}</option>
            {channels.map((entry) => <option key={entry.channel} value={entry.channel}>{term("channel", entry.channel)}</option>)}
          </select>
        </div>
        <div className={`govuk-form-group${fieldError("mark") ? " govuk-form-group--error" : ""}`}>
          <label className="govuk-label" htmlFor={`${prefix}-mark`}>{t("summons.mark")}</label>
          {fieldError("mark") && <p className="govuk-error-message">{fieldError("mark")}</p>}
          <select id={`${prefix}-mark`} className="govuk-select" value={mark} onChange={(event) => setMark(event.target.value)} disabled={!channel}>
            <option value="">{t("person.choose")}</option>
            {marks.map((value) => <option key={value} value={value}>{term("mark", value)}</option>)}
          </select>
        </div>
        <TextInput id={`${prefix}-evidence`} label={t("summons.evidence")} hint={t("person.evidenceHint")} value={evidence}
          onChange={(event) => setEvidence(event.target.value)} error={fieldError("evidence")} />
        <Button disabled={busy} secondary>{t("person.recordMark")}</Button>
      </form>
    </Disclosure>
  );
}

function CancelSummons({ summonsId, onDone }: { summonsId: number; onDone: () => void }) {
  const { t } = useTranslation();
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const key = useMemo(() => newIdempotencyKey(), []);
  const id = `cancel-${summonsId}-reason`;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!reason.trim()) {
      setErrors([{ field: id, text: t("person.errors.cancelReason") }]);
      return;
    }
    setBusy(true);
    try {
      await unwrap(api.POST("/summonses/{id}/cancel", { params: { path: { id: summonsId } }, headers: { "Idempotency-Key": key }, body: { reason: reason.trim() } }));
      onDone();
    } catch (error) {
      setErrors(problemErrors(error, { reason: id }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Disclosure summary={t("person.cancelSummons")}>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <ErrorSummary errors={errors} />
        <p className="govuk-body">{t("person.cancelText")}</p>
        <TextInput id={id} label={t("person.cancelReason")} value={reason} onChange={(event) => setReason(event.target.value)}
          error={errors.find((entry) => entry.field === id)?.text} />
        <Button disabled={busy} warning>{t("person.cancelSummons")}</Button>
      </form>
    </Disclosure>
  );
}

function EndGround({ groundId, onDone }: { groundId: number; onDone: () => void }) {
  const { t } = useTranslation();
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const key = useMemo(() => newIdempotencyKey(), []);
  const id = `ground-${groundId}-reason`;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!reason.trim()) {
      setErrors([{ field: id, text: t("person.errors.endReason") }]);
      return;
    }
    setBusy(true);
    try {
      await unwrap(api.POST("/grounds/{id}/end", { params: { path: { id: groundId } }, headers: { "Idempotency-Key": key }, body: { reason: reason.trim() } }));
      onDone();
    } catch (error) {
      setErrors(problemErrors(error, { reason: id }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Disclosure summary={t("person.endGround")}>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <ErrorSummary errors={errors} />
        <TextInput id={id} label={t("person.endReason")} value={reason} onChange={(event) => setReason(event.target.value)}
          error={errors.find((entry) => entry.field === id)?.text} />
        <Button disabled={busy} secondary>{t("person.endGround")}</Button>
      </form>
    </Disclosure>
  );
}
