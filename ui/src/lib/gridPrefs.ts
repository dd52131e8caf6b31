// The Machines grid's column preferences (which columns, in which order, how wide),
// one of the window's preferences (`lib/prefs`: kept by Rust, not in the web view);
// with them the sort and the saved filters, so a relaunch opens the grid as it was left.
import type { GridColumn, GridSort } from "../ipc";
import { NO_FACETS, type Facets } from "./grid";
import type { StateFilter } from "./states";

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

/** The grid's sort, remembered across launches. */
export const SORT_PREFS_KEY = "machines.sort";

const SORT_COLUMNS: readonly GridColumn[] = [
  "name",
  "state",
  "since",
  "health",
  "lastSeen",
  "os",
  "risk",
  "exposure",
  "deviceValue",
  "group",
  "tags",
  "ip",
];

export function isGridSort(v: unknown): v is GridSort {
  return isRecord(v) && SORT_COLUMNS.includes(v.column as GridColumn) && typeof v.descending === "boolean";
}

/** The person's saved filters (search, state chip and facets under a name). */
export const SAVED_FILTERS_KEY = "machines.savedFilters";

export interface SavedFilter {
  name: string;
  search: string;
  state: StateFilter;
  facets: Facets;
}

const STATE_FILTERS: readonly StateFilter[] = ["all", "isolatedNow", "isolating", "releasing", "stuck", "failed"];
const FACET_KEYS = Object.keys(NO_FACETS) as (keyof Facets)[];

function isFacets(v: unknown): v is Facets {
  return isRecord(v) && FACET_KEYS.every((k) => Array.isArray(v[k]) && (v[k] as unknown[]).every((x) => typeof x === "string"));
}

export function isSavedFilters(v: unknown): v is SavedFilter[] {
  return (
    Array.isArray(v) &&
    v.every(
      (f) =>
        isRecord(f) &&
        typeof f.name === "string" &&
        f.name.trim() !== "" &&
        typeof f.search === "string" &&
        STATE_FILTERS.includes(f.state as StateFilter) &&
        isFacets(f.facets),
    )
  );
}

/** `list` with `filter` saved under its name (a filter of the same name is replaced), by name. */
export function withSaved(list: SavedFilter[], filter: SavedFilter): SavedFilter[] {
  const name = filter.name.trim();
  const rest = list.filter((f) => f.name.toLowerCase() !== name.toLowerCase());
  return [...rest, { ...filter, name }].sort((a, b) => a.name.localeCompare(b.name));
}
