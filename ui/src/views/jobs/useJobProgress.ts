import { useEffect, useReducer } from "react";
import * as ipc from "../../ipc";
import { isFinal, progressReducer, type JobView } from "../../lib/progress";

/** While a job runs, its detail is refetched this often: a safety net for missed events. */
const POLL_MS = 3000;

/**
 * One job's live view: its detail fetched once, then every `jobChanged` event of that
 * job folded in. Listening starts before the fetch, so no change falls in between.
 */
export function useJobProgress(jobId: string): { view: JobView | null; error: ipc.IpcError | null } {
  const [view, dispatch] = useReducer(progressReducer, null);
  const [error, setError] = useReducer((_: ipc.IpcError | null, e: ipc.IpcError | null) => e, null);
  useEffect(() => {
    let stop: (() => void) | null = null;
    let cancelled = false;
    ipc
      .onJobChanged((progress) => dispatch({ type: "event", progress }))
      .then((unlisten) => {
        if (cancelled) {
          unlisten();
          return;
        }
        stop = unlisten;
        return ipc.job(jobId).then((detail) => {
          if (!cancelled) dispatch({ type: "detail", detail });
        });
      })
      .catch((e: unknown) => {
        if (!cancelled) setError(ipc.toIpcError(e));
      });
    return () => {
      cancelled = true;
      stop?.();
    };
  }, [jobId]);
  const running = view !== null && !isFinal(view.job);
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => {
      ipc.job(jobId).then(
        (detail) => dispatch({ type: "detail", detail }),
        () => {},
      );
    }, POLL_MS);
    return () => clearInterval(t);
  }, [jobId, running]);
  return { view, error };
}
