import { describe, expect, it } from "vitest";
import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { App } from "../../App";
import { createQueryClient } from "../../queries";
import { emitDeviceCodePrompt, mockBackend, type CommandName, type Handler } from "../../ipc/testing";
import type { AppInfo, ConnectionTest, ProfileView, SettingsView } from "../../ipc";
import { makeDetail, makeSnapshot, tenant } from "../../test/fixtures";
import { fakeGrid } from "../../test/gridFake";

const DEMO_INFO: AppInfo = {
  version: "0.1.0",
  demo: true,
  tenantLabel: "Demo tenant (simulated)",
  apiBase: "http://127.0.0.1:41234/",
  permissions: ["Machine.Isolate", "Machine.Read.All"],
  mayIsolate: true,
};

function profile(name: string, over: Partial<ProfileView["profile"]> = {}, view: Partial<ProfileView> = {}): ProfileView {
  return {
    profile: {
      name,
      tenantId: "11111111-1111-1111-1111-111111111111",
      clientId: "33333333-3333-3333-3333-333333333333",
      cloud: "global",
      authMode: "clientSecret",
      authority: null,
      apiBase: null,
      certificatePath: null,
      ...over,
    },
    hasSecret: true,
    signedInAs: null,
    active: false,
    ...view,
  };
}

function settings(profiles: ProfileView[], over: Partial<SettingsView> = {}): SettingsView {
  return {
    profiles,
    current: { kind: "demo" },
    secretStorage: { kind: "os", description: "OS credential store", problem: null },
    ...over,
  };
}

function start(handlers: Partial<Record<CommandName, Handler>>, info: AppInfo = DEMO_INFO) {
  const { list } = tenant();
  const snap = makeSnapshot(list);
  const backend = mockBackend({
    app_info: () => info,
    ...fakeGrid(list).handlers,
    machine_detail: ({ machineId }: { machineId: string }) => makeDetail(snap.machines.find((m) => m.id === machineId)!),
    list_profiles: () => settings([]),
    ...handlers,
  });
  const user = userEvent.setup();
  render(<App queryClient={createQueryClient()} />);
  return { backend, user, snap };
}

async function openSettings(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByTestId("nav-settings"));
  return screen.findByTestId("settings-view");
}

/** Types a value at once (paste): the form's behaviour, not keystroke timing, is under test. */
async function fill(user: ReturnType<typeof userEvent.setup>, testId: string, value: string) {
  await user.click(screen.getByTestId(testId));
  await user.paste(value);
}

const rowOf = (name: string) =>
  screen.getAllByTestId("profile-row").find((r) => r.getAttribute("data-name") === name)!;

