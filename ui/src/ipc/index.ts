// The one seam between the web view and the Rust back end. Only files in src/ipc/ may
// import @tauri-apps/*; everything else goes through the functions below, which turn a
// `Result` error into a thrown `IpcFailure` that keeps the whole `IpcError` (kind,
// sentence, HTTP status, Defender code, correlation id) for the "details" toggle.
import { commands, events } from "./bindings";
import type {
  TeamStatus,
  AlertFilter,
  AlertRow,
  AutomationChange,
  Proposal,
  ProposalRequest,
  ProposalVerdict,
  RuleChange,
  RuleDecision,
  RuleSettings,
  RuleStatus,
  VerdictOutcome,
  AuditFilter,
  AuditPage,
  BulkPreview,
  BulkRequest,
  Confirmation,
  ExportFormat,
  History,
  HistoryFilter,
  IsolationGroup,
  JobDetail,
  JobProgress,
  JobSummary,
  ReconcileSettings,
  ReconRow,
  ActionOutcome,
  ActionRow,
  CancelOutcome,
  CancelPendingRequest,
  WaitReport,
  About,
  AppInfo,
  ConnectionTest,
  DeviceCodePrompt,
  IpcError,
  IsolateRequest,
  MachineDetail,
  MachineRow,
  ProfileInput,
  ProfileView,
  ReleaseRequest,
  Result,
  SavedFile,
  SettingsView,
  Snapshot,
  SyncStatus,
  Counters,
  GridChanges,
  GridFilter,
  GridPage,
  GridQuery,
} from "./bindings";

export type {
  CancelOutcome,
  CancelPendingRequest,
  CancelResult,
  GridChanges,
  GridColumn,
  GridFilter,
  GridPage,
  GridQuery,
  GridRow,
  GridSort,
  TeamProcess,
  TeamStatus,
  AlertFilter,
  AlertRow,
  AutomationChange,
  BreakerState,
  DecisionKind,
  DryRunRecord,
  Proposal,
  ProposalRequest,
  ProposalState,
  ProposalVerdict,
  RuleChange,
  RuleDecision,
  RuleMode,
  RuleSettings,
  RuleStatus,
  Severity,
  Suppression,
  TagType,
  VerdictOutcome,
  ActionOutcome,
  ActionRow,
  WaitItem,
  WaitOutcome,
  WaitReport,
  SavedFile,
  About,
  AppInfo,
  AuthMode,
  Cloud,
  Confirmation,
  ConnectionTest,
  DeviceCodePrompt,
  Profile,
  ProfileInput,
  ProfileView,
  SecretStorage,
  SettingsView,
  StorageKind,
  Tenant,
  Counters,
  IpcError,
  IsolateRequest,
  IsolationKind,
  IsolationState,
  MachineDetail,
  MachineRef,
  MachineRow,
  ReleaseRequest,
  Snapshot,
  SyncChanged,
  SyncStatus,
  TimelineEntry,
  AuditEntry,
  AuditFilter,
  AuditPage,
  BulkPreview,
  BulkRequest,
  DayCount,
  Exclusion,
  ExportFormat,
  History,
  HistoryFilter,
  HistoryRow,
  IsolationGroup,
  ItemState,
  JobDetail,
  JobItem,
  JobKind,
  JobProgress,
  JobState,
  JobSummary,
  NextStep,
  ReconcileSettings,
  ReconRow,
  StuckCause,
} from "./bindings";
import { activeMeter, meterAnswer, meterEvent } from "./meter";

/** A failed command, carrying the back end's structured error. */
export class IpcFailure extends Error {
  readonly error: IpcError;

  constructor(error: IpcError) {
    super(error.message);
    this.name = "IpcFailure";
    this.error = error;
  }
}

/**
 * Any thrown value as an `IpcError`: a failure from the back end keeps its data; a
 * JavaScript error (the bridge itself is missing or broke) becomes an `internal` one.
 */
export function toIpcError(e: unknown): IpcError {
  if (e instanceof IpcFailure) return e.error;
  if (isIpcError(e)) return e;
  if (e instanceof Error) {
    return {
      kind: "internal",
      message: `Cordon's back end could not be reached from the window: ${e.message}`,
    };
  }
  return { kind: "internal", message: `Unexpected answer from Cordon's back end: ${String(e)}` };
}

export function isIpcError(v: unknown): v is IpcError {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as { kind?: unknown }).kind === "string" &&
    typeof (v as { message?: unknown }).message === "string"
  );
}

/** A command's success value, whether the generated binding wraps it in a `Result` or not. */
type Settled<R> = [R] extends [Result<infer T, IpcError>] ? T : R;

function isResult(v: unknown): v is Result<unknown, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const status = (v as { status?: unknown }).status;
  return (status === "ok" && "data" in v) || (status === "error" && "error" in v);
}

