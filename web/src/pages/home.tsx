import { useTranslation } from "react-i18next";
import { Link, Navigate } from "react-router";
import { Page } from "../components/ui";
import { useSession } from "../session";

export function Home() {
  const { t } = useTranslation();
  const { me, loading } = useSession();
  if (!loading && me) return <Navigate to={me.kind === "citizen" ? "/citizen" : "/officer"} replace />;
  return (
    <Page title={t("home.title")}>
      <p className="govuk-body-l">{t("home.lead")}</p>
      <div className="muster-cards">
        <section className="muster-card" aria-labelledby="home-citizen">
          <h2 className="govuk-heading-m" id="home-citizen">
            {t("home.citizenTitle")}
          </h2>
          <p className="govuk-body">{t("home.citizenText")}</p>
          <Link to="/citizen/login" className="govuk-button" data-testid="home-citizen">
            {t("home.citizenAction")}
          </Link>
        </section>
        <section className="muster-card" aria-labelledby="home-officer">
          <h2 className="govuk-heading-m" id="home-officer">
            {t("home.officerTitle")}
          </h2>
          <p className="govuk-body">{t("home.officerText")}</p>
          <Link to="/login" className="govuk-button govuk-button--secondary" data-testid="home-officer">
            {t("home.officerAction")}
          </Link>
        </section>
        <section className="muster-card" aria-labelledby="home-check">
          <h2 className="govuk-heading-m" id="home-check">
            {t("home.checkTitle")}
          </h2>
          <p className="govuk-body">{t("home.checkText")}</p>
          <Link to="/check" className="govuk-link">
            {t("home.checkAction")}
          </Link>
        </section>
      </div>
    </Page>
  );
}
