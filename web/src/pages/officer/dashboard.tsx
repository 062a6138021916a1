// The campaign dashboard: registry-wide counts and, day by day, summonses issued, served by
// channel, appearances, overdue summonses, measures in force and lift confirmations. Drawn
// with Observable Plot as SVG; every chart has a text alternative and its data as a table.
// The data is GET /stats; a series the server does not publish yet (per-day overdue, lift
// confirmations) is named as missing rather than drawn as zero.
import * as Plot from "@observablehq/plot";
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { getOptional } from "../../api/client";
import type { Stats, StatsDay } from "../../api/types";
import { Loading, NotAvailable, ScrollArea, Page, ProblemMessage, useLoad } from "../../components/ui";
import { formatDate, formatInstant, term } from "../../format";

// Colour-blind-safe (Okabe–Ito) and at least 3:1 against white for the marks.
const channelColours: Record<string, string> = {
  portal: "#0072B2",
  registered_mail: "#D55E00",
  in_person: "#009E73",
  register: "#CC79A7",
};

function toDate(date: string): Date {
  return new Date(`${date}T00:00:00Z`);
}

function Chart({ id, title, description, plot, table }: {
  id: string;
  title: string;
  description: string;
  plot: () => SVGSVGElement | HTMLElement;
  table: { headers: string[]; rows: (string | number)[][] };
}) {
  const { t } = useTranslation();
  const holder = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = plot();
    // Plot labels its mark groups with aria-label on plain <g> elements, which ARIA does not
    // allow; the chart is one image named by its caption and description (the numbers are in
    // the table below), and the legend's swatches are decoration beside their text.
    const svgs = element instanceof SVGSVGElement ? [element] : [...element.querySelectorAll("svg")];
    for (const svg of svgs) {
      svg.querySelectorAll("[aria-label]").forEach((node) => node.removeAttribute("aria-label"));
      svg.removeAttribute("aria-label");
      if (svg.closest("[class*=swatch]")) {
        svg.setAttribute("aria-hidden", "true");
      } else {
        svg.setAttribute("role", "img");
        svg.setAttribute("aria-labelledby", `${id}-caption ${id}-description`);
      }
    }
    holder.current?.replaceChildren(element);
    return () => element.remove();
  }, [plot, id]);
  return (
    <figure className="muster-chart" aria-labelledby={`${id}-caption`} data-testid={`chart-${id}`}>
      <figcaption id={`${id}-caption`} className="govuk-heading-s">{title}</figcaption>
      <p className="govuk-body-s muster-muted" id={`${id}-description`}>{description}</p>
      <div ref={holder} className="muster-chart__plot" />
      <details className="govuk-details">
        <summary className="govuk-details__summary"><span className="govuk-details__summary-text">{t("dashboard.showTable")}</span></summary>
        <ScrollArea className="govuk-details__text" label={title}>
          <table className="govuk-table">
            <caption className="govuk-visually-hidden">{title}</caption>
            <thead className="govuk-table__head">
              <tr className="govuk-table__row">{table.headers.map((header) => <th scope="col" key={header} className="govuk-table__header">{header}</th>)}</tr>
            </thead>
            <tbody className="govuk-table__body">
              {table.rows.map((row, index) => (
                <tr className="govuk-table__row" key={index}>
                  {row.map((cell, column) => column === 0
                    ? <th scope="row" key={column} className="govuk-table__header">{cell}</th>
                    : <td key={column} className="govuk-table__cell govuk-table__cell--numeric">{cell}</td>)}
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollArea>
      </details>
    </figure>
  );
}

// A day of the series with measures in force filled in: the server's figure when it gives one,
// else counted back from today's total through each day's impositions and liftings.
export interface Day extends StatsDay {
  inForce: number;
}

export function withMeasuresInForce(stats: Stats): Day[] {
  const days = [...(stats.days ?? [])].sort((a, b) => a.day.localeCompare(b.day));
  let inForce = Object.values(stats.measures_in_force).reduce((sum, value) => sum + value, 0);
  const out: Day[] = new Array(days.length);
  for (let index = days.length - 1; index >= 0; --index) {
    const day = days[index];
    out[index] = { ...day, inForce: day.measures_in_force ?? inForce };
    inForce = Math.max(0, inForce - day.measures_imposed + day.measures_lifted);
  }
  return out;
}

function useCharts(days: Day[], width: number) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language === "ru" ? "ru-RU" : "en-GB";
  const rows = days.map((day) => ({ ...day, date: toDate(day.day) }));
  const channels = [...new Set(days.flatMap((day) => Object.keys(day.served_by_channel)))];
  const served = rows.flatMap((day) => channels.map((channel) => ({
    date: day.date, channel: term("channel", channel), code: channel, count: day.served_by_channel[channel] ?? 0,
  })));
  const hasOverdue = days.some((day) => day.overdue !== undefined);
  const base = (label: string) => ({
    width,
    height: 220,
    marginLeft: 48,
    style: { fontSize: "14px", background: "transparent", color: "#0b0c0c" },
    x: { type: "utc" as const, label: null, ticks: Math.max(2, Math.floor(width / 110)), tickFormat: (value: Date) => value.toLocaleDateString(locale, { day: "numeric", month: "short", timeZone: "UTC" }) },
    y: { grid: true, label, nice: true, zero: true },
    ariaLabel: label,
  });
  return {
    issued: () => Plot.plot({ ...base(t("dashboard.issued")), marks: [Plot.rectY(rows, { x: "date", y: "issued", interval: "day", fill: "#1d70b8", title: (d: typeof rows[number]) => `${formatDate(d.day)}: ${d.issued}` }), Plot.ruleY([0])] }),
    served: () => Plot.plot({ ...base(t("dashboard.served")),
      color: { legend: true, domain: channels.map((channel) => term("channel", channel)), range: channels.map((channel) => channelColours[channel] ?? "#505a5f") },
      marks: [Plot.rectY(served, { x: "date", y: "count", fill: "channel", interval: "day", title: (d: typeof served[number]) => `${d.channel}: ${d.count}` }), Plot.ruleY([0])] }),
    attendance: () => Plot.plot({ ...base(t("dashboard.people")),
      color: { legend: true, domain: hasOverdue ? [t("dashboard.appeared"), t("dashboard.overdue")] : [t("dashboard.appeared")], range: ["#00703c", "#d4351c"] },
      marks: [
        Plot.rectY(rows, { x: "date", y: "appeared", interval: "day", fill: () => t("dashboard.appeared") }),
        ...(hasOverdue ? [Plot.lineY(rows, { x: "date", y: "overdue", stroke: () => t("dashboard.overdue"), strokeWidth: 3, strokeDasharray: "6 3", marker: "circle-stroke" })] : []),
        Plot.ruleY([0]),
      ] }),
    measures: () => Plot.plot({ ...base(t("dashboard.measuresInForce")),
      marks: [Plot.areaY(rows, { x: "date", y: "inForce", curve: "step-after", fill: "#f47738", fillOpacity: 0.35 }), Plot.lineY(rows, { x: "date", y: "inForce", curve: "step-after", stroke: "#b04f00", strokeWidth: 3 }), Plot.ruleY([0])] }),
    liftsFlow: () => Plot.plot({ ...base(t("dashboard.imposedLifted")),
      color: { legend: true, domain: [t("dashboard.imposed"), t("dashboard.liftedDay")], range: ["#d4351c", "#00703c"] },
      marks: [
        Plot.rectY(rows, { x: "date", y: "measures_imposed", interval: "day", fill: () => t("dashboard.imposed") }),
        Plot.rectY(rows, { x: "date", y: (d: typeof rows[number]) => -d.measures_lifted, interval: "day", fill: () => t("dashboard.liftedDay") }),
        Plot.ruleY([0]),
      ] }),
    lifts: () => Plot.plot({ ...base(t("dashboard.liftsConfirmed")), marks: [Plot.rectY(rows, { x: "date", y: "lifts_confirmed", interval: "day", fill: "#00703c" }), Plot.ruleY([0])] }),
    channels,
    hasOverdue,
    hasLiftConfirmations: days.some((day) => day.lifts_confirmed !== undefined),
  };
}

export function Dashboard() {
  const { t } = useTranslation();
  const { data, error, loading } = useLoad(() => getOptional<Stats>("/stats"), []);
  return (
    <Page title={t("dashboard.title")} wide>
      <p className="govuk-body"><Link className="govuk-button govuk-button--secondary" to="/officer/campaign">{t("dashboard.issueBatch")}</Link></p>
      {loading && <Loading />}
      {error !== undefined && <ProblemMessage error={error} />}
      {data && !data.available && <NotAvailable what={t("dashboard.unavailable")} />}
      {data?.available && <DashboardBody stats={data.data} />}
    </Page>
  );
}

function DashboardBody({ stats }: { stats: Stats }) {
  const { t } = useTranslation();
  const width = Math.min(900, Math.max(300, (typeof window === "undefined" ? 900 : window.innerWidth) - 48));
  const days = withMeasuresInForce(stats);
  const charts = useCharts(days, width);
  const summonses = Object.values(stats.summonses_by_status).reduce((sum, value) => sum + value, 0);
  const inForce = Object.values(stats.measures_in_force).reduce((sum, value) => sum + value, 0);
  const number = (value: number | undefined) => (value === undefined ? "—" : value.toLocaleString());
  const tiles = ([
    [t("dashboard.persons"), stats.persons],
    [t("dashboard.summonses"), summonses],
    [t("dashboard.overdueNow"), stats.overdue],
    [t("dashboard.measuresNow"), inForce],
    [t("dashboard.lifted"), stats.measures_lifted],
    [t("dashboard.liftsConfirmedTotal"), stats.lifts_confirmed],
    [t("dashboard.liftsPending"), stats.lifts_pending],
  ] as [string, number | undefined][]).filter(([, value]) => value !== undefined).map(([label, value]) => [label, number(value)]);
  const dates = days.map((day) => formatDate(day.day));
  return (
    <>
      <p className="govuk-body">{t("dashboard.asOf", { at: formatInstant(stats.at) })}</p>
      <ul className="muster-tiles" data-testid="tiles">
        {tiles.map(([label, value]) => (
          <li className="muster-tile" key={label}><span className="muster-tile__value">{value}</span><span className="muster-tile__label">{label}</span></li>
        ))}
      </ul>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-one-half-from-desktop">
          <CountTable caption={t("dashboard.byStatus")} rows={Object.entries(stats.summonses_by_status).map(([status, count]) => [term("summonsStatus", status), number(count)])} />
        </div>
        <div className="govuk-grid-column-one-half-from-desktop">
          <CountTable caption={t("dashboard.byMeasure")} rows={Object.entries(stats.measures_in_force).map(([kind, count]) => [term("measure", kind), number(count)])} />
        </div>
      </div>
      {days.length === 0 ? (
        <p className="govuk-body">{t("dashboard.noSeries")}</p>
      ) : (
        <div className="muster-charts">
          <Chart id="issued" title={t("dashboard.issued")} description={t("dashboard.issuedText")} plot={charts.issued}
            table={{ headers: [t("dashboard.date"), t("dashboard.issued")], rows: days.map((day, index) => [dates[index], day.issued]) }} />
          <Chart id="served" title={t("dashboard.served")} description={t("dashboard.servedText")} plot={charts.served}
            table={{ headers: [t("dashboard.date"), ...charts.channels.map((channel) => term("channel", channel))],
              rows: days.map((day, index) => [dates[index], ...charts.channels.map((channel) => day.served_by_channel[channel] ?? 0)]) }} />
          <Chart id="attendance" title={t("dashboard.people")} description={charts.hasOverdue ? t("dashboard.peopleText") : t("dashboard.appearedText")} plot={charts.attendance}
            table={{ headers: [t("dashboard.date"), t("dashboard.appeared"), ...(charts.hasOverdue ? [t("dashboard.overdue")] : [])],
              rows: days.map((day, index) => [dates[index], day.appeared, ...(charts.hasOverdue ? [day.overdue ?? 0] : [])]) }} />
          <Chart id="measures" title={t("dashboard.measuresInForce")} description={t("dashboard.measuresText")} plot={charts.measures}
            table={{ headers: [t("dashboard.date"), t("dashboard.measuresInForce")], rows: days.map((day, index) => [dates[index], day.inForce]) }} />
          <Chart id="flow" title={t("dashboard.imposedLifted")} description={t("dashboard.imposedLiftedText")} plot={charts.liftsFlow}
            table={{ headers: [t("dashboard.date"), t("dashboard.imposed"), t("dashboard.liftedDay")], rows: days.map((day, index) => [dates[index], day.measures_imposed, day.measures_lifted]) }} />
          {charts.hasLiftConfirmations ? (
            <Chart id="lifts" title={t("dashboard.liftsConfirmed")} description={t("dashboard.liftsText")} plot={charts.lifts}
              table={{ headers: [t("dashboard.date"), t("dashboard.liftsConfirmed")], rows: days.map((day, index) => [dates[index], day.lifts_confirmed ?? 0]) }} />
          ) : (
            <NotAvailable what={t("dashboard.liftsUnavailable")} />
          )}
          {!charts.hasOverdue && <p className="govuk-body-s muster-muted">{t("dashboard.overdueSeriesMissing")}</p>}
        </div>
      )}
    </>
  );
}

function CountTable({ caption, rows }: { caption: string; rows: string[][] }) {
  return (
    <table className="govuk-table">
      <caption className="govuk-table__caption govuk-table__caption--s">{caption}</caption>
      <tbody className="govuk-table__body">
        {rows.map(([label, value]) => (
          <tr className="govuk-table__row" key={label}>
            <th scope="row" className="govuk-table__header">{label}</th>
            <td className="govuk-table__cell govuk-table__cell--numeric">{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
