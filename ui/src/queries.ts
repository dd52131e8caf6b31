// The data cache: TanStack Query over the IPC functions, kept fresh by `sync-changed`.
import { useEffect } from "react";
import {
  MutationCache,
  QueryCache,
  QueryClient,
  keepPreviousData,
  useInfiniteQuery,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
import * as ipc from "./ipc";
import type {
  AppInfo,
  AuditFilter,
  AuditPage,
  Counters,
  GridFilter,
  GridPage,
  GridQuery,
  History,
  HistoryFilter,
  IsolationGroup,
  JobSummary,
  MachineDetail,
  ReconcileSettings,
  ReconRow,
  SettingsView,
  SyncStatus,
} from "./ipc";
import { reportStorageError } from "./lib/storageError";

export const queryKeys = {
  appInfo: ["appInfo"] as const,
  about: ["about"] as const,
  /** Every window and counter of the machine grid (what a change refetches). */
  gridAll: ["grid"] as const,
  gridPage: (q: GridQuery) => ["grid", "page", q] as const,
  gridCounters: (f: GridFilter) => ["grid", "counters", f] as const,
  /** The store's change cursor of the newest window read (not under `grid`: never refetched). */
  gridCursor: ["gridCursor"] as const,
  /** The latest sync status the back end pushed (`sync-changed`). */
  syncStatus: ["syncStatus"] as const,
  /** The grid's search, filters, sort and selection (views/machines/gridState.ts). */
  gridUi: ["gridUi"] as const,
  machineDetailAll: ["machineDetail"] as const,
  machineDetail: (id: string) => ["machineDetail", id] as const,
  settings: ["settings"] as const,
  groups: ["groups"] as const,
  recon: ["reconciliation"] as const,
  reconSettings: ["reconcileSettings"] as const,
  jobs: ["jobs"] as const,
  historyAll: ["history"] as const,
  history: (f: HistoryFilter) => ["history", f] as const,
  auditAll: ["audit"] as const,
  jobOutcomesAll: ["jobOutcomes"] as const,
  jobOutcomes: (id: string) => ["jobOutcomes", id] as const,
  audit: (f: AuditFilter) => ["audit", f] as const,
};

/** The queries whose data the journal (jobs) and the sync both change. */
const DERIVED = [queryKeys.groups, queryKeys.recon, queryKeys.jobs, queryKeys.historyAll, queryKeys.auditAll, queryKeys.jobOutcomesAll];

export function createQueryClient(): QueryClient {
  return new QueryClient({
    // A failure of the local store blocks the window (banner), whichever view saw it.
    queryCache: new QueryCache({ onError: reportStorageError }),
    mutationCache: new MutationCache({ onError: reportStorageError }),
    defaultOptions: {
      queries: {
        // The back end already retries and paces its calls to Defender; a failure that
        // reaches the window is final and is shown, not hidden behind silent retries.
        retry: false,
        refetchOnWindowFocus: false,
        // Fresh until the back end says otherwise (sync-changed).
        staleTime: Infinity,
      },
      mutations: { retry: false },
    },
  });
}

/** Version, build and folders (the About panel); they do not change while Cordon runs. */
export function useAbout() {
  return useQuery<ipc.About, Error>({ queryKey: queryKeys.about, queryFn: ipc.about, staleTime: Infinity });
}

export function useAppInfo() {
  return useQuery<AppInfo, Error>({ queryKey: queryKeys.appInfo, queryFn: ipc.appInfo });
}

/**
 * One window of the machine grid. Kept per (query, window): scrolling back to a window
 * already read shows it at once; while a new one loads, the previous stays on screen.
 */
export function useGridPage(query: GridQuery) {
  const client = useQueryClient();
  return useQuery<GridPage, Error>({
    queryKey: queryKeys.gridPage(query),
    queryFn: async () => {
      const page = await ipc.gridPage(query);
      client.setQueryData<number>(queryKeys.gridCursor, (old) => Math.max(old ?? 0, page.cursor));
      return page;
    },
    placeholderData: keepPreviousData,
  });
}

/** The state counters of the machines matching `filter`, counted by the core. */
export function useGridCounters(filter: GridFilter, enabled = true) {
  return useQuery<Counters, Error>({
    queryKey: queryKeys.gridCounters(filter),
    queryFn: () => ipc.gridCounters(filter),
    placeholderData: keepPreviousData,
    enabled,
  });
}

/**
 * The sync status: the last one pushed by `sync-changed` (or Retry); before any, what
 * the store says (`asOf` of the grid's window): the last known fleet, "as of" its sync.
 */
export function useSyncStatus(asOf: string | null | undefined): { status: SyncStatus | undefined; pushedAt: number } {
  const q = useQuery<SyncStatus | null>({
    queryKey: queryKeys.syncStatus,
    queryFn: () => null,
    enabled: false,
    staleTime: Infinity,
    gcTime: Infinity,
  });
  const pushed = q.data;
  if (pushed) return { status: pushed, pushedAt: q.dataUpdatedAt };
  if (asOf === undefined) return { status: undefined, pushedAt: 0 };
  return { status: { revision: 0, syncedAt: asOf, error: null, loading: asOf === null }, pushedAt: 0 };
}

/**
 * Asks the core what moved since the newest window read; refetches the grid's windows
 * and counters (and an open drawer) only when something did. An idle sync moves no
 * machine data. Calls run one at a time.
 */
export function gridChangeChecker(client: QueryClient): () => Promise<void> {
  let chain: Promise<void> = Promise.resolve();
  const check = async () => {
    const cursor = client.getQueryData<number>(queryKeys.gridCursor);
    if (cursor === undefined) {
      // No window read yet: whatever is asked next is fresh anyway.
      await client.invalidateQueries({ queryKey: queryKeys.gridAll });
      return;
    }
    const changes = await ipc.gridChanges(cursor);
    if (changes.changed + changes.removed === 0) return;
    client.setQueryData<number>(queryKeys.gridCursor, (old) => Math.max(old ?? 0, changes.cursor));
    await Promise.all([
      client.invalidateQueries({ queryKey: queryKeys.gridAll }),
      client.invalidateQueries({ queryKey: queryKeys.machineDetailAll }),
    ]);
  };
  return () => {
    chain = chain.then(check).catch((e: unknown) => console.error("cannot read the grid's changes", e));
    return chain;
  };
}

export function useSettings() {
  return useQuery<SettingsView, Error>({ queryKey: queryKeys.settings, queryFn: ipc.listProfiles });
}

/**
 * After a switch of tenant: the old tenant's machines must never show under the new
 * one, so they are dropped (not just marked stale), and everything is fetched again.
 */
export async function afterTenantSwitch(client: QueryClient, info: AppInfo): Promise<void> {
  client.setQueryData(queryKeys.appInfo, info);
  client.removeQueries({ queryKey: queryKeys.gridAll });
  client.removeQueries({ queryKey: queryKeys.gridCursor });
  client.removeQueries({ queryKey: queryKeys.syncStatus });
  // The search and filters stay; the old tenant's machines leave the selection.
  client.setQueryData<Record<string, unknown>>(queryKeys.gridUi, (old) => (old ? { ...old, picked: {}, allMatching: false } : old));
  client.removeQueries({ queryKey: queryKeys.machineDetailAll });
  for (const key of DERIVED) client.removeQueries({ queryKey: key });
  await Promise.all([
    client.invalidateQueries({ queryKey: queryKeys.appInfo }),
    client.invalidateQueries({ queryKey: queryKeys.settings }),
  ]);
}

export function useMachineDetail(machineId: string | null) {
  return useQuery<MachineDetail, Error>({
    queryKey: queryKeys.machineDetail(machineId ?? ""),
    queryFn: () => ipc.machineDetail(machineId ?? ""),
    enabled: machineId !== null,
  });
}

/**
 * Keeps the views current on `sync-changed`: the status shows at once, the grid asks
 * the core what changed (and refetches only then), the job-derived views refetch.
 * A slow safety net (every `safetyMs`) asks for changes too, in case an event was lost.
 */
export function useSyncEvents(safetyMs = 60_000): void {
  const client = useQueryClient();
  useEffect(() => {
    let stop: (() => void) | null = null;
    let cancelled = false;
    const check = gridChangeChecker(client);
    const timer = setInterval(() => void check(), safetyMs);
    ipc
      .onSyncChanged((status) => {
        client.setQueryData<SyncStatus | null>(queryKeys.syncStatus, status);
        void check();
        // The token's permissions are known after the first sync (and change with a
        // switch of tenant): the read-only hiding follows them.
        void client.invalidateQueries({ queryKey: queryKeys.appInfo });
        for (const key of DERIVED) void client.invalidateQueries({ queryKey: key });
      })
      .then((unlisten) => {
        if (cancelled) unlisten();
        else stop = unlisten;
      })
      .catch((e: unknown) => console.error("cannot listen to sync-changed", e));
    return () => {
      cancelled = true;
      clearInterval(timer);
      stop?.();
    };
  }, [client, safetyMs]);
}

export function useGroups(enabled = true) {
  return useQuery<IsolationGroup[], Error>({ queryKey: queryKeys.groups, queryFn: ipc.groups, enabled });
}

/** Every job, newest first (running ones are shown with their progress). */
export function useJobs() {
  return useQuery<JobSummary[], Error>({ queryKey: queryKeys.jobs, queryFn: ipc.jobs });
}

export function useReconciliation() {
  return useQuery<ReconRow[], Error>({
    queryKey: queryKeys.recon,
    queryFn: ipc.reconciliation,
    // "Next step at …" ages with time, not only with events.
    refetchInterval: 30_000,
  });
}

/**
 * Defender's status of each action of a job now (refetched on every sync: the sync
 * loop polls fast while isolation work moves), once the job has sent what it sends.
 */
export function useJobOutcomes(jobId: string, enabled: boolean) {
  return useQuery<ipc.WaitReport, Error>({
    queryKey: queryKeys.jobOutcomes(jobId),
    queryFn: () => ipc.jobOutcomes(jobId),
    enabled,
  });
}

export function useReconcileSettings() {
  return useQuery<ReconcileSettings, Error>({ queryKey: queryKeys.reconSettings, queryFn: ipc.reconcileSettings });
}

/** Where the page after `shown` rows of `total` starts, or `undefined` when none is left. */
export function nextOffset(page: { offset: number; total: number }, shown: number): number | undefined {
  const next = page.offset + shown;
  return shown > 0 && next < page.total ? next : undefined;
}

/**
 * The History view's rows a page at a time (the back end's default page, newest first):
 * `fetchNextPage` loads the next, older page. The chart and the total come with every
 * page and count every match.
 */
export function useHistory(filter: HistoryFilter) {
  return useInfiniteQuery({
    queryKey: queryKeys.history(filter),
    queryFn: ({ pageParam }) => ipc.history({ ...filter, offset: pageParam }),
    initialPageParam: 0,
    getNextPageParam: (last: History) => nextOffset(last, last.rows.length),
    placeholderData: (prev) => prev,
  });
}

/**
 * The audit log a page at a time. Pages count from the newest entry (the first page is
 * the latest entries, oldest first within it); `fetchNextPage` loads older entries.
 */
export function useAudit(filter: AuditFilter) {
  return useInfiniteQuery({
    queryKey: queryKeys.audit(filter),
    queryFn: ({ pageParam }) => ipc.audit({ ...filter, offset: pageParam }),
    initialPageParam: 0,
    getNextPageParam: (last: AuditPage) => nextOffset(last, last.entries.length),
    placeholderData: (prev) => prev,
  });
}

/** `items` without repeats of a key (a refetch may shift a page by a new entry). */
export function dedupe<T, K>(items: T[], key: (t: T) => K): T[] {
  const seen = new Set<K>();
  return items.filter((t) => {
    const k = key(t);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** "1,000 of 12,345 entries": how much of the matches is shown. */
export function shownOf(shown: number, total: number, one: string, many: string): string {
  const n = (v: number) => v.toLocaleString("en-US");
  const noun = total === 1 ? one : many;
  return shown >= total ? `${n(total)} ${noun}` : `${n(shown)} of ${n(total)} ${noun}`;
}

/**
 * Keeps the job-derived views fresh while bulk work moves: `jobChanged` can fire many
 * times a second, so the refetches are batched to at most one per `everyMs`.
 */
export function useJobEvents(everyMs = 1000): void {
  const client = useQueryClient();
  useEffect(() => {
    let stop: (() => void) | null = null;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const flush = () => {
      timer = null;
      for (const key of DERIVED) void client.invalidateQueries({ queryKey: key });
    };
    ipc
      .onJobChanged((p) => {
        if (p.job.error) reportStorageError(new ipc.IpcFailure(p.job.error));
        if (timer === null) timer = setTimeout(flush, everyMs);
      })
      .then((unlisten) => {
        if (cancelled) unlisten();
        else stop = unlisten;
      })
      .catch((e: unknown) => console.error("cannot listen to job-changed", e));
    return () => {
      cancelled = true;
      if (timer !== null) clearTimeout(timer);
      stop?.();
    };
  }, [client, everyMs]);
}
