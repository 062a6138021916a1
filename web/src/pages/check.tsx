// Check a notice: anyone, without logging in, types the code printed on a summons and sees
// whether it is genuine (GET /verify/{code}, JSON). Until the server offers the route the
// page says so instead of pretending.
import { useEffect, useState } from "react";
import type { FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useParams } from "react-router";
import { ApiError, getJson } from "../api/client";
import type { Verification } from "../api/types";
import { Button, ErrorSummary, Loading, NotAvailable, Page, ProblemMessage, StatusTag, SummaryRow, TextInput } from "../components/ui";
import { formatDate, term } from "../format";

type State =
  | { kind: "idle" }
  | { kind: "loading" }
  | { kind: "result"; verification: Verification }
  | { kind: "unavailable" }
  | { kind: "error"; error: unknown };

export function CheckNotice() {
  const { t, i18n } = useTranslation();
  const { code: codeInPath } = useParams();
  const navigate = useNavigate();
  const [code, setCode] = useState(codeInPath ?? "");
  const [state, setState] = useState<State>({ kind: "idle" });
  const [inputError, setInputError] = useState<string>();
  // The route is being built by another engineer: ask once whether this server has it (a
  // mistyped code is an answer too), and offer the form only if it does.
  const [routeExists, setRouteExists] = useState<boolean>();
  useEffect(() => {
    getJson<Verification>("/verify/0").then(
      () => setRouteExists(true),
      (error: unknown) => setRouteExists(!(error instanceof ApiError && error.routeMissing)),
    );
  }, []);

  useEffect(() => {
    if (!codeInPath) {
      setState({ kind: "idle" });
      return;
    }
    setCode(codeInPath);
    setState({ kind: "loading" });
    getJson<Verification>(`/verify/${encodeURIComponent(codeInPath)}`).then(
      (verification) => setState({ kind: "result", verification }),
      (error: unknown) => {
        if (error instanceof ApiError && error.routeMissing) setState({ kind: "unavailable" });
        else setState({ kind: "error", error });
      },
    );
  }, [codeInPath]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const typed = code.trim();
    if (!typed) {
      setInputError(t("check.errors.code"));
      return;
    }
    setInputError(undefined);
    navigate(`/check/${encodeURIComponent(typed)}`);
  };

  return (
    <Page title={t("check.title")}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds-from-desktop">
          <p className="govuk-body">{t("check.lead")}</p>
          <div className="govuk-warning-text">
            <span className="govuk-warning-text__icon" aria-hidden="true">!</span>
            <strong className="govuk-warning-text__text">
              <span className="govuk-visually-hidden">{t("common.warning")}</span>
              {t("layout.antiFraud")}
            </strong>
          </div>
          {routeExists === undefined && <Loading />}
          {routeExists === false && (
            <div data-testid="check-result">
              <NotAvailable what={t("check.unavailable")} meanwhile={t("check.meanwhile")} />
            </div>
          )}
          {routeExists && (
            <>
              <ErrorSummary errors={inputError ? [{ field: "code", text: inputError }] : []} />
              <form onSubmit={submit} noValidate data-testid="check-form">
                <TextInput id="code" label={t("check.code")} hint={t("check.codeHint")} value={code}
                  autoComplete="off" spellCheck={false} autoCapitalize="characters" className="govuk-input--width-20"
                  onChange={(event) => setCode(event.target.value)} error={inputError} />
                <Button>{t("check.submit")}</Button>
              </form>
              <div aria-live="polite" data-testid="check-result">
                {state.kind === "loading" && <Loading />}
                {state.kind === "unavailable" && <NotAvailable what={t("check.unavailable")} meanwhile={t("check.meanwhile")} />}
                {state.kind === "error" && <ProblemMessage error={state.error} />}
                {state.kind === "result" && (
                  <section aria-labelledby="check-outcome" className="muster-check-result">
                    <h2 className="govuk-heading-m" id="check-outcome">
                      {t("check.outcome")} <StatusTag status={state.verification.outcome} group="verification" />
                    </h2>
                    <p className="govuk-body">{t(`check.explain.${state.verification.outcome}` as never)}</p>
                    {state.verification.summons && (
                      <dl className="govuk-summary-list">
                        <SummaryRow label={t("check.initials")}>{state.verification.summons.initials}</SummaryRow>
                        <SummaryRow label={t("summons.office")}>{state.verification.summons.office}</SummaryRow>
                        <SummaryRow label={t("summons.appearance")}>{formatDate(state.verification.summons.appearance_date)}</SummaryRow>
                        <SummaryRow label={t("summons.purpose")}>{state.verification.summons.purpose}</SummaryRow>
                        <SummaryRow label={t("check.status")}>{term("summonsStatus", state.verification.summons.status)}</SummaryRow>
                      </dl>
                    )}
                    <p className="govuk-body-s">{i18n.language === "ru" ? state.verification.notice.ru : state.verification.notice.en}</p>
                  </section>
                )}
              </div>
            </>
          )}
        </div>
      </div>
    </Page>
  );
}
