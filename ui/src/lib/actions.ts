// Pure rules of the isolate / release form.
import type { ActionOutcome, TimelineEntry } from "../ipc";

export type ActionKind = "isolate" | "release";

/** The refusal sentence for a missing comment, or null when the comment is fine. */
export function validateComment(comment: string, kind: ActionKind): string | null {
  if (comment.trim().length === 0) {
    return kind === "isolate"
      ? "A comment is required: say why this machine is being isolated."
      : "A comment is required: say why this machine is being released.";
  }
  return null;
}

const ALERT_IN_COMMENT = /alert\s*[-:#]?\s*([A-Za-z0-9][A-Za-z0-9_.:-]*)/i;

/**
 * The pre-filled comment for releasing after a false positive: names the alert that
 * caused the latest isolation when its comment names one ("… because alert - da637…").
 */
export function falsePositiveComment(timeline: readonly TimelineEntry[]): string {
  const isolation = timeline.find((t) => t.actionType === "Isolate");
  const match = isolation ? ALERT_IN_COMMENT.exec(isolation.comment) : null;
  return match?.[1] ? `False positive: alert ${match[1]}` : "False positive: ";
}

function statusWords(status: string | null): string {
  if (!status) return "pending";
  // "InProgress" → "in progress"
  return status.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}

/** The one-line result of a successful per-machine action. */
export function outcomeText(kind: ActionKind, outcome: ActionOutcome): string {
  const noun = kind === "isolate" ? "Isolation" : "Release";
  if (outcome.adopted) {
    return `${noun} already ${statusWords(outcome.status)} — adopted, not sent twice`;
  }
  return `${noun} sent — ${statusWords(outcome.status)}`;
}
