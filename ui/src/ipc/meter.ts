// The desktop benchmark's IPC meter (scripts/bench-desktop.sh): how many bytes of
// answers and events cross from the core to the window. Off unless the benchmark's
// WebDriver script sets `window.__CORDON_BENCH__ = { bytes: 0, calls: 0, events: 0, log: [] }`;
// the app never sets it, and when it is unset nothing is measured or serialised.

/** One answered command (or one event: `start === end`), in `performance.now()` ms. */
export interface MeterEntry {
  start: number;
  end: number;
  bytes: number;
  event?: string;
}

/** What the benchmark reads back. */
export interface IpcMeter {
  bytes: number;
  calls: number;
  events: number;
  log: MeterEntry[];
}

declare global {
  interface Window {
    __CORDON_BENCH__?: IpcMeter;
  }
}

/** The meter when the benchmark turned it on, else `undefined`. */
export function activeMeter(): IpcMeter | undefined {
  return typeof window === "undefined" ? undefined : window.__CORDON_BENCH__;
}

/** Bytes of `value` as UTF-8 JSON (what the IPC bridge carries). */
export function jsonBytes(value: unknown): number {
  const text = JSON.stringify(value);
  return text === undefined ? 0 : new TextEncoder().encode(text).length;
}

/** Counts one answer that arrived after a call made at `start`. */
export function meterAnswer(meter: IpcMeter | undefined, start: number, value: unknown): void {
  if (!meter) return;
  const bytes = jsonBytes(value);
  meter.bytes += bytes;
  meter.calls += 1;
  meter.log.push({ start, end: performance.now(), bytes });
}

/** Counts one event's payload. */
export function meterEvent(event: string, payload: unknown): void {
  const meter = activeMeter();
  if (!meter) return;
  const bytes = jsonBytes(payload);
  const now = performance.now();
  meter.bytes += bytes;
  meter.events += 1;
  meter.log.push({ start: now, end: now, bytes, event });
}
