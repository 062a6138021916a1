// Issue a summons to one person. The due-process gates run on the server: a refusal comes back
// as a problem naming the gate, shown as it is. The Idempotency-Key is fixed for the form, so
// submitting twice issues one summons.
import { useEffect, useMemo, useState } from "react";
import type { FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { api, newIdempotencyKey, unwrap } from "../../api/client";
import { useProfile } from "../../api/profile";
import type { PersonCard } from "../../api/types";
import { Button, Choices, ErrorSummary, Loading, Page, ProblemMessage, TextInput, problemErrors, useLoad } from "../../components/ui";
import type { FieldError } from "../../components/ui";
import { addDays, fullName, localDate, term, zoneOfRegion, zonedInstant } from "../../format";
import { usePersonId } from "./person";

const purposes = ["medical examination and call-up commission", "clarification of registration data"];

export function IssueSummons() {
  const { t } = useTranslation();
  const personId = usePersonId();
  const navigate = useNavigate();
  const profile = useProfile();
  const { data: card, error, loading } = useLoad(
    () => unwrap(api.GET("/persons/{id}", { params: { path: { id: personId } } })) as Promise<PersonCard>,
    [personId],
  );
  const zone = zoneOfRegion(card?.region);
  const [date, setDate] = useState("");
  const [time, setTime] = useState("09:00");
  const [channels, setChannels] = useState<string[]>([]);
  const [purpose, setPurpose] = useState(purposes[0]);
  const [place, setPlace] = useState("");
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const key = useMemo(() => newIdempotencyKey(), []);

  // Default appearance date: the profile's default number of days after the registry's today.
  useEffect(() => {
    if (profile && card && !date) setDate(addDays(localDate(profile.now, zone), profile.appearance_days.default));
  }, [profile, card, zone, date]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing: FieldError[] = [];
    if (!date) missing.push({ field: "appearance-date", text: t("issue.errors.date") });
    if (!/^\d{2}:\d{2}$/.test(time)) missing.push({ field: "appearance-time", text: t("issue.errors.time") });
    setErrors(missing);
    if (missing.length) return;
    setBusy(true);
    try {
      const issued = await unwrap(api.POST("/summonses", {
        headers: { "Idempotency-Key": key },
        body: {
          person_id: personId,
          appearance_at: zonedInstant(date, time, zone),
          purpose,
          ...(place.trim() ? { place: place.trim() } : {}),
          ...(channels.length ? { channels: channels as never } : {}),
        },
      }));
      navigate(`/officer/persons/${personId}`, { state: { notice: t("issue.issued", { id: issued.summons_id }) } });
    } catch (failure) {
      setErrors(problemErrors(failure, { appearance_at: "appearance-date", channels: "channels-first", place: "place" }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title={t("issue.title")} caption={card ? fullName(card.names) : undefined} backTo={`/officer/persons/${personId}`}>
      {loading && <Loading />}
      {error !== undefined && <ProblemMessage error={error} />}
      {card && (
        <div className="govuk-grid-row">
          <div className="govuk-grid-column-two-thirds-from-desktop">
            <ErrorSummary errors={errors} />
            <form onSubmit={(event) => void submit(event)} noValidate data-testid="issue-form">
              <fieldset className="govuk-fieldset">
                <legend className="govuk-fieldset__legend govuk-fieldset__legend--s">{t("issue.when")}</legend>
                <div className="govuk-hint">
                  {t("issue.whenHint", {
                    min: profile?.appearance_days.min ?? 3,
                    max: profile?.appearance_days.max ?? 30,
                    zone: zone ?? "UTC",
                  })}
                </div>
                <div className="muster-inline-fields">
                  <TextInput id="appearance-date" label={t("issue.date")} type="date" value={date}
                    onChange={(event) => setDate(event.target.value)} error={errors.find((entry) => entry.field === "appearance-date")?.text} />
                  <TextInput id="appearance-time" label={t("issue.time")} type="time" value={time}
                    onChange={(event) => setTime(event.target.value)} error={errors.find((entry) => entry.field === "appearance-time")?.text} />
                </div>
              </fieldset>
              <Choices id="channels" legend={t("issue.channels")} hint={t("issue.channelsHint")} multiple small
                value={channels} onChange={(value) => setChannels(value as string[])}
                options={(profile?.channels ?? []).map((channel) => ({ value: channel.channel, label: term("channel", channel.channel),
                  hint: channel.channel === "portal" && !card.has_portal_account ? t("issue.noPortal") : undefined }))} />
              <Choices id="purpose" legend={t("issue.purpose")} value={purpose} small onChange={(value) => setPurpose(String(value))}
                options={purposes.map((value) => ({ value, label: term("purpose", value) }))} />
              <TextInput id="place" label={t("issue.place")} hint={t("issue.placeHint", { office: card.office })} value={place}
                onChange={(event) => setPlace(event.target.value)} />
              <Button disabled={busy} testId="issue-submit">{t("issue.submit")}</Button>
            </form>
          </div>
        </div>
      )}
    </Page>
  );
}
