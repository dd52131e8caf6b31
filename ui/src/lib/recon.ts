// The Reconciliation view's grouping and wording: rows grouped by cause, the causes in
// the order a person should look at them, and which rows a resubmission concerns.
import type { NextStep, ReconRow, StuckCause } from "../ipc";

export const CAUSE_ORDER: StuckCause[] = ["timed_out", "failed", "offline", "pending_too_long", "cancelled", "superseded"];

export const CAUSE_LABEL: Record<StuckCause, string> = {
  timed_out: "Timed out",
  failed: "Failed",
  offline: "Pending: device offline",
  pending_too_long: "Pending too long (device online)",
  cancelled: "Cancelled",
  superseded: "Superseded",
};

export const NEXT_LABEL: Record<NextStep, string> = {
  wait_for_device: "Wait for the device",
  resubmit: "Resubmit",
  cancel_and_resubmit: "Cancel and resubmit",
  auto_resubmit: "Auto-resubmit when seen",
  in_progress: "Resubmission under way",
  needs_person: "A person decides",
  nothing: "Nothing to do",
};

export interface CauseGroup {
  cause: StuckCause;
  label: string;
  rows: ReconRow[];
}

/** Groups rows by cause (ordered as CAUSE_ORDER), newest request first within a group. */
export function groupByCause(rows: readonly ReconRow[]): CauseGroup[] {
  const by = new Map<StuckCause, ReconRow[]>();
  for (const r of rows) {
    const list = by.get(r.cause);
    if (list) list.push(r);
    else by.set(r.cause, [r]);
  }
  return CAUSE_ORDER.filter((c) => by.has(c)).map((cause) => ({
    cause,
    label: CAUSE_LABEL[cause],
    rows: by.get(cause)!.sort((a, b) => b.requestedAt.localeCompare(a.requestedAt)),
  }));
}

/** Rows that a person may resubmit now: the core decides (`resubmittable`). */
export function canResubmit(row: ReconRow): boolean {
  return row.resubmittable;
}

/** The per-row action the core proposes: cancel first when its next step says so. */
export function rowAction(row: ReconRow): "resubmit" | "cancel_and_resubmit" {
  return row.nextStep === "cancel_and_resubmit" ? "cancel_and_resubmit" : "resubmit";
}

/** The machine ids to send for a selection of rows (each machine once, resubmittable only). */
export function resubmitIds(rows: readonly ReconRow[], selected: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    if (selected.has(rowKey(r)) && canResubmit(r) && !seen.has(r.machineId)) {
      seen.add(r.machineId);
      out.push(r.machineId);
    }
  }
  return out;
}

/** A row's identity: one machine may have a stuck isolation and a stuck release. */
export function rowKey(r: ReconRow): string {
  return `${r.machineId}:${r.actionId}`;
}
