// The data cache: TanStack Query over the IPC functions, kept fresh by `sync-changed`.
import { useEffect } from "react";
import { QueryClient, useQuery, useQueryClient } from "@tanstack/react-query";
import * as ipc from "./ipc";
import type { AppInfo, MachineDetail, SettingsView, Snapshot } from "./ipc";

export const queryKeys = {
  appInfo: ["appInfo"] as const,
  snapshot: ["snapshot"] as const,
  machineDetailAll: ["machineDetail"] as const,
  machineDetail: (id: string) => ["machineDetail", id] as const,
  settings: ["settings"] as const,
};

export function createQueryClient(): QueryClient {
  return new QueryClient({
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

export function useAppInfo() {
  return useQuery<AppInfo, Error>({ queryKey: queryKeys.appInfo, queryFn: ipc.appInfo });
}

export function useSnapshot() {
  return useQuery<Snapshot, Error>({
    queryKey: queryKeys.snapshot,
    queryFn: ipc.snapshot,
    // A safety net only: events are what keep the grid current.
    refetchInterval: 60_000,
  });
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
  client.removeQueries({ queryKey: queryKeys.snapshot });
  client.removeQueries({ queryKey: queryKeys.machineDetailAll });
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

/** Refetches the snapshot and open details whenever the back end's data changes. */
export function useSyncEvents(): void {
  const client = useQueryClient();
  useEffect(() => {
    let stop: (() => void) | null = null;
    let cancelled = false;
    ipc
      .onSyncChanged((status) => {
        // Show the new sync status at once; the rows follow with the refetch.
        client.setQueryData<Snapshot>(queryKeys.snapshot, (old) =>
          old ? { ...old, sync: status } : old,
        );
        void client.invalidateQueries({ queryKey: queryKeys.snapshot });
        void client.invalidateQueries({ queryKey: queryKeys.machineDetailAll });
        // The token's permissions are known after the first sync (and change with a
        // switch of tenant): the read-only hiding follows them.
        void client.invalidateQueries({ queryKey: queryKeys.appInfo });
      })
      .then((unlisten) => {
        if (cancelled) unlisten();
        else stop = unlisten;
      })
      .catch((e: unknown) => console.error("cannot listen to sync-changed", e));
    return () => {
      cancelled = true;
      stop?.();
    };
  }, [client]);
}
