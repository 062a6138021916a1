// Small building blocks over govuk-frontend's classes: pages that announce themselves, error
// summaries that take focus, form fields with labels, hints and errors tied together.
import { useCallback, useEffect, useId, useRef, useState } from "react";
import type { InputHTMLAttributes, ReactNode, TextareaHTMLAttributes } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { ApiError } from "../api/client";
import { term } from "../format";

// A page: its <h1> takes focus when the page opens (so screen readers announce the new page
// after a client-side navigation) and the document title follows it.
export function Page({
  title,
  caption,
  children,
  backTo,
  backLabel,
  wide,
}: {
  title: string;
  caption?: string;
  children: ReactNode;
  backTo?: string;
  backLabel?: string;
  wide?: boolean;
}) {
  const { t } = useTranslation();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} — ${t("service.name")}`;
  }, [title, t]);
  useEffect(() => {
    heading.current?.focus({ preventScroll: false });
  }, []);
  return (
    <>
      {backTo && (
        <Link to={backTo} className="govuk-back-link">
          {backLabel ?? t("common.back")}
        </Link>
      )}
      <div className="govuk-grid-row">
        <div className={wide ? "govuk-grid-column-full" : "govuk-grid-column-two-thirds-from-desktop"}>
          {caption && <span className="govuk-caption-l">{caption}</span>}
          <h1 className="govuk-heading-l" tabIndex={-1} ref={heading} data-testid="page-title">
            {title}
          </h1>
        </div>
      </div>
      {children}
    </>
  );
}

export interface FieldError {
  field?: string; // the input's id, for the link
  text: string;
}

export function ErrorSummary({ errors, title }: { errors: FieldError[]; title?: string }) {
  const { t } = useTranslation();
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (errors.length > 0) box.current?.focus();
  }, [errors]);
  if (errors.length === 0) return null;
  return (
    <div className="govuk-error-summary" tabIndex={-1} ref={box} role="alert" data-testid="error-summary">
      <div>
        <h2 className="govuk-error-summary__title">{title ?? t("common.thereIsAProblem")}</h2>
        <div className="govuk-error-summary__body">
          <ul className="govuk-list govuk-error-summary__list">
            {errors.map((error, index) => (
              <li key={index}>
                {error.field ? <a href={`#${error.field}`}>{error.text}</a> : error.text}
              </li>
            ))}
          </ul>
        </div>
      </div>
    </div>
  );
}

// An API failure in words: the problem's title and detail, and for a due-process gate, what
// the gate means.
export function problemErrors(error: unknown, fieldIds: Record<string, string> = {}): FieldError[] {
  if (error instanceof ApiError) {
    const problem = error.problem;
    const field = problem.field ? fieldIds[problem.field] : undefined;
    const lines: FieldError[] = [];
    if (problem.gate) lines.push({ text: `${term("gates", problem.gate)}` });
    lines.push({ field, text: problem.detail ? `${problem.title}: ${problem.detail}` : problem.title });
    return lines;
  }
  return [{ text: error instanceof Error ? error.message : String(error) }];
}

export function ProblemMessage({ error }: { error: unknown }) {
  return <ErrorSummary errors={problemErrors(error)} />;
}

export function Loading() {
  const { t } = useTranslation();
  return (
    <p className="govuk-body muster-loading" role="status" aria-live="polite">
      {t("common.loading")}
    </p>
  );
}

// A route the server does not offer yet: say so plainly, and what to do meanwhile.
export function NotAvailable({ what, meanwhile }: { what: string; meanwhile?: string }) {
  const { t } = useTranslation();
  return (
    <div className="govuk-inset-text muster-not-available" data-testid="not-available">
      <p className="govuk-body">
        <strong>{t("common.notAvailableYet")}</strong> {what}
      </p>
      {meanwhile && <p className="govuk-body">{meanwhile}</p>}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <p className="govuk-body muster-empty" data-testid="empty">
      {children}
    </p>
  );
}

const tagColours: Record<string, string> = {
  in_force: "govuk-tag--red",
  issued: "govuk-tag--blue",
  served: "govuk-tag--orange",
  appeared: "govuk-tag--green",
  excused: "govuk-tag--green",
  cancelled: "govuk-tag--grey",
  lifted: "govuk-tag--green",
  pending: "govuk-tag--yellow",
  accepted: "govuk-tag--green",
  rejected: "govuk-tag--red",
  upheld: "govuk-tag--green",
  dismissed: "govuk-tag--grey",
  confirmed: "govuk-tag--green",
  escalated: "govuk-tag--red",
  genuine: "govuk-tag--green",
  not_genuine: "govuk-tag--red",
  unknown_code: "govuk-tag--orange",
  malformed_code: "govuk-tag--orange",
  active: "govuk-tag--blue",
  ended: "govuk-tag--grey",
};

export function StatusTag({ status, group = "status" }: { status: string; group?: string }) {
  return (
    <strong className={`govuk-tag ${tagColours[status] ?? "govuk-tag--grey"}`} data-status={status}>
      {term(group, status)}
    </strong>
  );
}

// Loads data for a page; `reload` runs the loader again (after a change).
export function useLoad<T>(loader: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let live = true;
    setState((previous) => ({ ...previous, loading: true }));
    loader().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { ...state, reload };
}

// ---- Form fields ---------------------------------------------------------------------------

interface FieldProps {
  id: string;
  label: string;
  hint?: string;
  error?: string;
  labelClass?: string;
}

