// The rules of the bulk confirmation: a comment is required, the typed phrase must match
// when the back end asks for one (above its threshold), and nothing is confirmed when the
// preview would send to no machine. Pure, so that the gating is tested without a dialog.
import type { BulkPreview, IsolationGroup, JobKind } from "../ipc";

export interface Gate {
  ok: boolean;
  /** Why the confirm button is disabled, in a sentence (null when ok). */
  reason: string | null;
}

export function confirmGate(preview: BulkPreview | undefined, comment: string, typed: string): Gate {
  if (!preview) return { ok: false, reason: "Preparing the preview…" };
  if (preview.willSend.length === 0) {
    return { ok: false, reason: "No machine of the selection would be sent: nothing to confirm." };
  }
  if (comment.trim().length === 0) return { ok: false, reason: "A comment is required." };
  const phrase = preview.confirmPhrase;
  if (phrase !== null && typed.trim() !== phrase) {
    return { ok: false, reason: `Type “${phrase}” to confirm.` };
  }
  return { ok: true, reason: null };
}

export function kindVerb(kind: JobKind): string {
  return kind === "release" ? "Release" : "Isolate";
}

/** "Release 78 machines" / "Isolate 1 machine". */
export function actionTitle(kind: JobKind, n: number): string {
  return `${kindVerb(kind)} ${n} ${n === 1 ? "machine" : "machines"}`;
}

/**
 * The pre-filled comment of a batch release (product.md: "False positive: alert <id>").
 * The alert id is taken from the batch's shared comment when it names one.
 */
export function batchComment(group: IsolationGroup): string {
  const alert = /alert\s*[-:]?\s*([A-Za-z0-9_-]{6,})/i.exec(group.comment)?.[1];
  const title = group.title.replace(/^Alert:\s*/i, "");
  return alert ? `False positive: ${title} (alert ${alert})` : `False positive: ${title}`;
}
