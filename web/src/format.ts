// Dates, instants, regions and enumerations for display. The registry stores instants in UTC;
// people read them in the time zone of the office's region (the country spans 11 zones), with
// the zone named so that nobody has to guess.
import i18next from "i18next";
import { regions } from "./regions.generated";

export function zoneOfRegion(region: string | undefined): string | undefined {
  return region ? regions[region]?.zone : undefined;
}

export function regionName(region: string): string {
  const entry = regions[region];
  if (!entry) return region;
  return i18next.language === "ru" ? entry.ru : entry.en;
}

function locale(): string {
  return i18next.language === "ru" ? "ru-RU" : "en-GB";
}

export function formatInstant(iso: string | null | undefined, zone?: string): string {
  if (!iso) return "—";
  const instant = new Date(iso);
  if (Number.isNaN(instant.getTime())) return iso;
  // dateStyle/timeStyle cannot be combined with timeZoneName, hence the parts.
  return new Intl.DateTimeFormat(locale(), {
    year: "numeric",
    month: "long",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: zone ?? "UTC",
    timeZoneName: "short",
  }).format(instant);
}

// A civil date (YYYY-MM-DD) as words, without any time-zone shift.
export function formatDate(date: string | null | undefined): string {
  if (!date) return "—";
  const [year, month, day] = date.split("-").map(Number);
  if (!year || !month || !day) return date;
  return new Intl.DateTimeFormat(locale(), { dateStyle: "long", timeZone: "UTC" }).format(
    new Date(Date.UTC(year, month - 1, day)),
  );
}

// The local date (YYYY-MM-DD) of `iso` in `zone`.
export function localDate(iso: string, zone = "UTC"): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date(iso));
  return parts; // en-CA formats as YYYY-MM-DD
}

export function addDays(date: string, days: number): string {
  const [year, month, day] = date.split("-").map(Number);
  const shifted = new Date(Date.UTC(year, month - 1, day + days));
  return shifted.toISOString().slice(0, 10);
}

// "2026-04-15" + "09:00" in "Europe/Moscow" → "2026-04-15T09:00:00+03:00".
export function zonedInstant(date: string, time: string, zone = "UTC"): string {
  const [year, month, day] = date.split("-").map(Number);
  const [hour, minute] = time.split(":").map(Number);
  const guess = new Date(Date.UTC(year, month - 1, day, hour, minute));
  const name = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
    .formatToParts(guess)
    .find((part) => part.type === "timeZoneName")?.value;
  const match = /GMT([+-]\d{2}):?(\d{2})?/.exec(name ?? "");
  const offset = match ? `${match[1]}:${match[2] ?? "00"}` : "+00:00";
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${date}T${pad(hour)}:${pad(minute)}:00${offset}`;
}

// A code from the API (a measure kind, a channel, a status) in the user's language; the code
// itself when the dictionary does not know it.
export function term(group: string, code: string | null | undefined): string {
  if (code === null || code === undefined || code === "") return "—";
  const key = `terms.${group}.${code}`;
  return i18next.exists(key) ? String(i18next.t(key as never)) : code.replaceAll("_", " ");
}

export function fullName(names: { family: string; given: string; patronymic: string }): string {
  return [names.family, names.given, names.patronymic].filter(Boolean).join(" ");
}
