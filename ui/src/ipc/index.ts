// The one seam between the web view and the Rust back end. Only files in src/ipc/ may
// import @tauri-apps/*; everything else goes through the functions below, which turn a
// `Result` error into a thrown `IpcFailure` that keeps the whole `IpcError` (kind,
// sentence, HTTP status, Defender code, correlation id) for the "details" toggle.
import { commands, events } from "./bindings";
import type {
  ActionOutcome,
  AppInfo,
  IpcError,
  IsolateRequest,
  MachineDetail,
  MachineRow,
  ReleaseRequest,
  Result,
  Snapshot,
  SyncStatus,
} from "./bindings";

export type {
  ActionOutcome,
  AppInfo,
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
} from "./bindings";

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

async function unwrap<T>(call: () => Promise<Result<T, IpcError>>): Promise<T> {
  let result: Result<T, IpcError>;
  try {
    result = await call();
  } catch (e) {
    throw new IpcFailure(toIpcError(e));
  }
  if (result.status === "error") throw new IpcFailure(toIpcError(result.error));
  return result.data;
}

export async function appInfo(): Promise<AppInfo> {
  try {
    return await commands.appInfo();
  } catch (e) {
    throw new IpcFailure(toIpcError(e));
  }
}

export const snapshot = (): Promise<Snapshot> => unwrap(() => commands.snapshot());
export const refresh = (): Promise<Snapshot> => unwrap(() => commands.refresh());
export const machineDetail = (machineId: string): Promise<MachineDetail> =>
  unwrap(() => commands.machineDetail(machineId));
export const findMachine = (query: string): Promise<MachineRow> =>
  unwrap(() => commands.findMachine(query));
export const isolate = (request: IsolateRequest): Promise<ActionOutcome[]> =>
  unwrap(() => commands.isolate(request));
export const release = (request: ReleaseRequest): Promise<ActionOutcome[]> =>
  unwrap(() => commands.release(request));

/** Calls `cb` on every `sync-changed` event; resolves to the function that stops it. */
export async function onSyncChanged(cb: (status: SyncStatus) => void): Promise<() => void> {
  return events.syncChanged.listen((event) => cb(event.payload.status));
}
