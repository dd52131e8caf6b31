import { describe, expect, it } from "vitest";
import { BLOCK, MAX_LIMIT, NO_FACETS, gridFilter, splitList, windowFor } from "./grid";
import { moveColumn } from "./gridPrefs";

describe("the grid's question to the core", () => {
  it("turns a state chip, the search and the facets into the core's filter", () => {
    expect(gridFilter("all", "  web ", NO_FACETS)).toMatchObject({ search: "web", isolatedNow: false, states: [] });
    expect(gridFilter("isolatedNow", "", NO_FACETS)).toMatchObject({ search: null, isolatedNow: true, states: [] });
    expect(gridFilter("stuck", "", NO_FACETS).states).toEqual(["release_stuck"]);
    expect(gridFilter("failed", "", { ...NO_FACETS, tags: ["vip"], risk: [""] })).toMatchObject({
      states: ["isolation_failed"],
      tags: ["vip"],
      risk: [""],
    });
  });

  it("asks for the rows on screen plus the overscan, in whole blocks", () => {
    expect(windowFor(0, 17)).toEqual({ offset: 0, limit: BLOCK });
    // A small scroll inside a block keeps the window (and its cache entry).
    expect(windowFor(3, 20)).toEqual(windowFor(0, 17));
    const deep = windowFor(5_000, 5_017);
    expect(deep.offset).toBeLessThanOrEqual(5_000 - 20);
    expect(deep.offset + deep.limit).toBeGreaterThanOrEqual(5_017 + 20);
    expect(deep.limit).toBeLessThanOrEqual(MAX_LIMIT);
    expect(windowFor(0, 100_000).limit).toBe(MAX_LIMIT);
  });

  it("splits typed tags and groups", () => {
    expect(splitList(" vip, kiosk ,,vip ")).toEqual(["vip", "kiosk"]);
    expect(splitList("")).toEqual([]);
  });

  it("moves a column one place, and fills in the columns the saved order lacks", () => {
    const ids = ["name", "state", "os"];
    expect(moveColumn([], ids, "name", 1)).toEqual(["state", "name", "os"]);
    expect(moveColumn(["os"], ids, "os", -1)).toEqual(["os", "name", "state"]);
    expect(moveColumn([], ids, "name", -1)).toEqual(ids);
  });
});
