import { describe, expect, it } from "vitest";
import { clockTime, durationText, exactTime, relativeTime } from "./time";

const now = new Date("2026-11-28T14:00:00Z");

describe("relative time", () => {
  it("reads as people speak", () => {
    expect(relativeTime("2026-11-28T13:59:40Z", now)).toBe("just now");
    expect(relativeTime("2026-11-28T13:48:00Z", now)).toBe("12 min ago");
    expect(relativeTime("2026-11-28T09:00:00Z", now)).toBe("5 h ago");
    expect(relativeTime("2026-11-19T14:00:00Z", now)).toBe("9 d ago");
    expect(relativeTime("2026-11-28T14:30:00Z", now)).toBe("in 30 min");
  });

  it("says never for a missing or broken time", () => {
    expect(relativeTime(null, now)).toBe("never");
    expect(relativeTime("not a date", now)).toBe("never");
  });

  it("sizes durations by their largest unit", () => {
    expect(durationText(45_000)).toBe("45 s");
    expect(durationText(3 * 3_600_000 + 59 * 60_000)).toBe("3 h");
    expect(durationText(-2 * 86_400_000)).toBe("2 d");
  });
});

describe("exact time (TZ=UTC in tests)", () => {
  it("formats the clock and the date", () => {
    expect(clockTime("2026-11-28T14:02:33Z")).toBe("14:02:33");
    expect(exactTime("2026-03-04T05:06:07Z")).toBe("2026-03-04 05:06:07");
    expect(clockTime(null)).toBe("—");
    expect(exactTime(undefined)).toBe("unknown");
  });
});
