// Times as people read them: local time with its zone ("2026-12-07 14:03 CET"), or
// relative for scanning ("12 min ago"); the exact time on hover, to the second, in local
// time and in UTC ("2026-12-07 14:03:27 CET · 2026-12-07T13:03:27Z UTC"), so what one
// analyst reads out matches the portal and another analyst's screen in another zone.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function parse(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** A duration in its largest sensible unit: "45 s", "12 min", "5 h", "9 d". */
export function durationText(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < MINUTE) return `${Math.round(abs / 1000)} s`;
  if (abs < HOUR) return `${Math.floor(abs / MINUTE)} min`;
  if (abs < DAY) return `${Math.floor(abs / HOUR)} h`;
  return `${Math.floor(abs / DAY)} d`;
}

/** "just now", "12 min ago", "5 h ago", "9 d ago"; "never" when unknown. */
export function relativeTime(iso: string | null | undefined, now: Date): string {
  const d = parse(iso);
  if (!d) return "never";
  const diff = now.getTime() - d.getTime();
  if (Math.abs(diff) < 45_000) return "just now";
  return diff >= 0 ? `${durationText(diff)} ago` : `in ${durationText(diff)}`;
}

const pad = (n: number): string => String(n).padStart(2, "0");

function zonePart(locale: string, d: Date): string {
  try {
    return new Intl.DateTimeFormat(locale, { timeZoneName: "short" }).formatToParts(d).find((p) => p.type === "timeZoneName")?.value ?? "";
  } catch {
    return "";
  }
}

/** The UTC offset of local time at `d`: "UTC+01:00", "UTC-05:00", "UTC+05:30". */
export function utcOffset(d: Date): string {
  const minutes = -d.getTimezoneOffset();
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/**
 * The local zone's short name at `d`: "CET", "CEST", "EST", "UTC"; where the zone has no
 * common abbreviation, its offset ("UTC+09:00").
 */
export function zoneName(d: Date): string {
  for (const locale of ["en-US", "en-GB"]) {
    const z = zonePart(locale, d);
    if (z !== "" && !/^GMT[+-]/.test(z)) return z;
  }
  return utcOffset(d);
}

function localDay(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/**
 * Local wall-clock time, "14:03:27" ("—" when unknown): for a time of today next to
 * the thing it times (synced, throttled until), whose hover gives the exact time with
 * its zone.
 */
export function clockTime(iso: string | null | undefined): string {
  const d = parse(iso);
  if (!d) return "—";
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Local date and time to the minute, with its zone: "2026-12-07 14:03 CET". */
export function localTime(iso: string | null | undefined): string {
  const d = parse(iso);
  if (!d) return "unknown";
  return `${localDay(d)} ${pad(d.getHours())}:${pad(d.getMinutes())} ${zoneName(d)}`;
}

/** The UTC instant, ISO 8601 to the second: "2026-12-07T13:03:27Z". */
export function utcTime(iso: string | null | undefined): string {
  const d = parse(iso);
  if (!d) return "unknown";
  return `${d.toISOString().slice(0, 19)}Z`;
}

/**
 * The exact time, for hover: local to the second with its zone, then UTC —
 * "2026-12-07 14:03:27 CET · 2026-12-07T13:03:27Z UTC"; "unknown" when missing.
 */
export function exactTime(iso: string | null | undefined): string {
  const d = parse(iso);
  if (!d) return "unknown";
  return `${localDay(d)} ${clockTime(iso)} ${zoneName(d)} · ${utcTime(iso)} UTC`;
}

/** The local calendar day of an instant, "YYYY-MM-DD". */
export function localDayOf(iso: string): string {
  const d = parse(iso);
  return d ? localDay(d) : "";
}

/**
 * The instants that bound a local day, for the day filters: its first millisecond
 * (`"start"`) or its last (`"end"`), as RFC 3339 in UTC; `null` for an invalid day.
 */
export function localDayBound(day: string, edge: "start" | "end"): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
  const t = edge === "start" ? new Date(y, mo, d, 0, 0, 0, 0) : new Date(y, mo, d, 23, 59, 59, 999);
  if (Number.isNaN(t.getTime()) || t.getMonth() !== mo) return null;
  return t.toISOString();
}
