import { useState } from "react";
import type { FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useLocation, useNavigate } from "react-router";
import { ApiError, api, unwrap } from "../api/client";
import { Button, ErrorSummary, NotAvailable, Page, TextInput, problemErrors } from "../components/ui";
import type { FieldError } from "../components/ui";
import { useSession } from "../session";

function useReturnTo(fallback: string): string {
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from;
  return from && from.startsWith("/") ? from : fallback;
}

export function OfficerLogin() {
  const { t } = useTranslation();
  const { refresh } = useSession();
  const navigate = useNavigate();
  const returnTo = useReturnTo("/officer");
  const [login, setLogin] = useState("");
  const [password, setPassword] = useState("");
  const [totp, setTotp] = useState("");
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing: FieldError[] = [];
    if (!login.trim()) missing.push({ field: "login", text: t("login.errors.login") });
    if (!password) missing.push({ field: "password", text: t("login.errors.password") });
    if (!/^\d{6}$/.test(totp.trim())) missing.push({ field: "totp", text: t("login.errors.totp") });
    setErrors(missing);
    if (missing.length > 0) return;
    setBusy(true);
    try {
      await unwrap(api.POST("/auth/login", { body: { login: login.trim(), password, totp: totp.trim() } }));
      await refresh();
      navigate(returnTo, { replace: true });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        setErrors([{ field: "login", text: t("login.errors.rejected") }]);
      } else if (error instanceof ApiError && error.status === 429) {
        setErrors([{ text: t("login.errors.locked") }]);
      } else {
        setErrors(problemErrors(error, { login: "login", password: "password", totp: "totp" }));
      }
    } finally {
      setBusy(false);
    }
  };

  const fieldError = (field: string) => errors.find((error) => error.field === field)?.text;
  return (
    <Page title={t("login.officerTitle")}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds-from-desktop">
          <ErrorSummary errors={errors} />
          <form onSubmit={(event) => void submit(event)} noValidate data-testid="officer-login">
            <TextInput id="login" label={t("login.login")} autoComplete="username" spellCheck={false}
              value={login} onChange={(event) => setLogin(event.target.value)} error={fieldError("login")} />
            <TextInput id="password" label={t("login.password")} type="password" autoComplete="current-password"
              value={password} onChange={(event) => setPassword(event.target.value)} error={fieldError("password")} />
            <TextInput id="totp" label={t("login.totp")} hint={t("login.totpHint")} inputMode="numeric"
              autoComplete="one-time-code" className="govuk-input--width-5" spellCheck={false}
              value={totp} onChange={(event) => setTotp(event.target.value)} error={fieldError("totp")} />
            <Button disabled={busy} testId="officer-login-submit">{t("login.signIn")}</Button>
          </form>
        </div>
      </div>
    </Page>
  );
}

export function CitizenLogin() {
  const { t } = useTranslation();
  const { refresh } = useSession();
  const navigate = useNavigate();
  const returnTo = useReturnTo("/citizen");
  const [snils, setSnils] = useState("");
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [demoOff, setDemoOff] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const digits = snils.replace(/\D/g, "");
    if (digits.length !== 11) {
      setErrors([{ field: "snils", text: t("login.errors.snils") }]);
      return;
    }
    setErrors([]);
    setBusy(true);
    try {
      await unwrap(api.POST("/auth/citizen/demo", { body: { snils: snils.trim() } }));
      await refresh();
      navigate(returnTo, { replace: true });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404 && (error.problem.detail ?? "").startsWith("route:")) {
        setDemoOff(true);
      } else if (error instanceof ApiError && error.status === 404) {
        setErrors([{ field: "snils", text: t("login.errors.snilsUnknown") }]);
      } else {
        setErrors(problemErrors(error, { snils: "snils" }));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title={t("login.citizenTitle")}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds-from-desktop">
          <p className="govuk-body">{t("login.citizenLead")}</p>
          {demoOff ? (
            <NotAvailable what={t("login.demoOff")} />
          ) : (
            <>
              <div className="govuk-warning-text">
                <span className="govuk-warning-text__icon" aria-hidden="true">!</span>
                <strong className="govuk-warning-text__text">
                  <span className="govuk-visually-hidden">{t("common.warning")}</span>
                  {t("login.demoWarning")}
                </strong>
              </div>
              <ErrorSummary errors={errors} />
              <form onSubmit={(event) => void submit(event)} noValidate data-testid="citizen-login">
                <TextInput id="snils" label={t("login.snils")} hint={t("login.snilsHint")} inputMode="numeric"
                  autoComplete="off" spellCheck={false} className="govuk-input--width-20" value={snils}
                  onChange={(event) => setSnils(event.target.value)}
                  error={errors.find((error) => error.field === "snils")?.text} />
                <Button disabled={busy} testId="citizen-login-submit">{t("login.signIn")}</Button>
              </form>
            </>
          )}
        </div>
      </div>
    </Page>
  );
}
