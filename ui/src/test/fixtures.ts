// Test data in the shapes of the generated bindings.
import type { Counters, IsolationState, MachineDetail, MachineRow, Snapshot, SyncStatus } from "../ipc";

let seq = 0;

export function hexId(n: number): string {
  return n.toString(16).padStart(40, "0");
}

export function makeRow(overrides: Partial<MachineRow> = {}): MachineRow {
  seq += 1;
  const state: IsolationState = overrides.state ?? "not_isolated";
  return {
    id: hexId(seq),
    name: `host-${seq}.contoso.local`,
    state,
    reason: state === "not_isolated" ? "Never isolated" : `Reason for ${state}`,
    since: null,
    isolatedNow: state === "isolated" || state === "releasing" || state === "release_stuck",
    health: "Active",
    lastSeen: "2026-11-28T10:00:00Z",
    os: "Windows11",
    risk: "Low",
    exposure: "Medium",
    deviceValue: "Normal",
    tags: [],
    group: "Workstations",
    ip: `10.0.0.${seq % 250}`,
    ...overrides,
  };
}

export function countersOf(rows: MachineRow[]): Counters {
  const n = (s: IsolationState) => rows.filter((r) => r.state === s).length;
  return {
    total: rows.length,
    isolatedNow: rows.filter((r) => r.isolatedNow).length,
    isolating: n("isolating"),
    releasing: n("releasing"),
    stuck: n("release_stuck"),
    isolationFailed: n("isolation_failed"),
  };
}

export function syncOk(revision = 1): SyncStatus {
  return { revision, syncedAt: "2026-11-28T14:02:33Z", error: null, loading: false };
}

export function makeSnapshot(rows: MachineRow[], sync: SyncStatus = syncOk()): Snapshot {
  return { machines: rows, counters: countersOf(rows), sync };
}

export function makeDetail(row: MachineRow, overrides: Partial<MachineDetail> = {}): MachineDetail {
  return {
    machine: row,
    osVersion: "10.0.22631",
    firstSeen: "2025-01-01T00:00:00Z",
    aadDeviceId: null,
    ipAddresses: row.ip ? [row.ip] : [],
    timeline: [],
    ...overrides,
  };
}

/** A small tenant with every state represented. */
export function tenant() {
  const rows = {
    web: makeRow({ name: "web-01.contoso.local", state: "not_isolated", ip: "10.1.0.5" }),
    db: makeRow({ name: "db-01.contoso.local", state: "isolated", reason: "Isolated since 02:14 by storm-bot: Isolate machine because alert - da638001", ip: "10.1.0.9" }),
    laptop: makeRow({ name: "laptop-7.contoso.local", state: "releasing", reason: "Release pending since 08:00" }),
    kiosk: makeRow({ name: "kiosk-3.contoso.local", state: "release_stuck", reason: "Release pending 5 h; device Inactive", health: "Inactive" }),
    build: makeRow({ name: "build-2.contoso.local", state: "isolating", reason: "Isolation pending since 09:00" }),
    lab: makeRow({ name: "lab-9.contoso.local", state: "isolation_failed", reason: "Isolation failed: timed out" }),
  };
  return { rows, list: Object.values(rows) };
}
