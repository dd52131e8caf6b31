import { describe, expect, it } from "vitest";
import { dayOrNull, dayValid } from "./dates";

describe("day fields", () => {
  it("accepts empty and YYYY-MM-DD only", () => {
    expect(dayValid("")).toBe(true);
    expect(dayValid(" 2026-11-28 ")).toBe(true);
    expect(dayValid("2026-13-01")).toBe(false);
    expect(dayValid("28/11/2026")).toBe(false);
    expect(dayValid("2026-11-2")).toBe(false);
  });

  it("sends a day only when it is complete", () => {
    expect(dayOrNull("2026-11-28")).toBe("2026-11-28");
    expect(dayOrNull("2026-11")).toBeNull();
    expect(dayOrNull("  ")).toBeNull();
  });
});