function FieldShell({ id, label, hint, error, labelClass, children }: FieldProps & { children: ReactNode }) {
  return (
    <div className={`govuk-form-group${error ? " govuk-form-group--error" : ""}`}>
      <label className={`govuk-label ${labelClass ?? ""}`} htmlFor={id}>
        {label}
      </label>
      {hint && (
        <div id={`${id}-hint`} className="govuk-hint">
          {hint}
        </div>
      )}
      {error && (
        <p id={`${id}-error`} className="govuk-error-message">
          <span className="govuk-visually-hidden">Error:</span> {error}
        </p>
      )}
      {children}
    </div>
  );
}

function describedBy(id: string, hint?: string, error?: string): string | undefined {
  const ids = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return ids || undefined;
}

export function TextInput({
  id,
  label,
  hint,
  error,
  labelClass,
  className,
  ...input
}: FieldProps & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <FieldShell id={id} label={label} hint={hint} error={error} labelClass={labelClass}>
      <input
        id={id}
        name={id}
        className={`govuk-input${error ? " govuk-input--error" : ""} ${className ?? ""}`}
        aria-describedby={describedBy(id, hint, error)}
        aria-invalid={error ? true : undefined}
        {...input}
      />
    </FieldShell>
  );
}

export function TextArea({
  id,
  label,
  hint,
  error,
  labelClass,
  ...area
}: FieldProps & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return (
    <FieldShell id={id} label={label} hint={hint} error={error} labelClass={labelClass}>
      <textarea
        id={id}
        name={id}
        rows={4}
        className={`govuk-textarea${error ? " govuk-textarea--error" : ""}`}
        aria-describedby={describedBy(id, hint, error)}
        aria-invalid={error ? true : undefined}
        {...area}
      />
    </FieldShell>
  );
}

export function Choices({
  id,
  legend,
  hint,
  error,
  options,
  value,
  onChange,
  multiple,
  small,
}: {
  id: string;
  legend: string;
  hint?: string;
  error?: string;
  options: { value: string; label: string; hint?: string }[];
  value: string | string[];
  onChange: (value: string | string[]) => void;
  multiple?: boolean;
  small?: boolean;
}) {
  const base = multiple ? "govuk-checkboxes" : "govuk-radios";
  const selected = Array.isArray(value) ? value : [value];
  const toggle = (option: string, checked: boolean) => {
    if (!multiple) return onChange(option);
    onChange(checked ? [...selected, option] : selected.filter((entry) => entry !== option));
  };
  return (
    <div className={`govuk-form-group${error ? " govuk-form-group--error" : ""}`}>
      <fieldset className="govuk-fieldset" aria-describedby={describedBy(id, hint, error)}>
        <legend className="govuk-fieldset__legend govuk-fieldset__legend--s">{legend}</legend>
        {hint && (
          <div id={`${id}-hint`} className="govuk-hint">
            {hint}
          </div>
        )}
        {error && (
          <p id={`${id}-error`} className="govuk-error-message">
            <span className="govuk-visually-hidden">Error:</span> {error}
          </p>
        )}
        <div className={`${base}${small ? ` ${base}--small` : ""}`} id={id}>
          {options.map((option, index) => {
            const optionId = index === 0 ? `${id}-first` : `${id}-${option.value}`;
            return (
              <div className={`${base}__item`} key={option.value}>
                <input
                  className={`${base}__input`}
                  id={optionId}
                  name={id}
                  type={multiple ? "checkbox" : "radio"}
                  value={option.value}
                  checked={selected.includes(option.value)}
                  onChange={(event) => toggle(option.value, event.target.checked)}
                  aria-describedby={option.hint ? `${optionId}-hint` : undefined}
                />
                <label className={`govuk-label ${base}__label`} htmlFor={optionId}>
                  {option.label}
                </label>
                {option.hint && (
                  <div id={`${optionId}-hint`} className={`govuk-hint ${base}__hint`}>
                    {option.hint}
                  </div>
                )}
              </div>
            );
          })}
        </div>
      </fieldset>
    </div>
  );
}

export function Button({
  children,
  secondary,
  warning,
  disabled,
  type = "submit",
  onClick,
  testId,
}: {
  children: ReactNode;
  secondary?: boolean;
  warning?: boolean;
  disabled?: boolean;
  type?: "submit" | "button";
  onClick?: () => void;
  testId?: string;
}) {
  const variant = secondary ? " govuk-button--secondary" : warning ? " govuk-button--warning" : "";
  return (
    <button
      type={type}
      className={`govuk-button${variant}`}
      disabled={disabled}
      aria-disabled={disabled || undefined}
      onClick={onClick}
      data-testid={testId}
    >
      {children}
    </button>
  );
}

export function useFieldId(prefix: string): string {
  return `${prefix}-${useId().replaceAll(":", "")}`;
}

// A row of label and value in a summary list.
export function SummaryRow({
  label,
  children,
  actions,
  testId,
}: {
  label: ReactNode;
  children: ReactNode;
  actions?: ReactNode;
  testId?: string;
}) {
  return (
    <div className="govuk-summary-list__row" data-testid={testId}>
      <dt className="govuk-summary-list__key">{label}</dt>
      <dd className="govuk-summary-list__value">{children}</dd>
      {actions !== undefined && <dd className="govuk-summary-list__actions">{actions}</dd>}
    </div>
  );
}

// Text from the server that is in English whatever the page's language (timeline and explain
// lines): marked so that screen readers pronounce it as English (WCAG 3.1.2).
export function ServerText({ children }: { children: ReactNode }) {
  return <span lang="en">{children}</span>;
}

// A wide table that scrolls sideways on a phone. Keyboard users can focus it to scroll it
// (WCAG 2.1.1; axe's scrollable-region-focusable), and screen readers hear what it holds.
export function ScrollArea({ label, children, className }: { label: string; children: ReactNode; className?: string }) {
  return (
    <div className={`muster-table-wrap ${className ?? ""}`} tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}
