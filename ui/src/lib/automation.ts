// The Alerts & rules view's pure logic: the plain sentences of the rule's modes and
// guard rails, the form ⇄ settings conversions, the dry-run record as a sentence, the
// comment of an isolation from an alert, and counts of decisions. Nothing here decides
// what the core decides (which alerts match, what is refused): it only words it.
import type {
  AlertFilter,
  DecisionKind,
  DryRunRecord,
  IpcError,
  RuleChange,
  RuleDecision,
  RuleMode,
  RuleSettings,
  Severity,
} from "../ipc";

export const MODES: { value: RuleMode; label: string; sentence: string }[] = [
  { value: "off", label: "Off", sentence: "The rule is not evaluated: alerts are only listed." },
  {
    value: "dry-run",
    label: "Dry run",
    sentence: "The rule is evaluated and records what it would isolate, but sends nothing.",
  },
  {
    value: "approval",
    label: "Approval",
    sentence: "Every match becomes a proposal that a second person approves or rejects before anything is sent.",
  },
  {
    value: "automatic",
    label: "Automatic",
    sentence: "Matches are isolated at once within the guard rails; whatever a guard rail stops waits in the approval queue.",
  },
];

export const modeSentence = (m: RuleMode): string => MODES.find((x) => x.value === m)?.sentence ?? "";
export const modeLabel = (m: RuleMode): string => MODES.find((x) => x.value === m)?.label ?? m;

/** True for the modes that act on machines (and so need the dry-run confirmation). */
export const acts = (m: RuleMode): boolean => m === "approval" || m === "automatic";

export const SEVERITIES: Severity[] = ["Informational", "Low", "Medium", "High"];

/** One line per guard rail, in the person's words. */
export const RAILS = {
  protectedIds: "Machines (by id or name) the rule never isolates; a person may still propose one with a named reason.",
  excludeTags: "Machines with any of these tags are never isolated automatically: they wait for a person.",
  excludeNames: "Name patterns (* and ?) of machines that wait for a person instead.",
  excludeGroups: "Device groups whose machines wait for a person instead.",
  excludeHighValue: "Machines Defender marks as high value wait for a person.",
  excludeServers: "Servers (Windows Server) wait for a person: isolating one can stop a service.",
  maxPerWindow: "The breaker: after this many isolations in the window, the rest waits for approval until a person closes it.",
  windowMinutes: "The length of that window, in minutes.",
  maxConcurrent: "At most this many machines isolated by the rule at the same time; beyond it, the breaker opens.",
  ceiling: "Whatever the settings say, automation never isolates more than 100 machines an hour.",
  flapHours: "The same machine is isolated by the rule at most once in this many hours.",
  typeByTag: "Machines with one of these tags get this isolation type (e.g. Selective for proxy-dependent machines).",
  interval: "Minutes between two evaluations of the rule.",
  minSeverity: "Alerts below this severity are never acted on.",
} as const;

/** The editable fields of the rule, as text fields hold them. */
export interface RuleForm {
  mode: RuleMode;
  minSeverity: Severity;
  intervalMinutes: string;
  protectedIds: string;
  excludeTags: string;
  excludeNames: string;
  excludeGroups: string;
  excludeHighValue: boolean;
  excludeServers: boolean;
  maxPerWindow: string;
  windowMinutes: string;
  maxConcurrent: string;
  flapHours: string;
  typeByTag: RuleSettings["typeByTag"];
}

const joinList = (v: string[]): string => v.join(", ");

/** Splits "a, b\nc" into ["a","b","c"]. */
export function splitList(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
}

export function formOf(s: RuleSettings): RuleForm {
  return {
    mode: s.mode,
    minSeverity: s.minSeverity,
    intervalMinutes: String(s.intervalMinutes),
    protectedIds: joinList(s.protectedIds),
    excludeTags: joinList(s.excludeTags),
    excludeNames: joinList(s.excludeNames),
    excludeGroups: joinList(s.excludeGroups),
    excludeHighValue: s.excludeHighValue,
    excludeServers: s.excludeServers,
    maxPerWindow: String(s.maxPerWindow),
    windowMinutes: String(s.windowMinutes),
    maxConcurrent: String(s.maxConcurrent),
    flapHours: String(s.flapHours),
    typeByTag: s.typeByTag,
  };
}

const NUMBERS = ["intervalMinutes", "maxPerWindow", "windowMinutes", "maxConcurrent", "flapHours"] as const;

/** The fields whose text is not a whole number ≥ 0 (the core checks the ranges). */
export function invalidNumbers(f: RuleForm): string[] {
  return NUMBERS.filter((k) => !/^\d+$/.test(f[k].trim()));
}

/** The type-by-tag rows that name a tag, trimmed. */
export function cleanTags(rows: RuleSettings["typeByTag"]): RuleSettings["typeByTag"] {
  return rows.map((t) => ({ ...t, tag: t.tag.trim() })).filter((t) => t.tag.length > 0);
}

