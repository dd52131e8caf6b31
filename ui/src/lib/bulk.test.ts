import { describe, expect, it } from "vitest";
import { makeGroup, makePreview, makeRow } from "../test/fixtures";
import { actionTitle, batchComment, confirmGate } from "./bulk";

describe("bulk confirmation gate", () => {
  const rows = [makeRow({ state: "isolated" }), makeRow({ state: "isolated" })];

  it("waits for the preview", () => {
    expect(confirmGate(undefined, "x", "")).toEqual({ ok: false, reason: "Preparing the preview…" });
  });

  it("requires a comment", () => {
    const g = confirmGate(makePreview(rows), "   ", "");
    expect(g.ok).toBe(false);
    expect(g.reason).toBe("A comment is required.");
    expect(confirmGate(makePreview(rows), "False positive", "").ok).toBe(true);
  });

  it("requires the typed phrase exactly when the back end sets one", () => {
    const p = makePreview(rows, { confirmPhrase: "release 80 machines" });
    expect(confirmGate(p, "fp", "").reason).toBe("Type “release 80 machines” to confirm.");
    expect(confirmGate(p, "fp", "release 8 machines").ok).toBe(false);
    expect(confirmGate(p, "fp", "  release 80 machines ").ok).toBe(true);
  });

  it("refuses a preview that would send nothing", () => {
    expect(confirmGate(makePreview([]), "fp", "").ok).toBe(false);
  });

  it("titles and pre-filled comments", () => {
    expect(actionTitle("release", 1)).toBe("Release 1 machine");
    expect(actionTitle("isolate", 78)).toBe("Isolate 78 machines");
    expect(batchComment(makeGroup(rows))).toBe("False positive: Wacatac on ContosoUpdater.exe (alert da638001)");
    expect(batchComment(makeGroup(rows, { comment: "mixed comments" }))).toBe("False positive: Wacatac on ContosoUpdater.exe");
  });
});
