import { describe, expect, it } from "vitest";
import type { RuleDecision, RuleSettings } from "../ipc";
import {
  acts,
  alertFilter,
  changeOf,
  countDecisions,
  countsSentence,
  dryRunSentence,
  formOf,
  invalidNumbers,
  isolateComment,
  modeSentence,
  needsConfirmation,
  settingsOf,
  splitList,
  splitPreview,
} from "./automation";
import { makeRuleSettings } from "../test/automationFixtures";

const decision = (d: RuleDecision["decision"], n: number): RuleDecision => ({
  alertId: `da${n}`,
  machineId: `m${n}`,
  machineName: null,
  decision: d,
  reason: "r",
  at: "2026-11-28T10:00:00Z",
  jobId: null,
  proposalId: null,
  alertTitle: null,
});

describe("automation logic", () => {
  it("words each mode and knows which act on machines", () => {
    expect(modeSentence("dry-run")).toBe("The rule is evaluated and records what it would isolate, but sends nothing.");
    expect(["off", "dry-run", "approval", "automatic"].map((m) => acts(m as RuleSettings["mode"]))).toEqual([false, false, true, true]);
  });

  it("turns the form into a full change, lists split and trimmed, empty tags dropped", () => {
    const s: RuleSettings = makeRuleSettings({ excludeTags: ["vip"], maxPerWindow: 5 });
    const f = { ...formOf(s), mode: "automatic" as const, excludeNames: " dc-*, , *-sql-?? \n kiosk-*", maxPerWindow: "3" };
    f.typeByTag = [...f.typeByTag, { tag: "  ", isolationType: "Full" }];
    const c = changeOf(f, true);
    expect(c.mode).toBe("automatic");
    expect(c.confirmed).toBe(true);
    expect(c.excludeTags).toEqual(["vip"]);
    expect(c.excludeNames).toEqual(["dc-*", "*-sql-??", "kiosk-*"]);
    expect(c.maxPerWindow).toBe(3);
    expect(c.typeByTag).toEqual(s.typeByTag);
    // Fields the view does not edit are kept by the core.
    expect(c.titleContains).toBeNull();
    expect(c.approvalExpiryHours).toBeNull();
    expect(splitList("a,b\nc")).toEqual(["a", "b", "c"]);
  });

  it("refuses text in number fields and previews the form's settings", () => {
    const s = makeRuleSettings({});
    const f = { ...formOf(s), windowMinutes: "ten", flapHours: "-1", maxConcurrent: "7" };
    expect(invalidNumbers(f)).toEqual(["windowMinutes", "flapHours"]);
    const preview = settingsOf(s, f);
    expect(preview.maxConcurrent).toBe(7);
    expect(preview.windowMinutes).toBe(s.windowMinutes);
  });

  it("words the dry-run record, counts decisions and splits a preview", () => {
    expect(dryRunSentence({ days: 7, evaluations: 168, wouldIsolate: 12, queued: 3, skipped: 40, warning: null })).toBe(
      "In dry run the rule would have isolated 12, queued 3, skipped 40 in the last 7 days (168 evaluations).",
    );
    const ds = [decision("isolated", 1), decision("queued", 2), decision("queued", 3), decision("skipped", 4)];
    expect(countsSentence(countDecisions(ds))).toBe("1 isolated, 2 queued, 1 skipped");
    expect(countsSentence(countDecisions([decision("would-isolate", 5)]))).toBe("1 would be isolated, 0 isolated, 0 queued, 0 skipped");
    const { act, skip } = splitPreview(ds);
    expect(act.map((d) => d.alertId)).toEqual(["da1", "da2", "da3"]);
    expect(skip.map((d) => d.alertId)).toEqual(["da4"]);
  });

  it("builds the alert filter, the isolate comment, and spots the confirmation refusal", () => {
    const now = new Date("2026-11-28T10:17:42.123Z");
    expect(alertFilter("24h", "High", now)).toEqual({ since: "2026-11-27T10:17:00Z", minSeverity: "High", machineId: null });
    expect(alertFilter("7d", "Low", now, "abc").since).toBe("2026-11-21T10:17:00Z");
    expect(isolateComment("da6380_12")).toBe("Isolate machine because alert - da6380_12");
    expect(needsConfirmation({ kind: "validation", field: "confirmed", message: "m" })).toBe(true);
    expect(needsConfirmation({ kind: "validation", field: "comment", message: "m" })).toBe(false);
    expect(needsConfirmation({ kind: "refused", message: "m" })).toBe(false);
  });
});
