import { describe, expect, it } from "vitest";
import { falsePositiveComment, outcomeText, validateComment } from "./actions";
import type { ActionOutcome, TimelineEntry } from "../ipc";

const entry = (over: Partial<TimelineEntry>): TimelineEntry => ({
  actionId: "a1",
  actionType: "Isolate",
  status: "Succeeded",
  scope: "Full",
  requestor: "storm-bot",
  comment: "",
  created: "2026-11-28T02:14:00Z",
  updated: null,
  cancelledBy: null,
  cancelComment: null,
  ...over,
});

const outcome = (over: Partial<ActionOutcome>): ActionOutcome => ({
  machineId: "m1",
  machineName: "web-01",
  actionId: "act-1",
  status: "Pending",
  adopted: false,
  error: null,
  ...over,
});

describe("comment rule", () => {
  it("refuses empty and whitespace-only comments", () => {
    expect(validateComment("", "release")).toMatch(/comment is required/);
    expect(validateComment(" \n\t ", "isolate")).toMatch(/isolated/);
  });
  it("accepts any real comment", () => {
    expect(validateComment("False positive", "release")).toBeNull();
  });
});

describe("false-positive comment", () => {
  it("names the alert of the latest isolation", () => {
    const timeline = [
      entry({ actionId: "r", actionType: "Unisolate", comment: "alert - nope" }),
      entry({ actionId: "i2", comment: "Isolate machine because alert - da638001_123" }),
      entry({ actionId: "i1", comment: "Isolate machine because alert - older" }),
    ];
    expect(falsePositiveComment(timeline)).toBe("False positive: alert da638001_123");
  });
  it("falls back to a plain prefix", () => {
    expect(falsePositiveComment([entry({ comment: "manual isolation" })])).toBe("False positive: ");
    expect(falsePositiveComment([])).toBe("False positive: ");
  });
});

describe("outcome text", () => {
  it("says the release was sent and is pending", () => {
    expect(outcomeText("release", outcome({}))).toBe("Release sent — pending");
    expect(outcomeText("release", outcome({ status: null }))).toBe("Release sent — pending");
    expect(outcomeText("isolate", outcome({ status: "InProgress" }))).toBe("Isolation sent — in progress");
  });
  it("says when an already-pending action was adopted", () => {
    expect(outcomeText("release", outcome({ adopted: true }))).toBe(
      "Release already pending — adopted, not sent twice",
    );
  });
});
