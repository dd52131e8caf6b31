// Multi-row selection of the Machines grid. A selection is a set of machine ids; what
// a bulk action would target is derived from it and the current rows, so a machine that
// left the tenant (or the filter) never travels silently into a request.
import type { MachineRow } from "../ipc";

export type Selection = ReadonlySet<string>;

export const EMPTY_SELECTION: Selection = new Set<string>();

/** Adds or removes one machine. */
export function toggle(sel: Selection, id: string): Selection {
  const next = new Set(sel);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
}

/** The header checkbox: every visible row selected, some, or none. */
export type HeaderCheck = "all" | "some" | "none";

export function headerCheck(sel: Selection, visible: readonly MachineRow[]): HeaderCheck {
  if (visible.length === 0 || sel.size === 0) return "none";
  let n = 0;
  for (const r of visible) if (sel.has(r.id)) n += 1;
  if (n === 0) return "none";
  return n === visible.length ? "all" : "some";
}

/**
 * The header checkbox's click: when every visible row is selected it unselects them,
 * else it selects every visible (filtered) row. Selected rows outside the filter stay.
 */
export function toggleAllVisible(sel: Selection, visible: readonly MachineRow[]): Selection {
  const next = new Set(sel);
  if (headerCheck(sel, visible) === "all") {
    for (const r of visible) next.delete(r.id);
  } else {
    for (const r of visible) next.add(r.id);
  }
  return next;
}

/** Drops ids that are no longer machines of the tenant (after a sync or a switch). */
export function prune(sel: Selection, rows: readonly MachineRow[]): Selection {
  if (sel.size === 0) return sel;
  const ids = new Set(rows.map((r) => r.id));
  let changed = false;
  const next = new Set<string>();
  for (const id of sel) {
    if (ids.has(id)) next.add(id);
    else changed = true;
  }
  return changed ? next : sel;
}

/** The selected rows, in grid order. */
export function selectedRows(sel: Selection, rows: readonly MachineRow[]): MachineRow[] {
  return sel.size === 0 ? [] : rows.filter((r) => sel.has(r.id));
}

/** How many of the selection a release and an isolate would concern (the bulk bar's labels). */
export interface BulkCounts {
  selected: number;
  releasable: number;
  isolatable: number;
}

export function bulkCounts(rows: readonly Pick<MachineRow, "isolatedNow" | "state">[]): BulkCounts {
  let releasable = 0;
  let isolatable = 0;
  for (const r of rows) {
    if (r.isolatedNow) releasable += 1;
    if (!r.isolatedNow && r.state !== "isolating") isolatable += 1;
  }
  return { selected: rows.length, releasable, isolatable };
}
