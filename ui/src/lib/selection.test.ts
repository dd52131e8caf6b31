import { describe, expect, it } from "vitest";
import { makeRow } from "../test/fixtures";
import { EMPTY_SELECTION, bulkCounts, headerCheck, prune, selectedRows, toggle, toggleAllVisible } from "./selection";

describe("selection", () => {
  const a = makeRow({ state: "isolated" });
  const b = makeRow({ state: "not_isolated" });
  const c = makeRow({ state: "release_stuck" });
  const d = makeRow({ state: "isolating" });
  const all = [a, b, c, d];

  it("toggles one machine in and out", () => {
    const s1 = toggle(EMPTY_SELECTION, a.id);
    expect([...s1]).toEqual([a.id]);
    expect(toggle(s1, a.id).size).toBe(0);
    expect(EMPTY_SELECTION.size).toBe(0);
  });

  it("the header checkbox selects every visible row, then unselects them", () => {
    const visible = [a, c];
    const s1 = toggleAllVisible(EMPTY_SELECTION, visible);
    expect(headerCheck(s1, visible)).toBe("all");
    expect(headerCheck(s1, all)).toBe("some");
    expect(toggleAllVisible(s1, visible).size).toBe(0);
  });

  it("selecting all visible keeps rows selected outside the filter", () => {
    const s = toggleAllVisible(toggle(EMPTY_SELECTION, b.id), [a, c]);
    expect(new Set(s)).toEqual(new Set([a.id, b.id, c.id]));
    // Partly selected visible rows: the click completes the visible selection.
    const partial = toggle(EMPTY_SELECTION, a.id);
    expect(headerCheck(partial, [a, c])).toBe("some");
    expect(headerCheck(toggleAllVisible(partial, [a, c]), [a, c])).toBe("all");
  });

  it("says none for an empty list or selection", () => {
    expect(headerCheck(EMPTY_SELECTION, all)).toBe("none");
    expect(headerCheck(new Set([a.id]), [])).toBe("none");
    expect(headerCheck(new Set([a.id]), [b])).toBe("none");
  });

  it("prunes ids of machines that left the tenant, and keeps identity when nothing changed", () => {
    const s = new Set([a.id, "gone"]);
    expect([...prune(s, all)]).toEqual([a.id]);
    const same = new Set([a.id]);
    expect(prune(same, all)).toBe(same);
  });

  it("counts what a release and an isolate would concern", () => {
    const rows = selectedRows(new Set([a.id, b.id, c.id, d.id]), all);
    expect(rows).toEqual(all);
    expect(bulkCounts(rows)).toEqual({ selected: 4, releasable: 2, isolatable: 1 });
  });
});
