// The routes. Front-end paths never coincide with API paths (/citizen…, /officer…, /login,
// /check), so a browser navigation never lands on JSON; `muster serve --web` answers every
// other browser navigation with index.html and the router takes it from there.
import { Suspense, lazy } from "react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, Route, Routes, useLocation } from "react-router";
import { ErrorBoundary } from "./components/error-boundary";
import { Layout } from "./components/layout";
import { Loading, Page } from "./components/ui";
import { Home } from "./pages/home";
import { CheckNotice } from "./pages/check";
import { CitizenLogin, OfficerLogin } from "./pages/login";
import { CitizenRecord } from "./pages/citizen/record";
import { CitizenSummonses } from "./pages/citizen/summonses";
import { CitizenMeasures } from "./pages/citizen/measures";
import { CitizenAccessLog } from "./pages/citizen/access-log";
import { Apply, DefermentRequest, ExcuseForm, ObjectionForm } from "./pages/citizen/apply";
import { OfficerSearch } from "./pages/officer/search";
import { PersonCardPage } from "./pages/officer/person";
import { IssueSummons } from "./pages/officer/issue-summons";
import { GrantDeferment, DecideFitness } from "./pages/officer/decisions";
import { Queues } from "./pages/officer/queues";
import { Campaign } from "./pages/officer/campaign";
import { SessionProvider, useSession } from "./session";

// The dashboard brings Observable Plot and d3 along: loaded only when an officer opens it.
const Dashboard = lazy(() => import("./pages/officer/dashboard").then((module) => ({ default: module.Dashboard })));

function Require({ kind, children }: { kind: "citizen" | "officer"; children: ReactNode }) {
  const { me, loading } = useSession();
  const location = useLocation();
  if (loading) return <Loading />;
  const allowed = kind === "citizen" ? me?.kind === "citizen" : me && me.kind !== "citizen";
  if (!allowed) {
    const login = kind === "citizen" ? "/citizen/login" : "/login";
    return <Navigate to={login} replace state={{ from: location.pathname }} />;
  }
  return <>{children}</>;
}

function NotFound() {
  const { t } = useTranslation();
  return (
    <Page title={t("notFound.title")}>
      <p className="govuk-body">{t("notFound.body")}</p>
    </Page>
  );
}

export function App() {
  const location = useLocation();
  const citizen = (page: ReactNode) => <Require kind="citizen">{page}</Require>;
  const officer = (page: ReactNode) => <Require kind="officer">{page}</Require>;
  return (
    <SessionProvider>
      <Layout>
        <ErrorBoundary resetKey={location.pathname}>
        <Routes>
          <Route path="/" element={<Home />} />
          <Route path="/login" element={<OfficerLogin />} />
          <Route path="/citizen/login" element={<CitizenLogin />} />
          <Route path="/check" element={<CheckNotice />} />
          <Route path="/check/:code" element={<CheckNotice />} />

          <Route path="/citizen" element={citizen(<CitizenRecord />)} />
          <Route path="/citizen/summonses" element={citizen(<CitizenSummonses />)} />
          <Route path="/citizen/measures" element={citizen(<CitizenMeasures />)} />
          <Route path="/citizen/access-log" element={citizen(<CitizenAccessLog />)} />
          <Route path="/citizen/apply" element={citizen(<Apply />)} />
          <Route path="/citizen/apply/deferment" element={citizen(<DefermentRequest />)} />
          <Route path="/citizen/apply/objection" element={citizen(<ObjectionForm />)} />
          <Route path="/citizen/summonses/:summonsId/excuse" element={citizen(<ExcuseForm />)} />

          <Route path="/officer" element={officer(<OfficerSearch />)} />
          <Route path="/officer/persons/:personId" element={officer(<PersonCardPage />)} />
          <Route path="/officer/persons/:personId/summons" element={officer(<IssueSummons />)} />
          <Route path="/officer/persons/:personId/deferment" element={officer(<GrantDeferment />)} />
          <Route path="/officer/persons/:personId/fitness" element={officer(<DecideFitness />)} />
          <Route path="/officer/queues" element={officer(<Queues />)} />
          <Route path="/officer/campaign" element={officer(<Campaign />)} />
          <Route path="/officer/dashboard" element={officer(<Suspense fallback={<Loading />}><Dashboard /></Suspense>)} />
          <Route path="*" element={<NotFound />} />
        </Routes>
        </ErrorBoundary>
      </Layout>
    </SessionProvider>
  );
}
