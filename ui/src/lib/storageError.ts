// A failure of Cordon's local store (the journal) is not one view's problem: nothing can
// be sent safely without it, so the whole window shows it in a blocking banner. The
// query cache and the job events report here; the banner subscribes.
import { useSyncExternalStore } from "react";
import { toIpcError, type IpcError } from "../ipc";

let current: IpcError | null = null;
const listeners = new Set<() => void>();

/** Records `e` when it is a storage failure; any other error is ignored here. */
export function reportStorageError(e: unknown): void {
  const err = toIpcError(e);
  if (err.kind !== "storage") return;
  current = err;
  for (const l of listeners) l();
}

export function clearStorageError(): void {
  current = null;
  for (const l of listeners) l();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function useStorageError(): IpcError | null {
  return useSyncExternalStore(subscribe, () => current);
}
