// The desktop benchmark's IPC byte counter: it counts only when the benchmark turned it on.
import { afterEach, describe, expect, it } from "vitest";
import { appInfo, onSyncChanged } from "./index";
import { jsonBytes, type IpcMeter } from "./meter";
import { emitSyncChanged, mockBackend } from "./testing";
import { syncOk } from "../test/fixtures";
import type { AppInfo } from "./bindings";

const INFO: AppInfo = {
  version: "0.1.0",
  demo: false,
  tenantLabel: "Contoso SOC – Ünïcode",
  apiBase: "https://api.securitycenter.microsoft.com",
  permissions: ["Machine.Isolate"],
  mayIsolate: true,
};

const fresh = (): IpcMeter => ({ bytes: 0, calls: 0, events: 0, log: [] });

afterEach(() => {
  delete window.__CORDON_BENCH__;
});

describe("the benchmark's IPC meter", () => {
  it("counts nothing while the benchmark has not turned it on", async () => {
    mockBackend({ app_info: () => INFO });
    await appInfo();
    expect(window.__CORDON_BENCH__).toBeUndefined();
  });

  it("sums the UTF-8 JSON size of each answer and event once turned on", async () => {
    mockBackend({ app_info: () => INFO });
    await appInfo();
    const meter = fresh();
    window.__CORDON_BENCH__ = meter;
    await appInfo();
    await appInfo();
    const one = new TextEncoder().encode(JSON.stringify(INFO)).length;
    expect(one).toBeGreaterThan(JSON.stringify(INFO).length - 1); // "–", "Ü", "ï" are several bytes
    expect(jsonBytes(INFO)).toBe(one);
    expect(meter.calls).toBe(2);
    expect(meter.bytes).toBe(2 * one);
    expect(meter.log).toHaveLength(2);
    expect(meter.log[0]!.end).toBeGreaterThanOrEqual(meter.log[0]!.start);

    const stop = await onSyncChanged(() => undefined);
    const status = syncOk();
    await emitSyncChanged(status);
    stop();
    expect(meter.events).toBe(1);
    expect(meter.bytes).toBe(2 * one + jsonBytes({ status }));
    expect(meter.log.at(-1)!.event).toBe("sync-changed");
  });
});
