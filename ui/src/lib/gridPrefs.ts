// The Machines grid's column preferences (which columns, in which order, how wide).
// Kept in the web view's localStorage behind this one module, so that a preferences
// store of the app can take its place without touching the grid.

export interface ColumnPrefs {
  /** Column id → shown; a column not listed takes its default. */
  visibility: Record<string, boolean>;
  /** Column ids left to right; columns not listed follow in their default order. */
  order: string[];
  /** Column id → width in pixels. */
  sizing: Record<string, number>;
}

export const EMPTY_PREFS: ColumnPrefs = { visibility: {}, order: [], sizing: {} };

const KEY = "cordon.machines.columns.v1";

function storage(): Storage | null {
  try {
    return typeof window !== "undefined" && window.localStorage ? window.localStorage : null;
  } catch {
    return null;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The saved preferences, or none when nothing (or nothing readable) was saved. */
export function loadColumnPrefs(): ColumnPrefs {
  const raw = storage()?.getItem(KEY);
  if (!raw) return EMPTY_PREFS;
  try {
    const v: unknown = JSON.parse(raw);
    if (!isRecord(v)) return EMPTY_PREFS;
    const visibility: Record<string, boolean> = {};
    if (isRecord(v.visibility)) for (const [k, b] of Object.entries(v.visibility)) if (typeof b === "boolean") visibility[k] = b;
    const order = Array.isArray(v.order) ? v.order.filter((x): x is string => typeof x === "string") : [];
    const sizing: Record<string, number> = {};
    if (isRecord(v.sizing)) for (const [k, n] of Object.entries(v.sizing)) if (typeof n === "number" && n > 0) sizing[k] = n;
    return { visibility, order, sizing };
  } catch {
    return EMPTY_PREFS;
  }
}

export function saveColumnPrefs(prefs: ColumnPrefs): void {
  try {
    storage()?.setItem(KEY, JSON.stringify(prefs));
  } catch {
    // A full or disabled storage costs the preference, not the grid.
  }
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
