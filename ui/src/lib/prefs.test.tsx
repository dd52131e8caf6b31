import { describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { App } from "../App";
import { createQueryClient } from "../queries";
import { mockBackend, type CommandName, type Handler } from "../ipc/testing";
import { tenant } from "../test/fixtures";
import { fakeGrid } from "../test/gridFake";
import { readPref } from "./prefs";
import { fluentTheme, isThemeChoice } from "./theme";
import { teamsHighContrastTheme, webDarkTheme, webLightTheme } from "@fluentui/react-components";

const INFO = {
  version: "0.1.0",
  demo: true,
  tenantLabel: "Demo tenant (simulated)",
  apiBase: "http://127.0.0.1:41234/",
  permissions: ["Machine.Isolate"],
  mayIsolate: true,
};

function start(handlers: Partial<Record<CommandName, Handler>>) {
  const backend = mockBackend({
    app_info: () => INFO,
    ...fakeGrid(tenant().list).handlers,
    list_profiles: () => ({
      profiles: [],
      current: { kind: "demo" },
      secretStorage: { kind: "os", description: "OS credential store", problem: null },
    }),
    ...handlers,
  });
  render(<App queryClient={createQueryClient()} />);
  return { backend, user: userEvent.setup() };
}

const provider = () => document.querySelector("[data-theme]")!;

describe("UI preferences", () => {
  it("reads a preference only when it parses and has the right shape", () => {
    expect(readPref({ theme: '"dark"' }, "theme", isThemeChoice)).toBe("dark");
    expect(readPref({ theme: '"purple"' }, "theme", isThemeChoice)).toBeUndefined();
    expect(readPref({ theme: "dark" }, "theme", isThemeChoice)).toBeUndefined();
    expect(readPref({}, "theme", isThemeChoice)).toBeUndefined();
    expect(readPref(undefined, "theme", isThemeChoice)).toBeUndefined();
  });

  it("maps each theme choice to a Fluent theme, the system's following the OS", () => {
    expect(fluentTheme("system", false)).toBe(webLightTheme);
    expect(fluentTheme("system", true)).toBe(webDarkTheme);
    expect(fluentTheme("light", true)).toBe(webLightTheme);
    expect(fluentTheme("dark", false)).toBe(webDarkTheme);
    expect(fluentTheme("highContrast", false)).toBe(teamsHighContrastTheme);
  });

  it("reopens on the last view with the chosen theme, and keeps a new choice", async () => {
    const { backend, user } = start({
      ui_prefs: () => ({ theme: '"highContrast"', lastView: '"settings"' }),
    });
    expect(await screen.findByTestId("settings-view")).toBeTruthy();
    expect(provider().getAttribute("data-theme")).toBe("highContrast");
    expect((screen.getByTestId("theme-highContrast") as HTMLInputElement).checked).toBe(true);

    await user.click(screen.getByLabelText("Dark"));
    await waitFor(() => expect(provider().getAttribute("data-theme")).toBe("dark"));
    expect(backend.callsTo("set_ui_pref").map((c) => c.args)).toEqual([{ key: "theme", json: '"dark"' }]);

    await user.click(screen.getByTestId("nav-machines"));
    await screen.findByTestId("machine-grid");
    expect(backend.callsTo("set_ui_pref").at(-1)!.args).toEqual({ key: "lastView", json: '"machines"' });
  });

  it("uses the defaults when the preferences cannot be read or are of another shape", async () => {
    start({
      ui_prefs: () => {
        throw { kind: "internal", message: "ui-prefs.json is damaged" };
      },
    });
    expect(await screen.findByTestId("machine-grid")).toBeTruthy();
    expect(provider().getAttribute("data-theme")).toBe("system");
  });

  it("ignores a stored view that no longer exists", async () => {
    start({ ui_prefs: () => ({ lastView: '"reports"', theme: "42" }) });
    expect(await screen.findByTestId("machine-grid")).toBeTruthy();
    expect(provider().getAttribute("data-theme")).toBe("system");
  });
});
