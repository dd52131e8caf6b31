import { describe, expect, it } from "vitest";
import { makeDay } from "../test/fixtures";
import { barHeight, chartScale, fillDays, niceMax, ticks } from "./chart";

describe("chart scaling", () => {
  it("rounds the axis up to 1/2/5 × 10^k", () => {
    expect([0, 1, 3, 7, 10, 11, 80, 81, 250, 999].map(niceMax)).toEqual([1, 1, 5, 10, 10, 20, 100, 100, 500, 1000]);
  });

  it("ticks are whole numbers from 0 to the max", () => {
    expect(ticks(100)).toEqual([0, 25, 50, 75, 100]);
    expect(ticks(10)).toEqual([0, 5, 10]);
    expect(ticks(1)).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it("bar heights are proportional, and a non-zero value stays visible", () => {
    expect(barHeight(50, 100, 120)).toBe(60);
    expect(barHeight(100, 100, 120)).toBe(120);
    expect(barHeight(0, 100, 120)).toBe(0);
    expect(barHeight(1, 1000, 120)).toBe(1);
  });

  it("fills the days without actions", () => {
    const days = fillDays([makeDay("2026-11-28", 80, 10), makeDay("2026-11-25", 2, 1)]);
    expect(days.map((d) => d.day)).toEqual(["2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28"]);
    expect(days[1]).toEqual(makeDay("2026-11-26", 0, 0));
    expect(fillDays([])).toEqual([]);
  });

  it("scales to the busiest day", () => {
    const s = chartScale([makeDay("2026-11-27", 3, 81), makeDay("2026-11-28", 80, 0)]);
    expect(s.max).toBe(100);
    expect(s.days).toHaveLength(2);
  });
});
