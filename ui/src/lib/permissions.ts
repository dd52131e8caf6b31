// The permission named in the read-only notice. Whether isolate and release are offered
// is decided by the core (`AppInfo.mayIsolate`), one rule for the app and the CLI.

export const ISOLATE_PERMISSION = "Machine.Isolate";
