// The Machines grid asks the core for what it shows: these are the pure parts of the
// question (which filter, which window of rows). The core filters, sorts and counts;
// nothing here looks at more machines than the window it was given.
import type { GridFilter, GridSort, IsolationState } from "../ipc";
import type { StateFilter } from "./states";

/** The facets the grid filters by besides the state chips and the search text (the
 * generated filter's own fields, so the two cannot drift). */
export type Facets = Pick<GridFilter, "health" | "os" | "risk" | "exposure" | "tags" | "groups" | "deviceValue">;

export const NO_FACETS: Facets = { health: [], os: [], risk: [], exposure: [], tags: [], groups: [], deviceValue: [] };

export const DEFAULT_SORT: GridSort = { column: "name", descending: false };

const CHIP_STATES: Record<Exclude<StateFilter, "all" | "isolatedNow">, IsolationState[]> = {
  isolating: ["isolating"],
  releasing: ["releasing"],
  stuck: ["release_stuck"],
  failed: ["isolation_failed"],
};

/** The core's filter for a state chip, the search text and the facets. */
export function gridFilter(state: StateFilter, search: string, facets: Facets): GridFilter {
  const text = search.trim();
  return {
    search: text === "" ? null : text,
    isolatedNow: state === "isolatedNow",
    pending: false,
    states: state === "all" || state === "isolatedNow" ? [] : [...CHIP_STATES[state]],
    health: [...facets.health],
    os: [...facets.os],
    risk: [...facets.risk],
    exposure: [...facets.exposure],
    tags: [...facets.tags],
    groups: [...facets.groups],
    deviceValue: [...facets.deviceValue],
  };
}

/** How many facet values are chosen (the "Filters (n)" label). */
export function facetCount(f: Facets): number {
  return Object.values(f).reduce((n, v: string[]) => n + v.length, 0);
}

/** Rows fetched above and below the ones on screen. */
export const OVERSCAN = 20;
/** Windows start and end on multiples of this, so a small scroll asks for nothing new. */
export const BLOCK = 50;
/** The core's cap on one window (`GRID_MAX_LIMIT`). */
export const MAX_LIMIT = 1000;

export interface GridWindow {
  offset: number;
  limit: number;
}

/**
 * The window to fetch for rows `first`..`last` (inclusive) on screen: those plus the
 * overscan, widened to whole blocks so that scrolling within a block keeps the same
 * window (and the same cache entry). `total` unknown (before the first page) is fine:
 * the core answers a window past the end with fewer rows.
 */
export function windowFor(first: number, last: number, total?: number): GridWindow {
  const lo = Math.max(0, first - OVERSCAN);
  let hi = Math.max(lo, last) + OVERSCAN + 1;
  if (total !== undefined) hi = Math.min(hi, Math.max(total, 1));
  const offset = Math.floor(lo / BLOCK) * BLOCK;
  const end = Math.max(offset + BLOCK, Math.ceil(hi / BLOCK) * BLOCK);
  return { offset, limit: Math.min(MAX_LIMIT, end - offset) };
}

/** Splits "a, b ,c" into trimmed, non-empty, distinct values (tags and groups typed in). */
export function splitList(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(",")) {
    const v = part.trim();
    if (v !== "" && !out.includes(v)) out.push(v);
  }
  return out;
}
