import { describe, expect, it } from "vitest";
import { IpcFailure, findMachine, isolate, onSyncChanged, snapshot, toIpcError } from "./index";
import { emitSyncChanged, mockBackend } from "./testing";
import { makeSnapshot, syncOk } from "../test/fixtures";

describe("the IPC wrapper", () => {
  it("returns the data of an ok result", async () => {
    const snap = makeSnapshot([]);
    mockBackend({ snapshot: () => snap });
    await expect(snapshot()).resolves.toEqual(snap);
  });

  it("throws the back end's IpcError with all its data", async () => {
    const error = {
      kind: "defender",
      message: "Defender refused the isolation.",
      status: 403,
      code: "Forbidden",
      correlationId: "c-1",
      detail: null,
    };
    mockBackend({
      isolate: () => {
        throw error;
      },
    });
    const failure = await isolate({ machineIds: ["x"], isolationType: "Full", comment: "c" }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(IpcFailure);
    expect((failure as IpcFailure).error).toEqual(error);
    expect((failure as IpcFailure).message).toBe("Defender refused the isolation.");
  });

  it("sends command arguments under their camelCase names", async () => {
    const backend = mockBackend({ find_machine: () => ({ id: "x" }) });
    await findMachine("web-01");
    expect(backend.callsTo("find_machine")[0]?.args).toEqual({ query: "web-01" });
  });

  it("turns a JavaScript error into an internal IpcError sentence", () => {
    expect(toIpcError(new TypeError("invoke is not a function"))).toEqual({
      kind: "internal",
      message: "Cordon's back end could not be reached from the window: invoke is not a function",
    });
    expect(toIpcError({ kind: "notFound", message: "No machine" })).toEqual({ kind: "notFound", message: "No machine" });
  });

  it("delivers sync-changed payloads and stops when asked", async () => {
    mockBackend({});
    const seen: number[] = [];
    const stop = await onSyncChanged((s) => seen.push(s.revision));
    await emitSyncChanged(syncOk(7));
    stop();
    await emitSyncChanged(syncOk(8));
    expect(seen).toEqual([7]);
  });
});

describe("appInfo", () => {
  it("returns the tenant facts and throws the back end's error", async () => {
    const info = { version: "0.1.0", demo: true, tenantLabel: "Demo", apiBase: "http://127.0.0.1:1", permissions: [] };
    mockBackend({ app_info: () => info });
    const { appInfo } = await import("./index");
    await expect(appInfo()).resolves.toEqual(info);
    mockBackend({
      app_info: () => {
        throw { kind: "internal", message: "The settings store is unreadable." };
      },
    });
    await expect(appInfo()).rejects.toMatchObject({ error: { kind: "internal", message: "The settings store is unreadable." } });
  });
});
