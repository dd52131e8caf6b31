import { useEffect, useState } from "react";
import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { FluentProvider, webDarkTheme, webLightTheme } from "@fluentui/react-components";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { MachinesView } from "./views/machines/MachinesView";
import { createQueryClient } from "./queries";

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

export function App({ queryClient }: { queryClient?: QueryClient }) {
  const [client] = useState(() => queryClient ?? createQueryClient());
  const dark = usePrefersDark();
  return (
    <QueryClientProvider client={client}>
      <FluentProvider theme={dark ? webDarkTheme : webLightTheme} style={{ height: "100vh" }}>
        <ErrorBoundary area="The Machines view">
          <MachinesView />
        </ErrorBoundary>
      </FluentProvider>
    </QueryClientProvider>
  );
}
