// Applications: an excuse against a summons, an objection (to a summons or to a field of the
// record), and a deferment request. Each submission carries an Idempotency-Key, so a double
// click or a retry after a network error files it once.
import { useMemo, useState } from "react";
import type { FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams, useSearchParams } from "react-router";
import { ApiError, api, newIdempotencyKey, postJson, unwrap } from "../../api/client";
import { fallbackDefermentBases, fallbackExcuseReasons, useProfile } from "../../api/profile";
import type { PersonCard, PersonSummonses } from "../../api/types";
import {
  Button, Choices, ErrorSummary, Loading, NotAvailable, Page, ProblemMessage, TextArea, problemErrors, useLoad,
} from "../../components/ui";
import type { FieldError } from "../../components/ui";
import { formatInstant, term, zoneOfRegion } from "../../format";
import { useCitizenId } from "./common";

export function Apply() {
  const { t } = useTranslation();
  return (
    <Page title={t("apply.title")}>
      <p className="govuk-body">{t("apply.lead")}</p>
      <ul className="govuk-list muster-choice-list">
        <li>
          <h2 className="govuk-heading-s"><Link className="govuk-link" to="/citizen/summonses">{t("apply.excuseTitle")}</Link></h2>
          <p className="govuk-body">{t("apply.excuseText")}</p>
        </li>
        <li>
          <h2 className="govuk-heading-s"><Link className="govuk-link" to="/citizen/apply/deferment">{t("apply.defermentTitle")}</Link></h2>
          <p className="govuk-body">{t("apply.defermentText")}</p>
        </li>
        <li>
          <h2 className="govuk-heading-s"><Link className="govuk-link" to="/citizen/apply/objection">{t("apply.objectionTitle")}</Link></h2>
          <p className="govuk-body">{t("apply.objectionText")}</p>
        </li>
      </ul>
    </Page>
  );
}

function Submitted({ title, reference, next }: { title: string; reference: string; next: string }) {
  const { t } = useTranslation();
  return (
    <>
      <div className="govuk-panel govuk-panel--confirmation" data-testid="submitted">
        <h2 className="govuk-panel__title">{title}</h2>
        <div className="govuk-panel__body">{t("apply.reference")} <strong>{reference}</strong></div>
      </div>
      <h2 className="govuk-heading-m">{t("apply.whatNext")}</h2>
      <p className="govuk-body">{next}</p>
      <p className="govuk-body"><Link className="govuk-link" to="/citizen/summonses">{t("apply.backToSummonses")}</Link></p>
    </>
  );
}

