import { useEffect, useState } from "react";
import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { FluentProvider, webDarkTheme, webLightTheme } from "@fluentui/react-components";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { MainNav, type ViewName } from "./components/MainNav";
import { MachinesView } from "./views/machines/MachinesView";
import { SettingsView } from "./views/settings/SettingsView";
import { createQueryClient, useSyncEvents } from "./queries";

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

/** The views behind the header's navigation; the back end's events feed both. */
function Views() {
  useSyncEvents();
  const [view, setView] = useState<ViewName>("machines");
  const nav = <MainNav value={view} onChange={setView} />;
  return view === "machines" ? (
    <ErrorBoundary area="The Machines view">
      <MachinesView nav={nav} />
    </ErrorBoundary>
  ) : (
    <ErrorBoundary area="The Settings view">
      <SettingsView nav={nav} />
    </ErrorBoundary>
  );
}

export function App({ queryClient }: { queryClient?: QueryClient }) {
  const [client] = useState(() => queryClient ?? createQueryClient());
  const dark = usePrefersDark();
  return (
    <QueryClientProvider client={client}>
      <FluentProvider theme={dark ? webDarkTheme : webLightTheme} style={{ height: "100vh" }}>
        <Views />
      </FluentProvider>
    </QueryClientProvider>
  );
}
