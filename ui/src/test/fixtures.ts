// Test data in the shapes of the generated bindings.
import type { AppInfo, AuditEntry, BulkPreview, DayCount, HistoryRow, IsolationGroup, JobDetail, JobItem, JobSummary, ReconRow } from "../ipc";
import type { Counters, IsolationState, MachineDetail, MachineRow, Snapshot, SyncStatus } from "../ipc";

let seq = 0;

/** A live tenant signed in as an analyst who may isolate and release. */
export const ANALYST_INFO: AppInfo = {
  version: "0.1.0",
  demo: false,
  tenantLabel: "Contoso SOC",
  apiBase: "https://api.securitycenter.microsoft.com",
  permissions: ["Machine.Isolate"],
  mayIsolate: true,
};

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
    pending: state === "isolating" || state === "releasing" || state === "release_stuck",
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

// ---- jobs, reconciliation, history, audit ----

export function makeJob(overrides: Partial<JobSummary> = {}): JobSummary {
  return {
    id: "job-1",
    kind: "release",
    state: "running",
    comment: "False positive: Wacatac",
    requestedBy: "Cordon analyst app",
    source: null,
    createdAt: "2026-11-28T10:00:00Z",
    updatedAt: "2026-11-28T10:00:00Z",
    total: 3,
    finished: 0,
    succeeded: 0,
    adopted: 0,
    failed: 0,
    cancelled: 0,
    throttledUntil: null,
    sentBy: null,
    error: null,
    ...overrides,
  };
}

export function makeItem(machineId: string, overrides: Partial<JobItem> = {}): JobItem {
  return {
    machineId,
    machineName: `${machineId.slice(-4)}.contoso.local`,
    state: "planned",
    actionId: null,
    actionStatus: null,
    attempts: 0,
    error: null,
    updatedAt: "2026-11-28T10:00:00Z",
    ...overrides,
  };
}

export function makeJobDetail(job: JobSummary, ids: string[]): JobDetail {
  return { job: { ...job, total: ids.length }, items: ids.map((id) => makeItem(id)) };
}

export function makePreview(rows: MachineRow[], overrides: Partial<BulkPreview> = {}): BulkPreview {
  return {
    kind: "release",
    willSend: rows.map((r) => ({ id: r.id, name: r.name })),
    excluded: [],
    confirmPhrase: null,
    token: `token-${rows.map((r) => r.id).join(",")}`,
    ...overrides,
  };
}

export function makeGroup(rows: MachineRow[], overrides: Partial<IsolationGroup> = {}): IsolationGroup {
  return {
    id: "batch-wacatac",
    title: "Alert: Wacatac on ContosoUpdater.exe",
    requestor: "Contoso automation",
    comment: "Isolate machine because alert - da638001",
    firstAt: "2026-11-28T01:02:00Z",
    lastAt: "2026-11-28T01:40:00Z",
    machines: rows.map((r) => ({ id: r.id, name: r.name })),
    count: rows.length,
    ...overrides,
  };
}

export function makeRecon(overrides: Partial<ReconRow> = {}): ReconRow {
  seq += 1;
  return {
    machineId: hexId(1000 + seq),
    machineName: `laptop-${seq}.contoso.local`,
    kind: "release",
    actionId: `act-${seq}`,
    cause: "timed_out",
    causeText: "Release timed out at 2026-11-22 10:00 (device offline since 2026-11-20)",
    requestedAt: "2026-11-19T10:00:00Z",
    endedAt: "2026-11-22T10:00:00Z",
    requestor: "alice@contoso.example",
    comment: "False positive",
    health: "Inactive",
    lastSeen: "2026-11-20T08:00:00Z",
    resubmittable: true,
    nextStep: "auto_resubmit",
    nextText: "Auto-reconcile resubmits it when the device is seen again.",
    nextAt: null,
    tries: 0,
    ...overrides,
  };
}

export function makeHistoryRow(overrides: Partial<HistoryRow> = {}): HistoryRow {
  seq += 1;
  return {
    actionId: `act-h${seq}`,
    machineId: hexId(2000 + seq),
    machineName: `ws-${seq}.contoso.local`,
    kind: "isolate",
    status: "Succeeded",
    requestor: "alice@contoso.example",
    comment: "Isolate machine because alert - 1",
    created: "2026-11-27T10:00:00Z",
    updated: "2026-11-27T10:02:00Z",
    ...overrides,
  };
}

export function makeDay(day: string, isolations: number, releases: number): DayCount {
  return { day, isolations, releases };
}

export function makeAudit(seqNo: number, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    seq: seqNo,
    at: "2026-11-28T10:00:00Z",
    actor: "Cordon analyst app",
    event: "item.done",
    jobId: "job-1",
    machineId: hexId(seqNo),
    machineName: `ws-${seqNo}.contoso.local`,
    comment: "False positive",
    actionId: `act-${seqNo}`,
    detail: "Defender created the action",
    ...overrides,
  };
}
