import { describe, expect, it } from "vitest";
import { makeRow } from "../test/fixtures";
import { gridFilter, NO_FACETS } from "./grid";
import { bulkCounts, pendingOf } from "./selection";

describe("selection", () => {
  const a = makeRow({ state: "isolated" });
  const b = makeRow({ state: "not_isolated" });
  const c = makeRow({ state: "release_stuck" });
  const d = makeRow({ state: "isolating" });
  const all = [a, b, c, d];

  it("counts what a release and an isolate would concern", () => {
    expect(bulkCounts(all)).toEqual({ selected: 4, releasable: 2, isolatable: 1, pending: 2 });
    expect(bulkCounts([])).toEqual({ selected: 0, releasable: 0, isolatable: 0, pending: 0 });
  });

  it("narrows an \"all matching\" filter to the machines pending at Defender", () => {
    expect(pendingOf(gridFilter("all", "web", NO_FACETS))).toMatchObject({ search: "web", states: [], pending: true });
    // "Isolated now" and pending: the releases still pending (the core ANDs the two).
    expect(pendingOf(gridFilter("isolatedNow", "", NO_FACETS))).toMatchObject({ isolatedNow: true, pending: true });
    expect(pendingOf(gridFilter("stuck", "", NO_FACETS))).toMatchObject({ states: ["release_stuck"], pending: true });
  });
});
