// The frame of every page: skip link, header with the service name, the language switch and
// the user's navigation, the main region, and a footer with the anti-fraud rule.
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link, NavLink } from "react-router";
import { useSession } from "../session";

function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  const other = i18n.language === "ru" ? "en" : "ru";
  return (
    <button
      type="button"
      className="muster-language"
      lang={other}
      onClick={() => void i18n.changeLanguage(other)}
      data-testid="language-switch"
    >
      <span className="govuk-visually-hidden">{t("layout.switchLanguage")}: </span>
      {other === "en" ? "English" : "Русский"}
    </button>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const { me, logout, expired } = useSession();
  const links: { to: string; label: string; end?: boolean }[] = [];
  if (me?.kind === "citizen") {
    links.push(
      { to: "/citizen", label: t("nav.myRecord"), end: true },
      { to: "/citizen/summonses", label: t("nav.mySummonses") },
      { to: "/citizen/measures", label: t("nav.myMeasures") },
      { to: "/citizen/apply", label: t("nav.apply") },
      { to: "/citizen/access-log", label: t("nav.accessLog") },
    );
  } else if (me) {
    links.push(
      { to: "/officer", label: t("nav.search"), end: true },
      { to: "/officer/queues", label: t("nav.queues") },
      { to: "/officer/dashboard", label: t("nav.dashboard") },
    );
  }
  links.push({ to: "/check", label: t("nav.checkNotice") });

  const signOut = () => logout();

  return (
    <>
      <a href="#main-content" className="govuk-skip-link" data-module="govuk-skip-link">
        {t("layout.skipToContent")}
      </a>
      <header className="muster-header" data-testid="header">
        <div className="govuk-width-container muster-header__container">
          <Link to="/" className="muster-header__service">
            <span className="muster-header__logo" aria-hidden="true">
              M
            </span>
            {t("service.name")}
            <span className="muster-header__tagline">{t("service.tagline")}</span>
          </Link>
          <div className="muster-header__tools">
            <LanguageSwitch />
            {me && (
              <>
                <span className="muster-header__user" data-testid="signed-in-as">
                  <span className="govuk-visually-hidden">{t("layout.signedInAs")} </span>
                  {me.display_name || me.login}
                </span>
                <button type="button" className="muster-header__signout" onClick={() => void signOut()}>
                  {t("layout.signOut")}
                </button>
              </>
            )}
          </div>
        </div>
      </header>
      <nav className="muster-nav" aria-label={t("layout.menu")}>
        <ul className="govuk-width-container muster-nav__list">
          {links.map((link) => (
            <li key={link.to} className="muster-nav__item">
              <NavLink to={link.to} end={link.end} className="muster-nav__link">
                {link.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <div className="govuk-width-container">
        <div className="govuk-phase-banner">
          <p className="govuk-phase-banner__content">
            <strong className="govuk-tag govuk-phase-banner__content__tag">{t("layout.demo")}</strong>
            <span className="govuk-phase-banner__text">{t("layout.demoText")}</span>
          </p>
        </div>
        <main className="govuk-main-wrapper" id="main-content" tabIndex={-1}>
          {expired && !me && (
            <div className="govuk-notification-banner" role="region" aria-labelledby="expired-title">
              <div className="govuk-notification-banner__header">
                <h2 className="govuk-notification-banner__title" id="expired-title">
                  {t("common.important")}
                </h2>
              </div>
              <div className="govuk-notification-banner__content">
                <p className="govuk-notification-banner__heading">{t("layout.sessionExpired")}</p>
              </div>
            </div>
          )}
          {children}
        </main>
      </div>
      <footer className="govuk-footer">
        <div className="govuk-width-container">
          <p className="govuk-body-s muster-footer__fraud">{t("layout.antiFraud")}</p>
          <p className="govuk-body-s">{t("layout.footer")}</p>
        </div>
      </footer>
    </>
  );
}
