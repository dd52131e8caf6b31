import { describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClientProvider } from "@tanstack/react-query";
import { FluentProvider, webLightTheme } from "@fluentui/react-components";
import { createQueryClient } from "../../queries";
import { mockBackend, type CommandName, type Handler } from "../../ipc/testing";
import type { About } from "../../ipc";
import { AboutPanel } from "./AboutPanel";

const ABOUT: About = {
  version: "0.1.0",
  build: "469f9f5",
  dataDir: "/home/a/.local/share/com.cordon.desktop",
  logDir: "/home/a/.local/share/com.cordon.desktop/logs",
};

function start(handlers: Partial<Record<CommandName, Handler>>) {
  const backend = mockBackend(handlers);
  const user = userEvent.setup();
  render(
    <FluentProvider theme={webLightTheme}>
      <QueryClientProvider client={createQueryClient()}>
        <AboutPanel />
      </QueryClientProvider>
    </FluentProvider>,
  );
  return { backend, user };
}

describe("About panel", () => {
  it("shows the version, the build, the data folder and the log folder", async () => {
    start({ about: () => ABOUT });
    expect((await screen.findByTestId("about-version")).textContent).toBe("0.1.0");
    expect((screen.getByTestId("about-build")).textContent).toBe("469f9f5");
    expect((screen.getByTestId("about-data-dir")).textContent).toBe("/home/a/.local/share/com.cordon.desktop");
    expect((screen.getByTestId("about-log-dir")).textContent).toBe("/home/a/.local/share/com.cordon.desktop/logs");
  });

  it("asks the back end to open the log folder, once per click", async () => {
    const { backend, user } = start({ about: () => ABOUT, open_logs_folder: () => null });
    await screen.findByTestId("about-version");
    await user.click(screen.getByTestId("open-logs"));
    await waitFor(() => expect(backend.callsTo("open_logs_folder")).toHaveLength(1));
    expect(screen.queryByTestId("open-logs-error")).toBeNull();
  });

  it("says why the folder could not be opened", async () => {
    const { user } = start({
      about: () => ABOUT,
      open_logs_folder: () => {
        throw { kind: "internal", message: "Could not open /home/a/logs: no file manager" };
      },
    });
    await screen.findByTestId("about-version");
    await user.click(screen.getByTestId("open-logs"));
    expect((await screen.findByTestId("open-logs-error")).textContent).toContain("Could not open /home/a/logs: no file manager");
  });

  it("offers no open button when there is no log folder", async () => {
    start({ about: () => ({ ...ABOUT, logDir: null }) });
    expect((await screen.findByTestId("about-log-dir")).textContent).toBe("None (logging to the console only)");
    expect(screen.getByTestId("open-logs").hasAttribute("disabled")).toBe(true);
  });
});
