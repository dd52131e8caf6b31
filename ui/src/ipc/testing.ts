// Test-only helpers: a fake back end behind Tauri's own IPC mocks, so that the tests
// exercise the generated bindings and the real `invoke` path. Never imported by the app.
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import type { AutomationChange, DeviceCodePrompt, JobProgress, SyncStatus } from "./bindings";

/** The back end's command names, as they travel over IPC. */
export type CommandName =
  | "app_info"
  | "about"
  | "open_logs_folder"
  | "snapshot"
  | "grid_page"
  | "grid_counters"
  | "grid_changes"
  | "refresh"
  | "machine_detail"
  | "find_machine"
  | "isolate"
  | "release"
  | "list_profiles"
  | "save_profile"
  | "remove_profile"
  | "test_connection"
  | "sign_in"
  | "sign_out"
  | "switch_profile"
  | "preview_bulk"
  | "start_job"
  | "cancel_job"
  | "jobs"
  | "job"
  | "job_outcomes"
  | "reconciliation"
  | "resubmit"
  | "groups"
  | "history"
  | "save_history_csv"
  | "audit"
  | "save_audit_export"
  | "reconcile_settings"
  | "set_reconcile_settings"
  | "rule"
  | "set_rule"
  | "run_rule"
  | "preview_rule"
  | "rule_decisions"
  | "pause_automation"
  | "close_breaker"
  | "suppress"
  | "alerts"
  | "proposals"
  | "propose"
  | "decide_proposals"
  | "team_status"
  | "ui_prefs"
  | "set_ui_pref"
  | "open_in_portal"
  | "cancel_action"
  | "cancel_pending"
  | "save_machines_csv";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handler = (args: any) => unknown;

export interface Call {
  cmd: string;
  args: unknown;
}

export interface MockBackend {
  calls: Call[];
  callsTo(cmd: CommandName): Call[];
}

/** The preferences every window reads at start: none kept, and saving works. */
const PREFS_DEFAULTS: Partial<Record<CommandName, Handler>> = {
  ui_prefs: () => ({}),
  set_ui_pref: () => null,
};

/**
 * Installs a fake back end (with no UI preferences kept unless a test gives
 * `ui_prefs`). A handler that throws a plain object makes the command
 * fail with that object as its `IpcError`; a command without a handler fails loudly.
 */
export function mockBackend(handlers: Partial<Record<CommandName, Handler>>): MockBackend {
  const calls: Call[] = [];
  mockIPC(
    (cmd, args) => {
      calls.push({ cmd, args });
      const handler = handlers[cmd as CommandName] ?? PREFS_DEFAULTS[cmd as CommandName];
      if (!handler) {
        throw { kind: "internal", message: `the test back end has no command ${cmd}` };
      }
      return handler(args);
    },
    { shouldMockEvents: true },
  );
  return { calls, callsTo: (cmd) => calls.filter((c) => c.cmd === cmd) };
}

/** Emits `sync-changed` as the back end does after a revision bump or a sync failure. */
export async function emitSyncChanged(status: SyncStatus): Promise<void> {
  await emit("sync-changed", { status });
}

/** Emits `job-changed` as the back end does on every change of a job. */
export async function emitJobChanged(progress: JobProgress): Promise<void> {
  await emit("job-changed", { progress });
}

/** Emits `device-code-prompt` as the back end does during a device-code sign-in. */
export async function emitDeviceCodePrompt(prompt: DeviceCodePrompt): Promise<void> {
  await emit("device-code-prompt", prompt);
}

export { clearMocks };

/** Emits `automation-changed` as the back end does on every automation event. */
export async function emitAutomationChanged(change: AutomationChange): Promise<void> {
  await emit("automation-changed", { change });
}
