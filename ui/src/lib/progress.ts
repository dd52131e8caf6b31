// The live progress of one bulk job, folded from its detail (fetched once) and the
// `jobChanged` events that follow. Events of other jobs are ignored; an event older than
// what is shown (by `updatedAt`) never moves an item or the counts backwards.
import type { ItemState, JobDetail, JobItem, JobProgress, JobSummary } from "../ipc";

export interface JobView {
  job: JobSummary;
  /** Items by machine id, in the order they were first seen. */
  items: Map<string, JobItem>;
}

export type ProgressAction =
  | { type: "detail"; detail: JobDetail }
  | { type: "event"; progress: JobProgress };

const newer = (a: string, b: string): boolean => Date.parse(a) >= Date.parse(b);

export function progressReducer(state: JobView | null, action: ProgressAction): JobView | null {
  if (action.type === "detail") {
    const { detail } = action;
    if (state && state.job.id === detail.job.id) {
      // Merge: keep whatever is newer on each side (events may have arrived first).
      const items = new Map(state.items);
      for (const it of detail.items) {
        const cur = items.get(it.machineId);
        if (!cur || newer(it.updatedAt, cur.updatedAt)) items.set(it.machineId, it);
      }
      const job = newer(detail.job.updatedAt, state.job.updatedAt) ? detail.job : state.job;
      return { job, items };
    }
    return { job: detail.job, items: new Map(detail.items.map((i) => [i.machineId, i])) };
  }
  const { progress } = action;
  if (!state || state.job.id !== progress.job.id) return state;
  const job = newer(progress.job.updatedAt, state.job.updatedAt) ? progress.job : state.job;
  let items = state.items;
  const it = progress.item;
  if (it) {
    const cur = items.get(it.machineId);
    if (!cur || newer(it.updatedAt, cur.updatedAt)) {
      items = new Map(items);
      items.set(it.machineId, it);
    }
  }
  return job === state.job && items === state.items ? state : { job, items };
}

/** True when the job will not move any more. */
export function isFinal(job: JobSummary): boolean {
  return job.state !== "running";
}

/** "37 of 78". */
export function countText(job: JobSummary): string {
  return `${job.finished} of ${job.total}`;
}

/** 0..1 for the progress bar. */
export function fraction(job: JobSummary): number {
  return job.total === 0 ? 1 : Math.min(1, job.finished / job.total);
}

export const ITEM_LABEL: Record<ItemState, string> = {
  planned: "Waiting",
  sending: "Sending",
  unknown: "Checking (no answer)",
  done: "Sent",
  adopted: "Already under way (adopted)",
  failed: "Failed",
  cancelled: "Not sent (cancelled)",
};

export const JOB_STATE_LABEL: Record<JobSummary["state"], string> = {
  running: "Running",
  done: "Done",
  cancelled: "Cancelled",
  halted: "Stopped: the local store failed",
};

/** The job's outcome in one sentence, once it is final. */
export function outcomeText(job: JobSummary): string {
  const parts = [`${job.succeeded} sent`];
  if (job.adopted > 0) parts.push(`${job.adopted} already under way`);
  if (job.failed > 0) parts.push(`${job.failed} failed`);
  if (job.cancelled > 0) parts.push(`${job.cancelled} not sent`);
  return `${JOB_STATE_LABEL[job.state]}: ${parts.join(", ")}.`;
}

/** Items in display order: problems first, then work in flight, then the rest. */
const ORDER: Record<ItemState, number> = {
  failed: 0,
  unknown: 1,
  sending: 2,
  planned: 3,
  cancelled: 4,
  adopted: 5,
  done: 6,
};

export function orderedItems(view: JobView): JobItem[] {
  return [...view.items.values()].sort(
    (a, b) => ORDER[a.state] - ORDER[b.state] || (a.machineName ?? a.machineId).localeCompare(b.machineName ?? b.machineId),
  );
}
