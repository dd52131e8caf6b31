// A time as Cordon shows it everywhere: local with its zone ("2026-12-07 14:03 CET"),
// or relative ("12 min ago"); the exact time — to the second, local and UTC — on hover.
import { exactTime, localTime, relativeTime } from "../lib/time";

export function Time({ iso, now, className }: { iso: string | null | undefined; now?: Date; className?: string }) {
  if (!iso) return <span className={className}>{now ? "never" : "unknown"}</span>;
  return (
    <time dateTime={iso} title={exactTime(iso)} className={className}>
      {now ? relativeTime(iso, now) : localTime(iso)}
    </time>
  );
}
