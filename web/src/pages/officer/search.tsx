// Find a person: by an identifier (exactly one match) or by family name with a birth date or
// given name (a list, only within the officer's jurisdiction; every match shown is journalled).
import { useState } from "react";
import type { FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router";
import { ApiError, api, unwrap } from "../../api/client";
import type { PersonCard, PersonSearch } from "../../api/types";
import { ScrollArea, Button, Empty, ErrorSummary, Loading, Page, ProblemMessage, TextInput, problemErrors, useLoad } from "../../components/ui";
import type { FieldError } from "../../components/ui";
import { formatDate, fullName, regionName, term } from "../../format";

const identifierKinds = ["snils", "inn", "passport", "foreign_passport", "driving_licence"] as const;
type IdentifierKind = (typeof identifierKinds)[number];

export function OfficerSearch() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [search, setSearch] = useSearchParams();
  const [kind, setKind] = useState<IdentifierKind>("snils");
  const [identifier, setIdentifier] = useState("");
  const [family, setFamily] = useState(search.get("family_name") ?? "");
  const [given, setGiven] = useState(search.get("given_name") ?? "");
  const [birth, setBirth] = useState(search.get("birth_date") ?? "");
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);

  const findByIdentifier = async (event: FormEvent) => {
    event.preventDefault();
    if (!identifier.trim()) {
      setErrors([{ field: "identifier", text: t("search.errors.identifier") }]);
      return;
    }
    setErrors([]);
    setBusy(true);
    try {
      const card = (await unwrap(api.GET("/persons", { params: { query: { [kind]: identifier.trim() } } }))) as PersonCard;
      navigate(`/officer/persons/${card.person_id}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        setErrors([{ field: "identifier", text: t("search.errors.noMatch") }]);
      } else {
        setErrors(problemErrors(error, { [kind]: "identifier", query: "identifier" }));
      }
    } finally {
      setBusy(false);
    }
  };

  const findByName = (event: FormEvent) => {
    event.preventDefault();
    const missing: FieldError[] = [];
    if (!family.trim()) missing.push({ field: "family", text: t("search.errors.family") });
    if (!birth && !given.trim()) missing.push({ field: "birth", text: t("search.errors.birthOrGiven") });
    setErrors(missing);
    if (missing.length) return;
    const next = new URLSearchParams({ family_name: family.trim() });
    if (given.trim()) next.set("given_name", given.trim());
    if (birth) next.set("birth_date", birth);
    setSearch(next);
  };

  const query = search.get("family_name")
    ? {
        family_name: search.get("family_name")!,
        ...(search.get("given_name") ? { given_name: search.get("given_name")! } : {}),
        ...(search.get("birth_date") ? { birth_date: search.get("birth_date")! } : {}),
      }
    : undefined;
  const results = useLoad(
    async () => (query ? ((await unwrap(api.GET("/persons/search", { params: { query } }))) as PersonSearch) : undefined),
    [search.toString()],
  );

  return (
    <Page title={t("search.title")} wide>
      <ErrorSummary errors={errors} />
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-one-half-from-desktop">
          <form onSubmit={(event) => void findByIdentifier(event)} noValidate data-testid="search-identifier">
            <h2 className="govuk-heading-m">{t("search.byIdentifier")}</h2>
            <div className="govuk-form-group">
              <label className="govuk-label" htmlFor="identifier-kind">{t("search.identifierKind")}</label>
              <select id="identifier-kind" className="govuk-select" value={kind}
                onChange={(event) => setKind(event.target.value as IdentifierKind)}>
                {identifierKinds.map((value) => (
                  <option key={value} value={value}>{term("identifier", value)}</option>
                ))}
              </select>
            </div>
            <TextInput id="identifier" label={t("search.identifier")} value={identifier} spellCheck={false}
              autoComplete="off" className="govuk-input--width-20" onChange={(event) => setIdentifier(event.target.value)}
              error={errors.find((error) => error.field === "identifier")?.text} />
            <Button disabled={busy} testId="search-identifier-submit">{t("search.find")}</Button>
          </form>
        </div>
        <div className="govuk-grid-column-one-half-from-desktop">
          <form onSubmit={findByName} noValidate data-testid="search-name">
            <h2 className="govuk-heading-m">{t("search.byName")}</h2>
            <TextInput id="family" label={t("search.family")} value={family} autoComplete="off"
              onChange={(event) => setFamily(event.target.value)} error={errors.find((error) => error.field === "family")?.text} />
            <TextInput id="given" label={t("search.given")} value={given} autoComplete="off"
              onChange={(event) => setGiven(event.target.value)} />
            <TextInput id="birth" label={t("search.birth")} hint={t("search.birthHint")} type="date" value={birth}
              className="govuk-input--width-10" onChange={(event) => setBirth(event.target.value)}
              error={errors.find((error) => error.field === "birth")?.text} />
            <Button secondary testId="search-name-submit">{t("search.search")}</Button>
          </form>
        </div>
      </div>

      {query && (
        <section aria-labelledby="results-title" data-testid="search-results">
          <h2 className="govuk-heading-m" id="results-title">{t("search.results")}</h2>
          {results.loading && <Loading />}
          {results.error !== undefined && <ProblemMessage error={results.error} />}
          {results.data && results.data.results.length === 0 && <Empty>{t("search.noResults")}</Empty>}
          {results.data && results.data.outside_jurisdiction > 0 && (
            <p className="govuk-body-s muster-muted">{t("search.outside", { count: results.data.outside_jurisdiction })}</p>
          )}
          {results.data && results.data.results.length > 0 && (
            <ScrollArea label={t("search.results")}>
              <table className="govuk-table">
                <caption className="govuk-visually-hidden">{t("search.results")}</caption>
                <thead className="govuk-table__head">
                  <tr className="govuk-table__row">
                    <th scope="col" className="govuk-table__header">{t("record.fields.names")}</th>
                    <th scope="col" className="govuk-table__header">{t("record.fields.birth_date")}</th>
                    <th scope="col" className="govuk-table__header">{t("record.fields.region")}</th>
                    <th scope="col" className="govuk-table__header">{t("record.fields.office")}</th>
                  </tr>
                </thead>
                <tbody className="govuk-table__body">
                  {results.data.results.map((person) => (
                    <tr className="govuk-table__row" key={person.person_id}>
                      <td className="govuk-table__cell">
                        <Link className="govuk-link" to={`/officer/persons/${person.person_id}`}>{fullName(person.names)}</Link>
                      </td>
                      <td className="govuk-table__cell">{formatDate(person.birth_date)}</td>
                      <td className="govuk-table__cell">{regionName(person.region)}</td>
                      <td className="govuk-table__cell">{person.office}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollArea>
          )}
        </section>
      )}
    </Page>
  );
}
