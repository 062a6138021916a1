// Issue a batch of summonses to a selection (a call-up campaign): region or office, ages and a
// limit. The due-process gates run for each person on the server; the answer counts who was
// considered, who got a summons and who was refused by which gate.
import { useMemo, useState } from "react";
import type { FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, newIdempotencyKey, unwrap } from "../../api/client";
import { useProfile } from "../../api/profile";
import { Button, Choices, ErrorSummary, Page, SummaryRow, TextInput, problemErrors } from "../../components/ui";
import type { FieldError } from "../../components/ui";
import { addDays, localDate, regionName, term, zoneOfRegion, zonedInstant } from "../../format";
import { regions } from "../../regions.generated";
import { useSession } from "../../session";

const purposes = ["medical examination and call-up commission", "clarification of registration data"];

interface BatchIssued {
  batch: string;
  considered: number;
  issued: number;
  refused: Record<string, number>;
}

export function Campaign() {
  const { t, i18n } = useTranslation();
  const profile = useProfile();
  const { me } = useSession();
  // The officer's own region, when the grants name one: the selection must lie inside them.
  const ownRegion = me?.grants.map((grant) => /^region:([A-Z]+)$/.exec(grant.jurisdiction)?.[1]).find(Boolean) ?? "";
  const [region, setRegion] = useState(ownRegion);
  const [office, setOffice] = useState("");
  const [minAge, setMinAge] = useState("");
  const [maxAge, setMaxAge] = useState("");
  const [limit, setLimit] = useState("100");
  const [date, setDate] = useState("");
  const [time, setTime] = useState("09:00");
  const [channels, setChannels] = useState<string[]>([]);
  const [purpose, setPurpose] = useState(purposes[0]);
  const [confirming, setConfirming] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [result, setResult] = useState<BatchIssued>();
  const [busy, setBusy] = useState(false);
  const key = useMemo(() => newIdempotencyKey(), []);
  const zone = zoneOfRegion(region || office.split("-")[0]);
  const regionCodes = Object.keys(regions).sort((a, b) => regionName(a).localeCompare(regionName(b), i18n.language));

  const validate = (): FieldError[] => {
    const missing: FieldError[] = [];
    const count = Number(limit);
    if (!Number.isInteger(count) || count < 1 || count > 100000) missing.push({ field: "batch-limit", text: t("campaign.errors.limit") });
    if (!region && !office.trim()) missing.push({ field: "batch-region", text: t("campaign.errors.area") });
    for (const [value, field] of [[minAge, "batch-min-age"], [maxAge, "batch-max-age"]] as const) {
      if (value && !/^\d{1,2}$/.test(value)) missing.push({ field, text: t("campaign.errors.age") });
    }
    return missing;
  };

  const review = (event: FormEvent) => {
    event.preventDefault();
    const missing = validate();
    setErrors(missing);
    setConfirming(missing.length === 0);
  };

  const issue = async () => {
    setBusy(true);
    try {
      const issued = await unwrap(api.POST("/summonses/batch", {
        headers: { "Idempotency-Key": key },
        body: {
          limit: Number(limit),
          ...(region ? { region } : {}),
          ...(office.trim() ? { office: office.trim().toUpperCase() } : {}),
          ...(minAge ? { min_age: Number(minAge) } : {}),
          ...(maxAge ? { max_age: Number(maxAge) } : {}),
          ...(date ? { appearance_at: zonedInstant(date, time, zone) } : {}),
          ...(channels.length ? { channels: channels as never } : {}),
          purpose,
        },
      }));
      setResult(issued as BatchIssued);
      setConfirming(false);
    } catch (error) {
      setErrors(problemErrors(error, { region: "batch-region", office: "batch-office", limit: "batch-limit", min_age: "batch-min-age", max_age: "batch-max-age" }));
      setConfirming(false);
    } finally {
      setBusy(false);
    }
  };

  const fieldError = (field: string) => errors.find((entry) => entry.field === field)?.text;
  if (result) {
    return (
      <Page title={t("campaign.title")}>
        <div className="govuk-panel govuk-panel--confirmation" data-testid="batch-result">
          <h2 className="govuk-panel__title">{t("campaign.issuedCount", { count: result.issued })}</h2>
          <div className="govuk-panel__body">{t("campaign.batch")} <strong>{result.batch}</strong></div>
        </div>
        <dl className="govuk-summary-list">
          <SummaryRow label={t("campaign.considered")}>{result.considered}</SummaryRow>
          <SummaryRow label={t("campaign.issued")}>{result.issued}</SummaryRow>
          {Object.entries(result.refused).map(([gate, count]) => (
            <SummaryRow key={gate} label={`${t("campaign.refused")}: ${term("gates", gate)}`}>{count}</SummaryRow>
          ))}
        </dl>
        <p className="govuk-body"><Link className="govuk-link" to="/officer/dashboard">{t("campaign.toDashboard")}</Link></p>
      </Page>
    );
  }

  return (
    <Page title={t("campaign.title")}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds-from-desktop">
          <p className="govuk-body">{t("campaign.lead")}</p>
          <ErrorSummary errors={errors} />
          <form onSubmit={review} noValidate data-testid="batch-form">
            <div className={`govuk-form-group${fieldError("batch-region") ? " govuk-form-group--error" : ""}`}>
              <label className="govuk-label" htmlFor="batch-region">{t("campaign.region")}</label>
              {fieldError("batch-region") && <p id="batch-region-error" className="govuk-error-message">{fieldError("batch-region")}</p>}
              <select id="batch-region" className="govuk-select" value={region} onChange={(event) => setRegion(event.target.value)}
                aria-describedby={fieldError("batch-region") ? "batch-region-error" : undefined}>
                <option value="">{t("campaign.anyRegion")}</option>
                {regionCodes.map((code) => <option key={code} value={code}>{regionName(code)}</option>)}
              </select>
            </div>
            <TextInput id="batch-office" label={t("campaign.office")} hint={t("campaign.officeHint")} value={office}
              className="govuk-input--width-10" spellCheck={false} onChange={(event) => setOffice(event.target.value)} error={fieldError("batch-office")} />
            <div className="muster-inline-fields">
              <TextInput id="batch-min-age" label={t("campaign.minAge")} inputMode="numeric" className="govuk-input--width-3"
                value={minAge} onChange={(event) => setMinAge(event.target.value)} error={fieldError("batch-min-age")} />
              <TextInput id="batch-max-age" label={t("campaign.maxAge")} inputMode="numeric" className="govuk-input--width-3"
                value={maxAge} onChange={(event) => setMaxAge(event.target.value)} error={fieldError("batch-max-age")} />
            </div>
            <TextInput id="batch-limit" label={t("campaign.limit")} hint={t("campaign.limitHint")} inputMode="numeric"
              className="govuk-input--width-10" value={limit} onChange={(event) => setLimit(event.target.value)} error={fieldError("batch-limit")} />
            <fieldset className="govuk-fieldset">
              <legend className="govuk-fieldset__legend govuk-fieldset__legend--s">{t("issue.when")}</legend>
              <div className="govuk-hint">{t("campaign.whenHint", { days: profile?.appearance_days.default ?? 14 })}</div>
              <div className="muster-inline-fields">
                <TextInput id="batch-date" label={t("issue.date")} type="date" value={date}
                  min={profile ? addDays(localDate(profile.now, zone), profile.appearance_days.min) : undefined}
                  onChange={(event) => setDate(event.target.value)} />
                <TextInput id="batch-time" label={t("issue.time")} type="time" value={time} onChange={(event) => setTime(event.target.value)} />
              </div>
            </fieldset>
            <Choices id="batch-channels" legend={t("issue.channels")} hint={t("issue.channelsHint")} multiple small
              value={channels} onChange={(value) => setChannels(value as string[])}
              options={(profile?.channels ?? []).map((channel) => ({ value: channel.channel, label: term("channel", channel.channel) }))} />
            <Choices id="batch-purpose" legend={t("issue.purpose")} value={purpose} small onChange={(value) => setPurpose(String(value))}
              options={purposes.map((value) => ({ value, label: term("purpose", value) }))} />
            {!confirming && <Button testId="batch-review">{t("campaign.review")}</Button>}
          </form>
          {confirming && (
            <div className="muster-confirm" role="group" aria-labelledby="batch-confirm-text" data-testid="batch-confirm">
              <p className="govuk-body" id="batch-confirm-text">
                {t("campaign.confirm", { limit, area: region ? regionName(region) : office.toUpperCase() })}
              </p>
              <div className="govuk-button-group">
                <Button type="button" onClick={() => void issue()} disabled={busy} testId="batch-issue">{t("campaign.issue")}</Button>
                <Button type="button" secondary onClick={() => setConfirming(false)}>{t("common.cancel")}</Button>
              </div>
            </div>
          )}
        </div>
      </div>
    </Page>
  );
}