/** A change that keeps every field (`null`) — the base of every edit. */
export function noChange(): RuleChange {
  return {
    mode: null,
    intervalMinutes: null,
    minSeverity: null,
    titleContains: null,
    category: null,
    detectionSource: null,
    serviceSource: null,
    isolationType: null,
    typeByTag: null,
    protect: null,
    excludeTags: null,
    excludeNames: null,
    excludeGroups: null,
    excludeHighValue: null,
    excludeServers: null,
    exclusionsSkip: null,
    maxPerWindow: null,
    windowMinutes: null,
    maxConcurrent: null,
    maxGroupPercent: null,
    flapHours: null,
    overlapMinutes: null,
    approvalExpiryHours: null,
    confirmed: false,
  };
}

/** The change that makes the rule what the form says. */
export function changeOf(f: RuleForm, confirmed: boolean): RuleChange {
  const n = (v: string) => Number.parseInt(v.trim(), 10);
  return {
    ...noChange(),
    mode: f.mode,
    minSeverity: f.minSeverity,
    intervalMinutes: n(f.intervalMinutes),
    protect: splitList(f.protectedIds),
    excludeTags: splitList(f.excludeTags),
    excludeNames: splitList(f.excludeNames),
    excludeGroups: splitList(f.excludeGroups),
    excludeHighValue: f.excludeHighValue,
    excludeServers: f.excludeServers,
    maxPerWindow: n(f.maxPerWindow),
    windowMinutes: n(f.windowMinutes),
    maxConcurrent: n(f.maxConcurrent),
    flapHours: n(f.flapHours),
    typeByTag: cleanTags(f.typeByTag),
    confirmed,
  };
}

/** The settings the form describes (for "Preview last 24 h" before saving). */
export function settingsOf(base: RuleSettings, f: RuleForm): RuleSettings {
  const n = (v: string, d: number) => (/^\d+$/.test(v.trim()) ? Number.parseInt(v.trim(), 10) : d);
  return {
    ...base,
    mode: f.mode,
    minSeverity: f.minSeverity,
    intervalMinutes: n(f.intervalMinutes, base.intervalMinutes),
    excludeTags: splitList(f.excludeTags),
    excludeNames: splitList(f.excludeNames),
    excludeGroups: splitList(f.excludeGroups),
    excludeHighValue: f.excludeHighValue,
    excludeServers: f.excludeServers,
    maxPerWindow: n(f.maxPerWindow, base.maxPerWindow),
    windowMinutes: n(f.windowMinutes, base.windowMinutes),
    maxConcurrent: n(f.maxConcurrent, base.maxConcurrent),
    flapHours: n(f.flapHours, base.flapHours),
    typeByTag: cleanTags(f.typeByTag),
  };
}

/** "would have isolated N, queued Q, skipped S in the last D days". */
export function dryRunSentence(r: DryRunRecord): string {
  const days = `${r.days} day${r.days === 1 ? "" : "s"}`;
  return `In dry run the rule would have isolated ${r.wouldIsolate}, queued ${r.queued}, skipped ${r.skipped} in the last ${days} (${r.evaluations} evaluations).`;
}

/** True when a promotion was refused for want of the confirmation (S-4). */
export function needsConfirmation(e: IpcError): boolean {
  return e.kind === "validation" && e.field === "confirmed";
}

/** The comment of an isolation started from an alert (the script's own wording). */
export const isolateComment = (alertId: string): string => `Isolate machine because alert - ${alertId}`;

export const DECISION_LABEL: Record<DecisionKind, string> = {
  isolated: "Isolated",
  queued: "Queued for approval",
  skipped: "Skipped",
  "would-isolate": "Would isolate",
};

export type DecisionCounts = Record<DecisionKind, number>;

export function countDecisions(ds: readonly RuleDecision[]): DecisionCounts {
  const out: DecisionCounts = { isolated: 0, queued: 0, skipped: 0, "would-isolate": 0 };
  for (const d of ds) out[d.decision] += 1;
  return out;
}

/** "5 isolated, 25 queued, 0 skipped" (and "would isolate" in dry run). */
export function countsSentence(c: DecisionCounts): string {
  const parts = [`${c.isolated} isolated`, `${c.queued} queued`, `${c.skipped} skipped`];
  if (c["would-isolate"] > 0) parts.unshift(`${c["would-isolate"]} would be isolated`);
  return parts.join(", ");
}

/** A preview split into what the rule would act on and what it would skip (and why). */
export function splitPreview(ds: readonly RuleDecision[]): { act: RuleDecision[]; skip: RuleDecision[] } {
  return {
    act: ds.filter((d) => d.decision !== "skipped"),
    skip: ds.filter((d) => d.decision === "skipped"),
  };
}

export type TimeRange = "24h" | "3d" | "7d";
export const RANGE_HOURS: Record<TimeRange, number> = { "24h": 24, "3d": 72, "7d": 168 };

/** The alerts filter of the view's choices, `now` being the tenant's clock. */
export function alertFilter(range: TimeRange, minSeverity: Severity, now: Date, machineId: string | null = null): AlertFilter {
  const since = new Date(now.getTime() - RANGE_HOURS[range] * 3_600_000);
  // Whole minutes: the query key stays the same between two renders.
  since.setUTCSeconds(0, 0);
  return { since: since.toISOString().replace(/\.\d{3}Z$/, "Z"), minSeverity, machineId };
}

export const SEVERITY_COLOR: Record<string, "danger" | "warning" | "informative" | "subtle"> = {
  High: "danger",
  Medium: "warning",
  Low: "informative",
  Informational: "subtle",
};
