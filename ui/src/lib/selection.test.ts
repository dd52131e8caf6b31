import { describe, expect, it } from "vitest";
import { makeRow } from "../test/fixtures";
import { bulkCounts } from "./selection";

describe("selection", () => {
  const a = makeRow({ state: "isolated" });
  const b = makeRow({ state: "not_isolated" });
  const c = makeRow({ state: "release_stuck" });
  const d = makeRow({ state: "isolating" });
  const all = [a, b, c, d];

  it("counts what a release and an isolate would concern", () => {
    expect(bulkCounts(all)).toEqual({ selected: 4, releasable: 2, isolatable: 1 });
    expect(bulkCounts([])).toEqual({ selected: 0, releasable: 0, isolatable: 0 });
  });
});
