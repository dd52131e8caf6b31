// Scaling of the History view's per-day bar chart (plain SVG, no chart library): a
// "nice" maximum for the axis, its ticks, and every day of the range present (a day
// without actions is a gap in the chart, not a missing bar).
import type { DayCount } from "../ipc";

/** The smallest 1/2/5 × 10^k at or above `n` (at least 1). */
export function niceMax(n: number): number {
  if (!(n > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) {
    if (m * p >= n) return m * p;
  }
  return 10 * p;
}

/** Tick values from 0 to `max` inclusive (max is a niceMax). */
export function ticks(max: number, count = 4): number[] {
  const step = max / count;
  const out: number[] = [];
  for (let i = 0; i <= count; i++) {
    const v = step * i;
    if (Number.isInteger(v) || max < count) out.push(Math.round(v * 100) / 100);
  }
  return [...new Set(out)];
}

/** Bar height in pixels for `value` on an axis of `max` drawn `height` px tall. */
export function barHeight(value: number, max: number, height: number): number {
  if (max <= 0 || value <= 0) return 0;
  return Math.max(1, Math.round((value / max) * height));
}

const DAY = 86_400_000;

/** Every day from the first to the last of `days` (sorted, UTC), with zeros filled in. */
export function fillDays(days: readonly DayCount[]): DayCount[] {
  if (days.length === 0) return [];
  const sorted = [...days].sort((a, b) => a.day.localeCompare(b.day));
  const by = new Map(sorted.map((d) => [d.day, d]));
  const first = Date.parse(`${sorted[0]!.day}T00:00:00Z`);
  const last = Date.parse(`${sorted[sorted.length - 1]!.day}T00:00:00Z`);
  const out: DayCount[] = [];
  for (let t = first; t <= last; t += DAY) {
    const day = new Date(t).toISOString().slice(0, 10);
    out.push(by.get(day) ?? { day, isolations: 0, releases: 0 });
  }
  return out;
}

export interface ChartScale {
  days: DayCount[];
  max: number;
  ticks: number[];
}

export function chartScale(days: readonly DayCount[]): ChartScale {
  const filled = fillDays(days);
  const peak = filled.reduce((m, d) => Math.max(m, d.isolations, d.releases), 0);
  const max = niceMax(peak);
  return { days: filled, max, ticks: ticks(max) };
}
