// An officer's decisions on a person: a deferment or exemption (a ground that gates every
// adverse action) and a fitness category from the medical commission.
import { useMemo, useState } from "react";
import type { FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { api, newIdempotencyKey, unwrap } from "../../api/client";
import { fallbackDefermentBases, fallbackExemptionBases, useProfile } from "../../api/profile";
import type { PersonCard } from "../../api/types";
import { Button, Choices, ErrorSummary, Page, TextArea, TextInput, problemErrors, useLoad } from "../../components/ui";
import type { FieldError } from "../../components/ui";
import { fullName, term } from "../../format";
import { usePersonId } from "./person";

function useCard(personId: number) {
  return useLoad(
    () => unwrap(api.GET("/persons/{id}", { params: { path: { id: personId } } })) as Promise<PersonCard>,
    [personId],
  ).data;
}

export function GrantDeferment() {
  const { t } = useTranslation();
  const personId = usePersonId();
  const navigate = useNavigate();
  const profile = useProfile();
  const card = useCard(personId);
  const [kind, setKind] = useState<"deferment" | "exemption">("deferment");
  const [basis, setBasis] = useState("");
  const [from, setFrom] = useState("");
  const [until, setUntil] = useState("");
  const [evidence, setEvidence] = useState("");
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const key = useMemo(() => newIdempotencyKey(), []);
  const bases = kind === "deferment"
    ? profile?.deferment_bases ?? fallbackDefermentBases
    : profile?.exemption_bases ?? fallbackExemptionBases;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing: FieldError[] = [];
    if (!basis) missing.push({ field: "ground-basis-first", text: t("ground.errors.basis") });
    if (!evidence.trim()) missing.push({ field: "ground-evidence", text: t("ground.errors.evidence") });
    setErrors(missing);
    if (missing.length) return;
    setBusy(true);
    try {
      await unwrap(api.POST("/persons/{id}/grounds", {
        params: { path: { id: personId } },
        headers: { "Idempotency-Key": key },
        body: { kind, basis, evidence: evidence.trim(), ...(from ? { valid_from: from } : {}), ...(until ? { valid_until: until } : {}) },
      }));
      navigate(`/officer/persons/${personId}`, { state: { notice: t("ground.granted") } });
    } catch (failure) {
      setErrors(problemErrors(failure, { basis: "ground-basis-first", evidence: "ground-evidence", valid_from: "ground-from", valid_until: "ground-until" }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title={t("ground.title")} caption={card ? fullName(card.names) : undefined} backTo={`/officer/persons/${personId}`}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds-from-desktop">
          <p className="govuk-body">{t("ground.lead")}</p>
          <ErrorSummary errors={errors} />
          <form onSubmit={(event) => void submit(event)} noValidate data-testid="ground-form">
            <Choices id="ground-kind" legend={t("ground.kind")} value={kind} small
              onChange={(value) => { setKind(value as "deferment" | "exemption"); setBasis(""); }}
              options={[{ value: "deferment", label: term("groundKind", "deferment") }, { value: "exemption", label: term("groundKind", "exemption") }]} />
            <Choices id="ground-basis" legend={t("ground.basis")} value={basis} onChange={(value) => setBasis(String(value))}
              error={errors.find((entry) => entry.field === "ground-basis-first")?.text}
              options={bases.map((value) => ({ value, label: term("basis", value) }))} />
            <TextInput id="ground-from" label={t("ground.from")} hint={t("ground.fromHint")} type="date" value={from}
              className="govuk-input--width-10" onChange={(event) => setFrom(event.target.value)} />
            <TextInput id="ground-until" label={t("ground.until")} hint={t("ground.untilHint")} type="date" value={until}
              className="govuk-input--width-10" onChange={(event) => setUntil(event.target.value)} />
            <TextArea id="ground-evidence" label={t("ground.evidence")} hint={t("ground.evidenceHint")} value={evidence}
              onChange={(event) => setEvidence(event.target.value)} error={errors.find((entry) => entry.field === "ground-evidence")?.text} />
            <Button disabled={busy}>{t("ground.submit")}</Button>
          </form>
        </div>
      </div>
    </Page>
  );
}

const categories = ["А", "Б", "В", "Г", "Д"];

export function DecideFitness() {
  const { t } = useTranslation();
  const personId = usePersonId();
  const navigate = useNavigate();
  const card = useCard(personId);
  const [category, setCategory] = useState("");
  const [commission, setCommission] = useState("");
  const [until, setUntil] = useState("");
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const key = useMemo(() => newIdempotencyKey(), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing: FieldError[] = [];
    if (!category) missing.push({ field: "fitness-category-first", text: t("fitness.errors.category") });
    if (!commission.trim()) missing.push({ field: "fitness-commission", text: t("fitness.errors.commission") });
    setErrors(missing);
    if (missing.length) return;
    setBusy(true);
    try {
      await unwrap(api.POST("/persons/{id}/fitness", {
        params: { path: { id: personId } },
        headers: { "Idempotency-Key": key },
        body: { category: category as never, commission: commission.trim(), ...(until ? { valid_until: until } : {}) },
      }));
      navigate(`/officer/persons/${personId}`, { state: { notice: t("fitness.recorded", { category }) } });
    } catch (failure) {
      setErrors(problemErrors(failure, { category: "fitness-category-first", commission: "fitness-commission", valid_until: "fitness-until" }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title={t("fitness.title")} caption={card ? fullName(card.names) : undefined} backTo={`/officer/persons/${personId}`}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds-from-desktop">
          <ErrorSummary errors={errors} />
          <form onSubmit={(event) => void submit(event)} noValidate data-testid="fitness-form">
            <Choices id="fitness-category" legend={t("fitness.category")} value={category} onChange={(value) => setCategory(String(value))}
              error={errors.find((entry) => entry.field === "fitness-category-first")?.text}
              options={categories.map((value) => ({ value, label: `${value} — ${term("fitness", value)}` }))} />
            <TextInput id="fitness-commission" label={t("fitness.commission")} value={commission}
              onChange={(event) => setCommission(event.target.value)} error={errors.find((entry) => entry.field === "fitness-commission")?.text} />
            <TextInput id="fitness-until" label={t("fitness.until")} hint={t("fitness.untilHint")} type="date" value={until}
              className="govuk-input--width-10" onChange={(event) => setUntil(event.target.value)} />
            <Button disabled={busy}>{t("fitness.submit")}</Button>
          </form>
        </div>
      </div>
    </Page>
  );
}