// Generic over the binding's return type so that a regenerated bindings.ts (a command
// gaining or losing its `Result`) keeps compiling; either way, failures throw IpcFailure.
async function settle<R>(call: () => Promise<R>): Promise<Settled<R>> {
  // The desktop benchmark's byte count (off unless it turned it on: `meter.ts`).
  const meter = activeMeter();
  const start = meter ? performance.now() : 0;
  let value: unknown;
  try {
    value = await call();
  } catch (e) {
    throw new IpcFailure(toIpcError(e));
  }
  // What crossed the bridge: the answer, not the binding's `Result` around it.
  meterAnswer(meter, start, isResult(value) ? (value.status === "ok" ? value.data : value.error) : value);
  if (isResult(value)) {
    if (value.status === "error") throw new IpcFailure(toIpcError(value.error));
    return value.data as Settled<R>;
  }
  return value as Settled<R>;
}

export const appInfo = (): Promise<AppInfo> => settle(() => commands.appInfo());
export const about = (): Promise<About> => settle(() => commands.about());
export const openLogsFolder = (): Promise<null> => settle(() => commands.openLogsFolder());
export const snapshot = (): Promise<Snapshot> => settle(() => commands.snapshot());
/** One window of the machine grid, filtered, searched, sorted and counted by the core. */
export const gridPage = (query: GridQuery): Promise<GridPage> => settle(() => commands.gridPage(query));
/** The state counters of the machines matching `filter`. */
export const gridCounters = (filter: GridFilter): Promise<Counters> => settle(() => commands.gridCounters(filter));
/** How many grid rows moved since `cursor` (an idle sync: none). */
export const gridChanges = (cursor: number): Promise<GridChanges> => settle(() => commands.gridChanges(cursor));
export const refresh = (): Promise<Snapshot> => settle(() => commands.refresh());
export const machineDetail = (machineId: string): Promise<MachineDetail> =>
  settle(() => commands.machineDetail(machineId));
export const findMachine = (query: string): Promise<MachineRow> =>
  settle(() => commands.findMachine(query));
export const isolate = (request: IsolateRequest): Promise<ActionOutcome[]> =>
  settle(() => commands.isolate(request));
export const release = (request: ReleaseRequest): Promise<ActionOutcome[]> =>
  settle(() => commands.release(request));

export const listProfiles = (): Promise<SettingsView> => settle(() => commands.listProfiles());
/** The secret (if any) goes to the back end once and is never sent back. */
export const saveProfile = (input: ProfileInput): Promise<ProfileView> =>
  settle(() => commands.saveProfile(input));
export const removeProfile = (name: string): Promise<null> => settle(() => commands.removeProfile(name));
export const testConnection = (name: string): Promise<ConnectionTest> =>
  settle(() => commands.testConnection(name));
export const signIn = (name: string): Promise<ProfileView> => settle(() => commands.signIn(name));
export const signOut = (name: string): Promise<ProfileView> => settle(() => commands.signOut(name));
/** `null` switches to the demo tenant. */
export const switchProfile = (name: string | null): Promise<AppInfo> =>
  settle(() => commands.switchProfile(name));

/** What a bulk request would send, and what it leaves out (and why). */
export const previewBulk = (request: BulkRequest): Promise<BulkPreview> =>
  settle(() => commands.previewBulk(request));
/**
 * Commits the job the person confirmed (the preview's token and the phrase they typed:
 * a stale preview or a missing phrase is refused with nothing sent) and starts it;
 * progress follows as `jobChanged` events.
 */
export const startJob = (request: BulkRequest, confirmation: Confirmation): Promise<JobSummary> =>
  settle(() => commands.startJob(request, confirmation));
export const cancelJob = (id: string): Promise<JobSummary> => settle(() => commands.cancelJob(id));
export const jobs = (): Promise<JobSummary[]> => settle(() => commands.jobs());
export const job = (id: string): Promise<JobDetail> => settle(() => commands.job(id));
export const reconciliation = (): Promise<ReconRow[]> => settle(() => commands.reconciliation());
/** Resubmits the machines' stuck actions (cancelling a pending one first where needed). */
export const resubmit = (machineIds: string[], comment: string | null): Promise<JobSummary[]> =>
  settle(() => commands.resubmit(machineIds, comment));
export const groups = (): Promise<IsolationGroup[]> => settle(() => commands.groups());
export const history = (filter: HistoryFilter): Promise<History> => settle(() => commands.history(filter));
/** Saves the History rows as CSV where the person chooses (a native dialog, in Rust); `null` if they cancelled. */
export const saveHistoryCsv = (filter: HistoryFilter): Promise<SavedFile | null> =>
  settle(() => commands.saveHistoryCsv(filter));
export const audit = (filter: AuditFilter): Promise<AuditPage> => settle(() => commands.audit(filter));
/** Saves the audit log as CSV or JSON where the person chooses (a native dialog, in Rust); `null` if they cancelled. */
export const saveAuditExport = (filter: AuditFilter, format: ExportFormat): Promise<SavedFile | null> =>
  settle(() => commands.saveAuditExport(filter, format));
export const reconcileSettings = (): Promise<ReconcileSettings> => settle(() => commands.reconcileSettings());
export const setReconcileSettings = (settings: ReconcileSettings): Promise<ReconcileSettings> =>
  settle(() => commands.setReconcileSettings(settings));

