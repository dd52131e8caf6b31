import { afterEach, describe, expect, it } from "vitest";
import { clockTime, durationText, exactTime, localDayBound, localDayOf, localTime, relativeTime, utcOffset, zoneName } from "./time";

const now = new Date("2026-11-28T14:00:00Z");

/** Runs `f` with the process in time zone `tz` (Node re-reads TZ when it is set). */
function inZone<T>(tz: string, f: () => T): T {
  const before = process.env.TZ;
  process.env.TZ = tz;
  try {
    return f();
  } finally {
    process.env.TZ = before;
  }
}

afterEach(() => {
  process.env.TZ = "UTC";
});

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

describe("local time with its zone, exact on hover", () => {
  const t = "2026-12-07T13:03:27Z";

  it("shows Paris time as CET in winter and CEST in summer, with the exact UTC instant on hover", () => {
    inZone("Europe/Paris", () => {
      expect(localTime(t)).toBe("2026-12-07 14:03 CET");
      expect(exactTime(t)).toBe("2026-12-07 14:03:27 CET · 2026-12-07T13:03:27Z UTC");
      expect(localTime("2026-07-01T22:30:00Z")).toBe("2026-07-02 00:30 CEST");
      expect(clockTime(t)).toBe("14:03:27");
    });
  });

  it("names US zones and falls back to the offset where a zone has no common name", () => {
    inZone("America/New_York", () => {
      expect(localTime(t)).toBe("2026-12-07 08:03 EST");
      expect(exactTime(t)).toBe("2026-12-07 08:03:27 EST · 2026-12-07T13:03:27Z UTC");
    });
    inZone("Asia/Kolkata", () => {
      expect(localTime(t)).toBe("2026-12-07 18:33 UTC+05:30");
      expect(utcOffset(new Date(t))).toBe("UTC+05:30");
    });
    inZone("Asia/Tokyo", () => expect(zoneName(new Date(t))).toBe("UTC+09:00"));
  });

  it("is UTC in UTC, and says unknown or a dash for a missing time", () => {
    expect(localTime(t)).toBe("2026-12-07 13:03 UTC");
    expect(exactTime("2026-03-04T05:06:07Z")).toBe("2026-03-04 05:06:07 UTC · 2026-03-04T05:06:07Z UTC");
    expect(clockTime(null)).toBe("—");
    expect(exactTime(undefined)).toBe("unknown");
    expect(localTime("nope")).toBe("unknown");
  });

  it("cuts days at local midnight for the day filters and the chart", () => {
    inZone("Europe/Paris", () => {
      expect(localDayBound("2026-12-07", "start")).toBe("2026-12-06T23:00:00.000Z");
      expect(localDayBound("2026-12-07", "end")).toBe("2026-12-07T22:59:59.999Z");
      expect(localDayOf("2026-12-06T23:30:00Z")).toBe("2026-12-07");
    });
    expect(localDayBound("2026-02-30", "start")).toBeNull();
    expect(localDayBound("07/12/2026", "end")).toBeNull();
  });
});