export function ExcuseForm() {
  const { t } = useTranslation();
  const { summonsId } = useParams();
  const id = Number(summonsId);
  const profile = useProfile();
  const reasons = profile?.excuse_reasons ?? fallbackExcuseReasons;
  const [reason, setReason] = useState("");
  const [documents, setDocuments] = useState("");
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState<number>();
  const [busy, setBusy] = useState(false);
  const key = useMemo(() => newIdempotencyKey(), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing: FieldError[] = [];
    if (!reason) missing.push({ field: "reason-first", text: t("apply.errors.reason") });
    if (!documents.trim()) missing.push({ field: "documents", text: t("apply.errors.documents") });
    setErrors(missing);
    if (missing.length) return;
    setBusy(true);
    try {
      const filed = await unwrap(api.POST("/summonses/{id}/excuses", {
        params: { path: { id } },
        headers: { "Idempotency-Key": key },
        body: { reason, documents: documents.trim() },
      }));
      setDone(filed.excuse_id);
    } catch (error) {
      setErrors(problemErrors(error, { reason: "reason-first", documents: "documents" }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title={t("apply.excuseTitle")} caption={t("summons.heading", { id })} backTo="/citizen/summonses">
      {done !== undefined ? (
        <Submitted title={t("apply.excuseFiled")} reference={`E-${done}`} next={t("apply.excuseNext")} />
      ) : (
        <div className="govuk-grid-row">
          <div className="govuk-grid-column-two-thirds-from-desktop">
            <ErrorSummary errors={errors} />
            <form onSubmit={(event) => void submit(event)} noValidate data-testid="excuse-form">
              <Choices id="reason" legend={t("apply.excuseReason")} value={reason}
                onChange={(value) => setReason(String(value))}
                error={errors.find((error) => error.field === "reason-first")?.text}
                options={reasons.map((value) => ({ value, label: term("excuseReason", value) }))} />
              <TextArea id="documents" label={t("apply.documents")} hint={t("apply.documentsHint")} value={documents}
                onChange={(event) => setDocuments(event.target.value)}
                error={errors.find((error) => error.field === "documents")?.text} />
              <Button disabled={busy}>{t("apply.submitExcuse")}</Button>
            </form>
          </div>
        </div>
      )}
    </Page>
  );
}

const disputableFields = ["names", "names_latin", "sex", "birth_date", "region", "office", "has_portal_account",
  "fitness", "status", "snils", "inn", "passport", "foreign_passport", "driving_licence"];

export function ObjectionForm() {
  const { t } = useTranslation();
  const personId = useCitizenId();
  const [search] = useSearchParams();
  const [summonsId, setSummonsId] = useState(search.get("summons") ?? "");
  const [field, setField] = useState(search.get("field") ?? "");
  const [reason, setReason] = useState("");
  const [documents, setDocuments] = useState("");
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState<number>();
  const [busy, setBusy] = useState(false);
  const key = useMemo(() => newIdempotencyKey(), []);
  const { data, error, loading } = useLoad(async () => {
    const path = { params: { path: { id: personId } } };
    const [card, summonses] = await Promise.all([
      unwrap(api.GET("/persons/{id}", path)) as Promise<PersonCard>,
      unwrap(api.GET("/persons/{id}/summonses", path)) as Promise<PersonSummonses>,
    ]);
    return { card, summonses };
  }, [personId]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!reason.trim()) {
      setErrors([{ field: "objection-reason", text: t("apply.errors.objectionReason") }]);
      return;
    }
    setErrors([]);
    setBusy(true);
    // The API takes one reason text today; the disputed field and the documents go into it
    // in a fixed form until POST /objections takes them as members (docs/WEB.md).
    const parts = [
      field ? `[field: ${field}]` : "",
      reason.trim(),
      documents.trim() ? `[documents: ${documents.trim()}]` : "",
    ].filter(Boolean);
    try {
      const filed = await unwrap(api.POST("/objections", {
        headers: { "Idempotency-Key": key },
        body: { person_id: personId, reason: parts.join(" "), ...(summonsId ? { summons_id: Number(summonsId) } : {}) },
      }));
      setDone(filed.objection_id);
    } catch (failure) {
      setErrors(problemErrors(failure, { reason: "objection-reason", summons_id: "summons-first" }));
    } finally {
      setBusy(false);
    }
  };

  const zone = zoneOfRegion(data?.card.region);
  return (
    <Page title={t("apply.objectionTitle")} backTo="/citizen">
      {loading && <Loading />}
      {error !== undefined && <ProblemMessage error={error} />}
      {done !== undefined ? (
        <Submitted title={t("apply.objectionFiled")} reference={`O-${done}`} next={t("apply.objectionNext")} />
      ) : data && (
        <div className="govuk-grid-row">
          <div className="govuk-grid-column-two-thirds-from-desktop">
            <p className="govuk-body">{t("apply.objectionLead")}</p>
            <ErrorSummary errors={errors} />
            <form onSubmit={(event) => void submit(event)} noValidate data-testid="objection-form">
              <Choices id="summons" legend={t("apply.objectionSummons")} value={summonsId} small
                onChange={(value) => setSummonsId(String(value))}
                options={[
                  { value: "", label: t("apply.objectionNoSummons") },
                  ...data.summonses.summonses.map((summons) => ({
                    value: String(summons.summons_id),
                    label: `${t("summons.heading", { id: summons.summons_id })}: ${summons.purpose}`,
                    hint: `${t("summons.appearance")}: ${formatInstant(summons.appearance_at, zone)}`,
                  })),
                ]} />
              <div className="govuk-form-group">
                <label className="govuk-label" htmlFor="objection-field">{t("apply.objectionField")}</label>
                <select id="objection-field" className="govuk-select" value={field} onChange={(event) => setField(event.target.value)}>
                  <option value="">{t("apply.objectionNoField")}</option>
                  {disputableFields.map((name) => (
                    <option key={name} value={name}>
                      {i18nField(name, t)}
                    </option>
                  ))}
                </select>
              </div>
              <TextArea id="objection-reason" label={t("apply.objectionReason")} value={reason}
                onChange={(event) => setReason(event.target.value)}
                error={errors.find((entry) => entry.field === "objection-reason")?.text} />
              <TextArea id="objection-documents" label={t("apply.documentsOptional")} hint={t("apply.documentsHint")}
                value={documents} onChange={(event) => setDocuments(event.target.value)} />
              <Button disabled={busy}>{t("apply.submitObjection")}</Button>
            </form>
          </div>
        </div>
      )}
    </Page>
  );
}

function i18nField(name: string, t: ReturnType<typeof useTranslation>["t"]): string {
  const key = `record.fields.${name}`;
  return t(key as never, { defaultValue: term("identifier", name) }) as string;
}

export function DefermentRequest() {
  const { t } = useTranslation();
  const personId = useCitizenId();
  const profile = useProfile();
  const bases = profile?.deferment_bases ?? fallbackDefermentBases;
  const [basis, setBasis] = useState("");
  const [documents, setDocuments] = useState("");
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState<number>();
  const [unavailable, setUnavailable] = useState(false);
  const [busy, setBusy] = useState(false);
  const key = useMemo(() => newIdempotencyKey(), []);
  const { data: card } = useLoad(
    () => unwrap(api.GET("/persons/{id}", { params: { path: { id: personId } } })) as Promise<PersonCard>,
    [personId],
  );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing: FieldError[] = [];
    if (!basis) missing.push({ field: "basis-first", text: t("apply.errors.basis") });
    if (!documents.trim()) missing.push({ field: "deferment-documents", text: t("apply.errors.documents") });
    setErrors(missing);
    if (missing.length) return;
    setBusy(true);
    try {
      const filed = await postJson<{ request_id: number }>(
        `/persons/${personId}/deferment-requests`, { basis, documents: documents.trim() }, key);
      setDone(filed.request_id);
    } catch (error) {
      if (error instanceof ApiError && error.routeMissing) setUnavailable(true);
      else setErrors(problemErrors(error, { basis: "basis-first", documents: "deferment-documents" }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title={t("apply.defermentTitle")} backTo="/citizen/apply">
      {done !== undefined ? (
        <Submitted title={t("apply.defermentFiled")} reference={`D-${done}`} next={t("apply.defermentNext")} />
      ) : (
        <div className="govuk-grid-row">
          <div className="govuk-grid-column-two-thirds-from-desktop">
            <p className="govuk-body">{t("apply.defermentLead")}</p>
            {unavailable && (
              <NotAvailable what={t("apply.defermentUnavailable")}
                meanwhile={t("apply.defermentMeanwhile", { office: card?.office ?? "" })} />
            )}
            <ErrorSummary errors={errors} />
            <form onSubmit={(event) => void submit(event)} noValidate data-testid="deferment-form">
              <Choices id="basis" legend={t("apply.defermentBasis")} value={basis}
                onChange={(value) => setBasis(String(value))}
                error={errors.find((error) => error.field === "basis-first")?.text}
                options={bases.map((value) => ({ value, label: term("basis", value) }))} />
              <TextArea id="deferment-documents" label={t("apply.documents")} hint={t("apply.documentsHint")}
                value={documents} onChange={(event) => setDocuments(event.target.value)}
                error={errors.find((error) => error.field === "deferment-documents")?.text} />
              <Button disabled={busy}>{t("apply.submitDeferment")}</Button>
            </form>
          </div>
        </div>
      )}
    </Page>
  );
}
