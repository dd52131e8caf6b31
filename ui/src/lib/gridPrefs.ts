// The Machines grid's column preferences (which columns, in which order, how wide),
// one of the window's preferences (`lib/prefs`: kept by Rust, not in the web view).

export interface ColumnPrefs {
  /** Column id → shown; a column not listed takes its default. */
  visibility: Record<string, boolean>;
  /** Column ids left to right; columns not listed follow in their default order. */
  order: string[];
  /** Column id → width in pixels. */
  sizing: Record<string, number>;
}

export const EMPTY_PREFS: ColumnPrefs = { visibility: {}, order: [], sizing: {} };

/** The preference's key (Rust keeps it in `ui-prefs.json`, with the theme and the last view). */
export const COLUMN_PREFS_KEY = "machines.columns";

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** True for a saved value of the right shape (a file edited by hand reads as the defaults). */
export function isColumnPrefs(v: unknown): v is ColumnPrefs {
  return (
    isRecord(v) &&
    isRecord(v.visibility) &&
    Object.values(v.visibility).every((b) => typeof b === "boolean") &&
    Array.isArray(v.order) &&
    v.order.every((x) => typeof x === "string") &&
    isRecord(v.sizing) &&
    Object.values(v.sizing).every((n) => typeof n === "number" && n > 0)
  );
}

/** `order` with `id` moved one place left (-1) or right (+1) among `ids` (the full list). */
export function moveColumn(order: string[], ids: string[], id: string, by: -1 | 1): string[] {
  const full = [...order.filter((c) => ids.includes(c)), ...ids.filter((c) => !order.includes(c))];
  const i = full.indexOf(id);
  const j = i + by;
  if (i < 0 || j < 0 || j >= full.length) return full;
  [full[i], full[j]] = [full[j]!, full[i]!];
  return full;
}
