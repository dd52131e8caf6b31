import { describe, expect, it } from "vitest";
import { makeItem, makeJob, makeJobDetail } from "../test/fixtures";
import { countText, fraction, isFinal, orderedItems, outcomeText, progressReducer } from "./progress";

const T = (s: number) => `2026-11-28T10:00:${String(s).padStart(2, "0")}Z`;

describe("progress reducer", () => {
  const detail = makeJobDetail(makeJob(), ["m1", "m2", "m3"]);

  it("starts from the detail and applies item events", () => {
    let v = progressReducer(null, { type: "detail", detail });
    expect(v && countText(v.job)).toBe("0 of 3");
    v = progressReducer(v, {
      type: "event",
      progress: { job: makeJob({ finished: 1, succeeded: 1, updatedAt: T(1) }), item: makeItem("m2", { state: "done", updatedAt: T(1) }) },
    });
    expect(v!.job.finished).toBe(1);
    expect(v!.items.get("m2")!.state).toBe("done");
    expect(fraction(v!.job)).toBeCloseTo(1 / 3);
  });

  it("ignores other jobs' events and older events", () => {
    const v0 = progressReducer(null, { type: "detail", detail });
    const other = progressReducer(v0, { type: "event", progress: { job: makeJob({ id: "job-2", finished: 3 }), item: null } });
    expect(other).toBe(v0);
    const v1 = progressReducer(v0, {
      type: "event",
      progress: { job: makeJob({ finished: 2, updatedAt: T(5) }), item: makeItem("m1", { state: "done", updatedAt: T(5) }) },
    });
    const stale = progressReducer(v1, {
      type: "event",
      progress: { job: makeJob({ finished: 1, updatedAt: T(2) }), item: makeItem("m1", { state: "sending", updatedAt: T(2) }) },
    });
    expect(stale!.job.finished).toBe(2);
    expect(stale!.items.get("m1")!.state).toBe("done");
  });

  it("a detail fetched after events keeps the newer side", () => {
    const v0 = progressReducer(null, { type: "detail", detail });
    const v1 = progressReducer(v0, {
      type: "event",
      progress: { job: makeJob({ finished: 1, updatedAt: T(9) }), item: makeItem("m3", { state: "failed", updatedAt: T(9) }) },
    });
    const v2 = progressReducer(v1, { type: "detail", detail: { job: makeJob({ finished: 0, updatedAt: T(3) }), items: [makeItem("m3", { updatedAt: T(3) })] } });
    expect(v2!.job.finished).toBe(1);
    expect(v2!.items.get("m3")!.state).toBe("failed");
  });

  it("orders problems first and words the outcome", () => {
    const v = progressReducer(null, {
      type: "detail",
      detail: {
        job: makeJob({ state: "done", finished: 3, succeeded: 1, adopted: 1, failed: 1 }),
        items: [makeItem("m1", { state: "done" }), makeItem("m2", { state: "failed" }), makeItem("m3", { state: "adopted" })],
      },
    })!;
    expect(orderedItems(v).map((i) => i.state)).toEqual(["failed", "adopted", "done"]);
    expect(isFinal(v.job)).toBe(true);
    expect(outcomeText(v.job)).toBe("Done: 1 sent, 1 already under way, 1 failed.");
    expect(isFinal(makeJob())).toBe(false);
  });
});
