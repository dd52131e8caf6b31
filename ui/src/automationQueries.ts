// The automation part of the data cache: the rule, the alerts, the approval queue. Kept
// fresh by `automation-changed` (the breaker opened, proposals wait, a round ended) and
// by the view's own changes; alerts are read live from Defender, so they are polled
// slowly rather than refetched on every sync.
import { useEffect } from "react";
import { useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import * as ipc from "./ipc";
import type { AlertFilter, AlertRow, Proposal, RuleStatus } from "./ipc";

export const automationKeys = {
  rule: ["rule"] as const,
  alertsAll: ["alerts"] as const,
  alerts: (f: AlertFilter) => ["alerts", f] as const,
  proposals: ["proposals"] as const,
};

export function useRule() {
  return useQuery<RuleStatus, Error>({ queryKey: automationKeys.rule, queryFn: ipc.rule, refetchInterval: 60_000 });
}

export function useAlerts(filter: AlertFilter, enabled = true) {
  return useQuery<AlertRow[], Error>({
    queryKey: automationKeys.alerts(filter),
    queryFn: () => ipc.alerts(filter),
    enabled,
    refetchInterval: 60_000,
    placeholderData: (prev) => prev,
  });
}

/** The waiting proposals (the nav badge counts them). */
export function useProposals() {
  return useQuery<Proposal[], Error>({
    queryKey: automationKeys.proposals,
    queryFn: () => ipc.proposals(false),
    // Proposals expire with time, not only with events.
    refetchInterval: 60_000,
  });
}

/** Everything automation shows, refetched. */
export async function refreshAutomation(client: QueryClient): Promise<void> {
  await Promise.all(
    [automationKeys.rule, automationKeys.alertsAll, automationKeys.proposals].map((queryKey) =>
      client.invalidateQueries({ queryKey }),
    ),
  );
}

/** Refetches automation's data on every `automation-changed` event. */
export function useAutomationEvents(): void {
  const client = useQueryClient();
  useEffect(() => {
    let stop: (() => void) | null = null;
    let cancelled = false;
    ipc
      .onAutomationChanged(() => void refreshAutomation(client))
      .then((unlisten) => {
        if (cancelled) unlisten();
        else stop = unlisten;
      })
      .catch((e: unknown) => console.error("cannot listen to automation-changed", e));
    return () => {
      cancelled = true;
      stop?.();
    };
  }, [client]);
}
