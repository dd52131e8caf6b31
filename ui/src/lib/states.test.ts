import { describe, expect, it } from "vitest";
import { STATE_LABEL, STATE_LOOK, canIsolate, canRelease, matchesFilter } from "./states";
import { makeRow } from "../test/fixtures";
import type { IsolationState } from "../ipc";

const ALL: IsolationState[] = ["not_isolated", "isolating", "isolated", "releasing", "release_stuck", "isolation_failed"];

describe("state words and colours", () => {
  it("uses the words of the product's state table", () => {
    expect(ALL.map((s) => STATE_LABEL[s])).toEqual([
      "Not isolated",
      "Isolating",
      "Isolated",
      "Releasing",
      "Release stuck",
      "Isolation failed",
    ]);
  });

  it("gives every state its own look", () => {
    const looks = new Set(ALL.map((s) => `${STATE_LOOK[s].appearance}/${STATE_LOOK[s].color}`));
    expect(looks.size).toBe(ALL.length);
    expect(STATE_LOOK.isolated).toEqual({ appearance: "filled", color: "danger" });
    expect(STATE_LOOK.release_stuck.color).toBe("severe");
    expect(STATE_LOOK.isolation_failed).toEqual({ appearance: "outline", color: "danger" });
    expect(STATE_LOOK.not_isolated).toEqual({ appearance: "outline", color: "informative" });
  });
});

describe("filters", () => {
  it("isolated now means cut off right now: isolated, releasing, stuck", () => {
    const kept = ALL.filter((s) => matchesFilter(makeRow({ state: s }), "isolatedNow"));
    expect(kept).toEqual(["isolated", "releasing", "release_stuck"]);
  });

  it("each counter filter keeps its own state only", () => {
    expect(ALL.filter((s) => matchesFilter(makeRow({ state: s }), "isolating"))).toEqual(["isolating"]);
    expect(ALL.filter((s) => matchesFilter(makeRow({ state: s }), "releasing"))).toEqual(["releasing"]);
    expect(ALL.filter((s) => matchesFilter(makeRow({ state: s }), "stuck"))).toEqual(["release_stuck"]);
    expect(ALL.filter((s) => matchesFilter(makeRow({ state: s }), "failed"))).toEqual(["isolation_failed"]);
    expect(ALL.filter((s) => matchesFilter(makeRow({ state: s }), "all"))).toEqual(ALL);
  });
});

describe("which actions are offered", () => {
  it("isolate only when not isolated and not being isolated", () => {
    expect(ALL.filter(canIsolate)).toEqual(["not_isolated", "isolation_failed"]);
  });
  it("release only when isolated or the release is stuck", () => {
    expect(ALL.filter(canRelease)).toEqual(["isolated", "release_stuck"]);
  });
});
