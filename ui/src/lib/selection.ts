// Multi-row selection of the Machines grid: what a bulk action would concern. Machines
// are picked by id (views/machines/gridState.ts) or as "all matching" a filter, which
// the core resolves at preview time; the core's preview is what is sent, never this.
import type { MachineRow } from "../ipc";

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
