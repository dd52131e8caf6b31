// Test data of automation: the rule, its status, alerts and proposals, with the
// defaults of the core's `RuleSettings::default()`.
import type { AlertRow, Proposal, RuleSettings, RuleStatus } from "../ipc";
import { hexId } from "./fixtures";

export function makeRuleSettings(overrides: Partial<RuleSettings> = {}): RuleSettings {
  return {
    mode: "dry-run",
    intervalMinutes: 60,
    minSeverity: "High",
    titleContains: null,
    category: null,
    detectionSource: null,
    serviceSource: null,
    isolationType: "Full",
    typeByTag: [
      { tag: "proxy-dependent", isolationType: "Selective" },
      { tag: "hyper-v-host", isolationType: "Selective" },
    ],
    protectedIds: [],
    excludeTags: [],
    excludeNames: [],
    excludeGroups: [],
    excludeHighValue: true,
    excludeServers: true,
    exclusionsSkip: false,
    maxPerWindow: 5,
    windowMinutes: 60,
    maxConcurrent: 20,
    maxGroupPercent: 0,
    flapHours: 24,
    overlapMinutes: 120,
    approvalExpiryHours: 4,
    ...overrides,
  };
}

export function makeRuleStatus(overrides: Partial<RuleStatus> = {}, settings: Partial<RuleSettings> = {}): RuleStatus {
  return {
    settings: makeRuleSettings(settings),
    paused: false,
    breaker: { open: false, openedAt: null, reason: null },
    lastRun: "2026-11-28T09:00:00Z",
    nextRun: "2026-11-28T10:00:00Z",
    watermark: null,
    isolatedInWindow: 0,
    isolatedByRuleNow: 0,
    waitingApprovals: 0,
    dryRun: { days: 7, evaluations: 168, wouldIsolate: 12, skipped: 40, queued: 3, warning: null },
    suppressions: [],
    ...overrides,
  };
}

export function makeAlert(n: number, overrides: Partial<AlertRow> = {}): AlertRow {
  return {
    id: `da63898${n}_${n}`,
    title: "Suspicious process injection observed",
    severity: "High",
    status: "New",
    machineId: hexId(n),
    machineName: `ws-${n}.contoso.local`,
    detectionSource: "WindowsDefenderAtp",
    detectorId: null,
    category: "DefenseEvasion",
    created: "2026-11-28T09:30:00Z",
    decision: null,
    decisionReason: null,
    ...overrides,
  };
}

export function makeProposal(n: number, overrides: Partial<Proposal> = {}): Proposal {
  return {
    id: `p-${n}`,
    machineId: hexId(n),
    machineName: `ws-${n}.contoso.local`,
    action: "isolate",
    isolationType: "Full",
    comment: "Lead: please confirm, beaconing seen",
    reason: "requested by lead@contoso.example for a second pair of eyes",
    alertId: null,
    proposedBy: "lead@contoso.example",
    proposedAt: "2026-11-28T09:40:00Z",
    expiresAt: "2026-11-28T13:40:00Z",
    state: "waiting",
    decidedBy: null,
    decidedAt: null,
    decisionComment: null,
    jobId: null,
    overridesProtection: false,
    ...overrides,
  };
}