describe("Settings view", () => {
  it("adds a profile: the payload is the form, the secret is sent once, the form is cleared", { timeout: 30000 }, async () => {
    let saved: ProfileView[] = [];
    const { user, backend } = start({
      list_profiles: () => settings(saved),
      save_profile: ({ input }: { input: { profile: ProfileView["profile"]; secret: string | null } }) => {
        saved = [profile(input.profile.name, input.profile)];
        return saved[0];
      },
    });
    await openSettings(user);
    await fill(user, "profile-name", "  Contoso SOC ");
    await user.selectOptions(screen.getByTestId("profile-cloud"), "custom");
    await fill(user, "profile-tenant", "11111111-1111-1111-1111-111111111111");
    await fill(user, "profile-client", "33333333-3333-3333-3333-333333333333");
    await fill(user, "profile-authority", "http://127.0.0.1:41234");
    await fill(user, "profile-api-base", "http://127.0.0.1:41234");
    // Delegated sign-in is the default; an app secret is an explicit choice, with advice.
    expect((screen.getByTestId("auth-mode-browser") as HTMLInputElement).checked).toBe(true);
    expect(screen.queryByTestId("profile-secret")).toBeNull();
    await user.click(screen.getByTestId("auth-mode-clientSecret"));
    expect(screen.getByTestId("secret-advice").textContent).toContain("Prefer browser sign-in");
    const secret = screen.getByTestId("profile-secret") as HTMLInputElement;
    expect(secret.type).toBe("password");
    await fill(user, "profile-secret", "s3cret-value");
    await user.click(screen.getByTestId("profile-save"));

    await waitFor(() => expect(backend.callsTo("save_profile")).toHaveLength(1));
    expect(backend.callsTo("save_profile")[0]!.args).toEqual({
      input: {
        profile: {
          name: "Contoso SOC",
          tenantId: "11111111-1111-1111-1111-111111111111",
          clientId: "33333333-3333-3333-3333-333333333333",
          cloud: "custom",
          authMode: "clientSecret",
          authority: "http://127.0.0.1:41234",
          apiBase: "http://127.0.0.1:41234",
          certificatePath: null,
          teamStore: null,
        },
        secret: "s3cret-value",
        teamStorePassword: null,
      },
    });
    // The secret went once, in save_profile only.
    const withSecret = backend.calls.filter((c) => JSON.stringify(c.args ?? null).includes("s3cret-value"));
    expect(withSecret.map((c) => c.cmd)).toEqual(["save_profile"]);
    await waitFor(() => expect(rowOf("Contoso SOC")).toBeTruthy());
    expect(within(rowOf("Contoso SOC")).getByTestId("profile-credential").textContent).toBe("A secret is stored");
    expect((screen.getByTestId("profile-name") as HTMLInputElement).value).toBe("");
    // The cleared form is back to the default sign-in, with no secret field.
    expect(screen.queryByTestId("profile-secret")).toBeNull();
    expect((screen.getByTestId("auth-mode-browser") as HTMLInputElement).checked).toBe(true);
    expect(document.body.innerHTML).not.toContain("s3cret-value");
  });

  it("states what each field needs before sending, and shows the back end's field error", async () => {
    const { user, backend } = start({
      save_profile: () => {
        throw { kind: "validation", field: "apiBase", message: "“ftp://x” cannot be used: use https." };
      },
    });
    await openSettings(user);
    await fill(user, "profile-tenant", "not-a-guid");
    await user.click(screen.getByTestId("profile-save"));
    expect((await screen.findByTestId("field-error-name")).textContent).toMatch(/name/);
    expect(screen.getByTestId("field-error-tenantId").textContent).toMatch(/tenant/);
    expect(screen.getByTestId("field-error-clientId").textContent).toMatch(/client/);
    expect(backend.callsTo("save_profile")).toHaveLength(0);

    // The certificate mode needs its file; the secret field is only for the secret mode.
    await user.click(screen.getByTestId("auth-mode-certificate"));
    expect(screen.queryByTestId("profile-secret")).toBeNull();
    await user.click(screen.getByTestId("profile-save"));
    expect((await screen.findByTestId("field-error-certificatePath")).textContent).toMatch(/certificate file/);

    // Valid locally, refused by the back end: the message lands at its field.
    await user.click(screen.getByTestId("auth-mode-browser"));
    await fill(user, "profile-name", "Lab");
    await user.clear(screen.getByTestId("profile-tenant"));
    await fill(user, "profile-tenant", "11111111-1111-1111-1111-111111111111");
    await fill(user, "profile-client", "44444444-4444-4444-4444-444444444444");
    await user.selectOptions(screen.getByTestId("profile-cloud"), "custom");
    await fill(user, "profile-authority", "https://login.example");
    await fill(user, "profile-api-base", "https://api.example");
    await user.click(screen.getByTestId("profile-save"));
    expect((await screen.findByTestId("field-error-apiBase")).textContent).toContain("cannot be used");
    expect(backend.callsTo("save_profile")[0]!.args).toMatchObject({ input: { secret: null } });
  });

  it("removes a profile only after confirmation", async () => {
    let profiles = [profile("Prod"), profile("Lab")];
    const { user, backend } = start({
      list_profiles: () => settings(profiles),
      remove_profile: ({ name }: { name: string }) => {
        profiles = profiles.filter((p) => p.profile.name !== name);
        return null;
      },
    });
    await openSettings(user);
    await waitFor(() => expect(screen.getAllByTestId("profile-row")).toHaveLength(2));
    await user.click(within(rowOf("Lab")).getByTestId("profile-remove"));
    expect(screen.getByTestId("remove-confirmation").textContent).toContain("Lab");
    await user.click(screen.getByTestId("cancel-remove"));
    expect(backend.callsTo("remove_profile")).toHaveLength(0);
    await user.click(within(rowOf("Lab")).getByTestId("profile-remove"));
    await user.click(screen.getByTestId("confirm-remove"));
    await waitFor(() => expect(screen.getAllByTestId("profile-row")).toHaveLength(1));
    expect(backend.callsTo("remove_profile").map((c) => c.args)).toEqual([{ name: "Lab" }]);
  });

  it("shows the granted permissions of a connection test and what they allow", async () => {
    const results: Record<string, ConnectionTest> = {
      Reader: { ok: true, permissions: ["Machine.Read.All", "Alert.Read.All"], mayIsolate: false, machineCount: 412, account: null, error: null },
      Analyst: { ok: true, permissions: ["Machine.Isolate", "Machine.ReadWrite.All"], mayIsolate: true, machineCount: 412, account: null, error: null },
      Broken: { ok: false, permissions: [], mayIsolate: false, machineCount: 0, account: null, error: { kind: "auth", message: "The client secret was refused.", code: "AADSTS7000215", correlationId: null } },
    };
    const { user } = start({
      list_profiles: () => settings(Object.keys(results).map((n) => profile(n))),
      test_connection: ({ name }: { name: string }) => results[name],
    });
    await openSettings(user);
    await waitFor(() => expect(screen.getAllByTestId("profile-row")).toHaveLength(3));
    for (const name of Object.keys(results)) await user.click(within(rowOf(name)).getByTestId("profile-test"));

    const reader = within(rowOf("Reader"));
    await waitFor(() => expect(reader.getByTestId("connection-verdict")).toBeTruthy());
    expect(reader.getAllByTestId("permission").map((b) => b.textContent)).toEqual(["Machine.Read.All", "Alert.Read.All"]);
    expect(reader.getByTestId("connection-verdict").textContent).toBe("Read-only: isolate and release are hidden.");
    expect(reader.getByTestId("connection-result").textContent).toContain("412 machines");
    const analyst = within(rowOf("Analyst"));
    await waitFor(() => expect(analyst.getByTestId("connection-verdict").textContent).toBe("Can isolate and release."));
    const broken = within(rowOf("Broken"));
    await waitFor(() => expect(broken.getByTestId("connection-error").textContent).toContain("The client secret was refused."));
  });

  it("shows the device code and its URL while a device-code sign-in waits", async () => {
    let finish: (v: ProfileView) => void = () => {};
    let signedIn = false;
    const view = () => profile("Laptop", { authMode: "deviceCode", clientId: "44444444-4444-4444-4444-444444444444" }, { hasSecret: signedIn, signedInAs: signedIn ? "analyst@contoso.example" : null });
    const { user, backend } = start({
      list_profiles: () => settings([view()]),
      sign_in: () => new Promise<ProfileView>((resolve) => (finish = resolve)),
    });
    await openSettings(user);
    await waitFor(() => expect(rowOf("Laptop")).toBeTruthy());
    expect(within(rowOf("Laptop")).getByTestId("profile-credential").textContent).toBe("Not signed in");
    await user.click(within(rowOf("Laptop")).getByTestId("profile-signin"));
    await waitFor(() => expect(backend.callsTo("sign_in")).toHaveLength(1));
    await act(() =>
      emitDeviceCodePrompt({
        profile: "Laptop",
        userCode: "ABCD-EFGH",
        verificationUri: "https://microsoft.com/devicelogin",
        message: "To sign in, use a web browser…",
        expiresInSecs: 900,
      }),
    );
    const card = await screen.findByTestId("device-code");
    expect(within(card).getByTestId("device-code-value").textContent).toBe("ABCD-EFGH");
    expect(within(card).getByTestId("device-code-url").textContent).toBe("https://microsoft.com/devicelogin");
    expect(card.textContent).toContain("15 min");
    await user.click(within(card).getByTestId("copy-device-code"));
    // user-event's clipboard stands in for the system's.
    await waitFor(() => expect(within(card).getByTestId("copy-device-code").textContent).toBe("Copied"));
    expect(await navigator.clipboard.readText()).toBe("ABCD-EFGH");
    signedIn = true;
    await act(async () => finish(view()));
    await waitFor(() => expect(screen.queryByTestId("device-code")).toBeNull());
    await waitFor(() =>
      expect(within(rowOf("Laptop")).getByTestId("profile-credential").textContent).toBe("Signed in as analyst@contoso.example"),
    );
  });

  it("switching profile refetches the machines and hides actions for a read-only token", async () => {
    let info = DEMO_INFO;
    let current: SettingsView["current"] = { kind: "demo" };
    const { user, backend, snap } = start({
      app_info: () => info,
      list_profiles: () => settings([profile("Reader")], { current }),
      switch_profile: ({ name }: { name: string | null }) => {
        info = { ...DEMO_INFO, demo: false, tenantLabel: name ?? "Demo", permissions: ["Machine.Read.All"], mayIsolate: false };
        current = name ? { kind: "profile", name } : { kind: "demo" };
        return info;
      },
    });
    await waitFor(() => expect(screen.getAllByTestId("machine-row").length).toBeGreaterThan(0));
    const pagesBefore = backend.callsTo("grid_page").length;
    await openSettings(user);
    expect(within(screen.getByTestId("demo-entry")).getByTestId("active-badge")).toBeTruthy();
    await user.click(within(rowOf("Reader")).getByTestId("profile-use"));
    await waitFor(() => expect(within(rowOf("Reader")).queryByTestId("active-badge")).toBeTruthy());
    expect(backend.callsTo("switch_profile").map((c) => c.args)).toEqual([{ name: "Reader" }]);
    expect(screen.getByTestId("tenant-label").textContent).toBe("Reader");

    await user.click(screen.getByTestId("nav-machines"));
    await waitFor(() => expect(backend.callsTo("grid_page").length).toBeGreaterThan(pagesBefore));
    expect(screen.queryByTestId("demo-banner")).toBeNull();
    const db = snap.machines.find((m) => m.state === "isolated")!;
    const row = await waitFor(() => screen.getAllByTestId("machine-row").find((r) => r.getAttribute("data-machine-id") === db.id)!);
    await user.click(row);
    const drawer = await screen.findByTestId("machine-detail");
    expect(within(drawer).getByTestId("no-permission").textContent).toBe(
      "This profile's token lacks Machine.Isolate: it is read-only. Isolate and release are hidden.",
    );
    expect(within(drawer).queryByTestId("action-release")).toBeNull();
  });

  it("says plainly when secure storage is unavailable, and when secrets are only in memory", async () => {
    const { user } = start({
      list_profiles: () =>
        settings([], {
          secretStorage: {
            kind: "unavailable",
            description: "Secure storage unavailable: Cordon will not store secrets in plain text",
            problem: "no Secret Service on the session bus",
          },
        }),
    });
    await openSettings(user);
    const note = await screen.findByTestId("secret-storage");
    expect(note.getAttribute("data-kind")).toBe("unavailable");
    expect(note.textContent).toContain("Secure storage unavailable: Cordon will not store secrets in plain text");
    expect(note.textContent).toContain("no Secret Service on the session bus");
    await user.click(screen.getByTestId("auth-mode-clientSecret"));
    expect(screen.getByText("Secure storage is unavailable: the secret cannot be stored.")).toBeTruthy();
  });

  it("saves a team store URL and sends its password once, refusing another scheme", { timeout: 30000 }, async () => {
    let saved: ProfileView[] = [];
    const { backend, user } = start({
      list_profiles: () => settings(saved),
      save_profile: ({ input }: { input: { profile: ProfileView["profile"] } }) => {
        saved = [profile(input.profile.name, input.profile)];
        return saved[0];
      },
    });
    await openSettings(user);
    await fill(user, "profile-name", "SOC team");
    await fill(user, "profile-tenant", "11111111-1111-1111-1111-111111111111");
    await fill(user, "profile-client", "33333333-3333-3333-3333-333333333333");
    await fill(user, "profile-team-store", "mysql://db/cordon");
    await user.click(screen.getByTestId("profile-save"));
    expect((await screen.findByTestId("field-error-teamStore")).textContent).toMatch(/starts with postgres:\/\//);
    expect(backend.callsTo("save_profile")).toHaveLength(0);

    await user.clear(screen.getByTestId("profile-team-store"));
    await fill(user, "profile-team-store", "postgres://ana@db.example:5432/cordon?sslmode=require");
    const password = screen.getByTestId("profile-team-store-password") as HTMLInputElement;
    expect(password.type).toBe("password");
    await fill(user, "profile-team-store-password", "pg-s3cret");
    await user.click(screen.getByTestId("profile-save"));
    await waitFor(() => expect(backend.callsTo("save_profile")).toHaveLength(1));
    const input = (backend.callsTo("save_profile")[0]!.args as { input: { profile: { teamStore: string }; teamStorePassword: string } }).input;
    expect(input.profile.teamStore).toBe("postgres://ana@db.example:5432/cordon?sslmode=require");
    expect(input.teamStorePassword).toBe("pg-s3cret");
  });
});
