import { useEffect, useState } from "react";
import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { FluentProvider } from "@fluentui/react-components";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { MainNav, VIEW_NAMES, type ViewName } from "./components/MainNav";
import { StorageErrorBanner } from "./components/StorageErrorBanner";
import { useAutomationEvents, useProposals } from "./automationQueries";
import { AuditView } from "./views/audit/AuditView";
import { AutomationView } from "./views/automation/AutomationView";
import { HistoryView } from "./views/history/HistoryView";
import { MachinesView } from "./views/machines/MachinesView";
import { ReconciliationView } from "./views/reconciliation/ReconciliationView";
import { SettingsView } from "./views/settings/SettingsView";
import { createQueryClient, useJobEvents, useSyncEvents } from "./queries";
import { oneOf, usePref } from "./lib/prefs";
import { fluentTheme, isThemeChoice } from "./lib/theme";

const DARK = "(prefers-color-scheme: dark)";

/** Light by default; dark when the OS says so. */
function usePrefersDark(): boolean {
  const media = typeof window !== "undefined" && typeof window.matchMedia === "function" ? window.matchMedia(DARK) : null;
  const [dark, setDark] = useState(() => media?.matches ?? false);
  useEffect(() => {
    if (!media) return;
    const on = (e: MediaQueryListEvent) => setDark(e.matches);
    media.addEventListener("change", on);
    return () => media.removeEventListener("change", on);
  }, [media]);
  return dark;
}

const isViewName = oneOf(VIEW_NAMES);

const AREA: Record<ViewName, string> = {
  machines: "The Machines view",
  automation: "The Alerts & rules view",
  reconciliation: "The Reconciliation view",
  history: "The History view",
  audit: "The Audit log view",
  settings: "The Settings view",
};

/** The views behind the header's navigation; the back end's events feed all of them. */
function Views() {
  useSyncEvents();
  useJobEvents();
  useAutomationEvents();
  const waiting = useProposals().data?.length ?? 0;
  // Cordon reopens on the view it was closed on.
  const [view, setView] = usePref<ViewName>("lastView", "machines", isViewName);
  const nav = <MainNav value={view} onChange={setView} badges={{ automation: waiting }} />;
  const body = (() => {
    switch (view) {
      case "machines":
        return <MachinesView nav={nav} />;
      case "automation":
        return <AutomationView nav={nav} />;
      case "reconciliation":
        return <ReconciliationView nav={nav} />;
      case "history":
        return <HistoryView nav={nav} />;
      case "audit":
        return <AuditView nav={nav} />;
      case "settings":
        return <SettingsView nav={nav} />;
    }
  })();
  return (
    <div style={{ display: "flex", flexDirection: "column", height: "100%", minHeight: 0 }}>
      <StorageErrorBanner />
      <div style={{ flex: "1 1 auto", minHeight: 0 }}>
        <ErrorBoundary key={view} area={AREA[view]}>
          {body}
        </ErrorBoundary>
      </div>
    </div>
  );
}

/** The theme the person chose (Settings), over the OS's light or dark. */
function Themed() {
  const dark = usePrefersDark();
  const [choice] = usePref("theme", "system", isThemeChoice);
  return (
    <FluentProvider theme={fluentTheme(choice, dark)} style={{ height: "100vh" }} data-theme={choice}>
      <Views />
    </FluentProvider>
  );
}

export function App({ queryClient }: { queryClient?: QueryClient }) {
  const [client] = useState(() => queryClient ?? createQueryClient());
  return (
    <QueryClientProvider client={client}>
      <Themed />
    </QueryClientProvider>
  );
}
