import { describe, expect, it } from "vitest";
import { makeRecon } from "../test/fixtures";
import { canResubmit, groupByCause, resubmitIds, rowAction, rowKey } from "./recon";

describe("reconciliation grouping", () => {
  it("groups rows by cause in the order a person should look at them", () => {
    const rows = [
      makeRecon({ cause: "offline", requestedAt: "2026-11-28T05:00:00Z" }),
      makeRecon({ cause: "timed_out", requestedAt: "2026-11-20T05:00:00Z" }),
      makeRecon({ cause: "offline", requestedAt: "2026-11-28T06:00:00Z" }),
      makeRecon({ cause: "failed" }),
    ];
    const groups = groupByCause(rows);
    expect(groups.map((g) => [g.cause, g.rows.length])).toEqual([
      ["timed_out", 1],
      ["failed", 1],
      ["offline", 2],
    ]);
    expect(groups[2]!.rows[0]!.requestedAt).toBe("2026-11-28T06:00:00Z");
    expect(groups[2]!.label).toBe("Pending: device offline");
  });

  it("follows the core's decision on which rows may be resubmitted and how", () => {
    expect(canResubmit(makeRecon({ nextStep: "in_progress", resubmittable: false }))).toBe(false);
    expect(canResubmit(makeRecon({ cause: "offline", nextStep: "wait_for_device", resubmittable: false }))).toBe(false);
    expect(canResubmit(makeRecon({ nextStep: "needs_person", resubmittable: true }))).toBe(true);
    expect(rowAction(makeRecon({ cause: "pending_too_long", nextStep: "cancel_and_resubmit" }))).toBe("cancel_and_resubmit");
    expect(rowAction(makeRecon({ cause: "offline", nextStep: "wait_for_device", resubmittable: false }))).toBe("resubmit");
    expect(rowAction(makeRecon({ cause: "timed_out" }))).toBe("resubmit");
  });

  it("sends each selected, resubmittable machine once", () => {
    const a = makeRecon();
    const b = makeRecon({ nextStep: "in_progress", resubmittable: false });
    const c = makeRecon({ machineId: a.machineId, kind: "isolate", actionId: "other" });
    const sel = new Set([rowKey(a), rowKey(b), rowKey(c)]);
    expect(resubmitIds([a, b, c], sel)).toEqual([a.machineId]);
  });
});
