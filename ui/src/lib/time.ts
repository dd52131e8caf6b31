// Times as people read them: relative for scanning, exact on hover.

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

/** Local wall-clock time, "hh:mm:ss". */
export function clockTime(iso: string | null | undefined): string {
  const d = parse(iso);
  if (!d) return "—";
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Local date and time, "YYYY-MM-DD hh:mm:ss". */
export function exactTime(iso: string | null | undefined): string {
  const d = parse(iso);
  if (!d) return "unknown";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clockTime(iso)}`;
}