/** The isolation rule, its state (pause, breaker, counts) and its dry-run record. */
export const rule = (): Promise<RuleStatus> => settle(() => commands.rule());
/**
 * Changes the rule. A promotion without `confirmed` fails as `validation` on
 * `confirmed`, its message carrying the dry-run record.
 */
export const setRule = (change: RuleChange): Promise<RuleStatus> => settle(() => commands.setRule(change));
/** One evaluation now ("Run now"). */
export const runRule = (): Promise<RuleDecision[]> => settle(() => commands.runRule());
/** What the rule, as `settings` say, would decide over the last `hours` hours. */
export const previewRule = (settings: RuleSettings, hours: number): Promise<RuleDecision[]> =>
  settle(() => commands.previewRule(settings, hours));
export const ruleDecisions = (hours: number): Promise<RuleDecision[]> => settle(() => commands.ruleDecisions(hours));
export const pauseAutomation = (paused: boolean): Promise<RuleStatus> => settle(() => commands.pauseAutomation(paused));
export const closeBreaker = (comment: string): Promise<RuleStatus> => settle(() => commands.closeBreaker(comment));
export const suppress = (kind: string, value: string, days: number, reason: string): Promise<RuleStatus> =>
  settle(() => commands.suppress(kind, value, days, reason));
/** Recent alerts (live) with the rule's decision for each. */
export const alerts = (filter: AlertFilter): Promise<AlertRow[]> => settle(() => commands.alerts(filter));
export const proposals = (all: boolean): Promise<Proposal[]> => settle(() => commands.proposals(all));
export const propose = (request: ProposalRequest): Promise<Proposal> => settle(() => commands.propose(request));
/** Approves or rejects proposals; one outcome per id (a refused one says why). */
export const decideProposals = (verdict: ProposalVerdict): Promise<VerdictOutcome[]> =>
  settle(() => commands.decideProposals(verdict));

/** The team on this store: who runs the automation and the sync, agents alive, a warning without one. */
export const teamStatus = (): Promise<TeamStatus> => settle(() => commands.teamStatus());
/** Every UI preference (theme, last view, a grid's columns …), each as JSON text; kept by Rust. */
export const uiPrefs = (): Promise<Partial<Record<string, string>>> => settle(() => commands.uiPrefs());
/** Sets one UI preference (`json`: its value as JSON text; `"null"` removes it). */
export const setUiPref = (key: string, json: string): Promise<null> => settle(() => commands.setUiPref(key, json));

/** Each machine of a job with Defender's status of its action now (past "sent", to Succeeded / Failed / TimeOut / Cancelled). */
export const jobOutcomes = (id: string): Promise<WaitReport> => settle(() => commands.jobOutcomes(id));
/** Opens the machine's page in the tenant's Defender portal (Rust builds the URL from the cloud and the id). */
export const openInPortal = (machineId: string): Promise<null> => settle(() => commands.openInPortal(machineId));
/** Cancels a Pending or InProgress action in Defender (comment required). */
export const cancelAction = (actionId: string, comment: string): Promise<ActionRow> =>
  settle(() => commands.cancelAction(actionId, comment));
/**
 * Cancels the pending isolation or release of each machine (named, or every one matching
 * `matching`): the core finds the pending actions; one outcome per machine.
 */
export const cancelPending = (req: CancelPendingRequest): Promise<CancelOutcome[]> =>
  settle(() => commands.cancelPending(req));
/** Saves the Machines view's rows (`machineIds`, as shown) as CSV where the person chooses; `null` if they cancelled. */
export const saveMachinesCsv = (filter: GridFilter): Promise<SavedFile | null> =>
  settle(() => commands.saveMachinesCsv(filter));

/** Calls `cb` on every `automation-changed` event; resolves to the function that stops it. */
export async function onAutomationChanged(cb: (change: AutomationChange) => void): Promise<() => void> {
  return events.automationChanged.listen((event) => {
    meterEvent("automation-changed", event.payload);
    cb(event.payload.change);
  });
}

/** Calls `cb` on every `job-changed` event; resolves to the function that stops it. */
export async function onJobChanged(cb: (progress: JobProgress) => void): Promise<() => void> {
  return events.jobChanged.listen((event) => {
    meterEvent("job-changed", event.payload);
    cb(event.payload.progress);
  });
}

/** Calls `cb` with each device-code prompt of a sign-in in progress. */
export async function onDeviceCodePrompt(cb: (prompt: DeviceCodePrompt) => void): Promise<() => void> {
  return events.deviceCodePrompt.listen((event) => {
    meterEvent("device-code-prompt", event.payload);
    cb(event.payload);
  });
}

/** Calls `cb` on every `sync-changed` event; resolves to the function that stops it. */
export async function onSyncChanged(cb: (status: SyncStatus) => void): Promise<() => void> {
  return events.syncChanged.listen((event) => {
    meterEvent("sync-changed", event.payload);
    cb(event.payload.status);
  });
}
