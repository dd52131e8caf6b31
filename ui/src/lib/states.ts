// The words and colours of the isolation states (product.md's state table).
import type { IsolationState, MachineRow } from "../ipc";

export const STATE_LABEL: Record<IsolationState, string> = {
  not_isolated: "Not isolated",
  isolating: "Isolating",
  isolated: "Isolated",
  releasing: "Releasing",
  release_stuck: "Release stuck",
  isolation_failed: "Isolation failed",
};

export type BadgeAppearance = "filled" | "tint" | "outline" | "ghost";
export type BadgeColor =
  | "brand"
  | "danger"
  | "important"
  | "informative"
  | "severe"
  | "subtle"
  | "success"
  | "warning";

export interface BadgeLook {
  appearance: BadgeAppearance;
  color: BadgeColor;
}

/** Each state gets its own colour so a glance at the grid tells them apart. */
export const STATE_LOOK: Record<IsolationState, BadgeLook> = {
  not_isolated: { appearance: "outline", color: "informative" },
  isolating: { appearance: "tint", color: "warning" },
  isolated: { appearance: "filled", color: "danger" },
  releasing: { appearance: "tint", color: "brand" },
  release_stuck: { appearance: "filled", color: "severe" },
  isolation_failed: { appearance: "outline", color: "danger" },
};

/** The state groups the counters filter by. */
export type StateFilter = "all" | "isolatedNow" | "isolating" | "releasing" | "stuck" | "failed";

export function matchesFilter(row: MachineRow, filter: StateFilter): boolean {
  switch (filter) {
    case "all":
      return true;
    case "isolatedNow":
      return row.isolatedNow;
    case "isolating":
      return row.state === "isolating";
    case "releasing":
      return row.state === "releasing";
    case "stuck":
      return row.state === "release_stuck";
    case "failed":
      return row.state === "isolation_failed";
  }
}

/** Isolate is offered only to a machine that is not cut off and not being cut off. */
export function canIsolate(state: IsolationState): boolean {
  return state === "not_isolated" || state === "isolation_failed";
}

/** Release is offered to an isolated machine, and again when a release is stuck. */
export function canRelease(state: IsolationState): boolean {
  return state === "isolated" || state === "release_stuck";
}
