// Test-only: a fake of the core's machine grid (grid_page, grid_counters, grid_changes)
// over a list of rows, so the views' tests run against the same commands as the app. It
// filters and sorts the way the store does closely enough for the tests' small tenants;
// the real semantics are tested in Rust (tests/contract/grid.rs, tests/grid.rs).
import type { Counters, GridChanges, GridFilter, GridPage, GridQuery, MachineRow } from "../ipc";
import type { Handler } from "../ipc/testing";
import { countersOf } from "./fixtures";

export interface FakeGrid {
  handlers: { grid_page: Handler; grid_counters: Handler; grid_changes: Handler };
  /** Replaces the rows: the cursor moves (as a sync that changed them does). */
  set(rows: MachineRow[]): void;
  /** What `grid_changes` reports next regardless of the rows (an idle sync: 0). */
  cursor(): number;
}

const STATE_ORDER = ["not_isolated", "isolating", "isolation_failed", "isolated", "releasing", "release_stuck"];

export function matches(r: MachineRow, f: GridFilter): boolean {
  const s = f.search?.trim().toLowerCase();
  if (s && !(r.name.toLowerCase().includes(s) || r.id.toLowerCase().includes(s) || (r.ip ?? "").includes(s))) return false;
  if (f.isolatedNow && !r.isolatedNow) return false;
  if (f.pending && !r.pending) return false;
  if (f.states.length > 0 && !f.states.includes(r.state)) return false;
  const inList = (list: string[], v: string | null) => list.length === 0 || list.includes(v ?? "");
  if (!inList(f.health, r.health) || !inList(f.os, r.os) || !inList(f.risk, r.risk)) return false;
  if (!inList(f.exposure, r.exposure) || !inList(f.groups, r.group) || !inList(f.deviceValue, r.deviceValue)) return false;
  if (f.tags.length > 0 && !f.tags.some((t) => r.tags.includes(t))) return false;
  return true;
}

function key(r: MachineRow, column: GridQuery["sort"]["column"]): string | number {
  switch (column) {
    case "state":
      return STATE_ORDER.indexOf(r.state);
    case "tags":
      return r.tags.join(",");
    default:
      return String(r[column] ?? "").toLowerCase();
  }
}

export function fakeGrid(initial: MachineRow[], asOf: string | null = "2026-11-28T14:02:33Z"): FakeGrid {
  let rows = initial;
  let cursor = 1;
  const page = ({ query }: { query: GridQuery }): GridPage => {
    const { column, descending } = query.sort;
    const all = rows
      .filter((r) => matches(r, query.filter))
      .sort((a, b) => {
        const ka = key(a, column);
        const kb = key(b, column);
        const c = ka < kb ? -1 : ka > kb ? 1 : a.name.localeCompare(b.name);
        return descending ? -c : c;
      });
    return {
      total: all.length,
      offset: query.offset,
      rows: all.slice(query.offset, query.offset + query.limit).map((machine) => ({ version: cursor, machine })),
      cursor,
      asOf,
    };
  };
  const counters = ({ filter }: { filter: GridFilter }): Counters => countersOf(rows.filter((r) => matches(r, filter)));
  const changes = ({ cursor: since }: { cursor: number }): GridChanges => ({
    cursor,
    changed: since < cursor ? rows.length : 0,
    removed: 0,
    ids: [],
    truncated: false,
  });
  return {
    handlers: { grid_page: page, grid_counters: counters, grid_changes: changes },
    set(next) {
      rows = next;
      cursor += 1;
    },
    cursor: () => cursor,
  };
}
