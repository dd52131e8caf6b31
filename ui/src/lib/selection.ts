// Multi-row selection of the Machines grid: what a bulk action would concern. Machines
// are picked by id (views/machines/gridState.ts) or as "all matching" a filter, which
// the core resolves at preview time; the core's preview is what is sent, never this.
import type { GridFilter, IsolationState, MachineRow } from "../ipc";

/** How many of the selection a release and an isolate would concern (the bulk bar's labels). */
export interface BulkCounts {
  selected: number;
  releasable: number;
  isolatable: number;
  /** With an isolation or release pending at Defender ("Cancel pending (N)…"). */
  pending: number;
}

/** The derived states of a machine whose isolation or release Defender has not ended. */
export const PENDING_STATES: readonly IsolationState[] = ["isolating", "releasing", "release_stuck"];

export function isPending(state: IsolationState): boolean {
  return PENDING_STATES.includes(state);
}

/**
 * `filter` narrowed to the machines whose isolation or release is still pending at
 * Defender ("all N matching" of a cancel): the core counts them and finds each one's
 * pending action (a release stuck past its expiry has none).
 */
export function pendingOf(filter: GridFilter): GridFilter {
  return { ...filter, pending: true };
}

export function bulkCounts(rows: readonly Pick<MachineRow, "isolatedNow" | "state" | "pending">[]): BulkCounts {
  let releasable = 0;
  let isolatable = 0;
  let pending = 0;
  for (const r of rows) {
    if (r.pending) pending += 1;
    if (r.isolatedNow) releasable += 1;
    if (!r.isolatedNow && r.state !== "isolating") isolatable += 1;
  }
  return { selected: rows.length, releasable, isolatable, pending };
}
