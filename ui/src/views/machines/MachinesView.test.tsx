import { describe, expect, it } from "vitest";
import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { App } from "../../App";
import { createQueryClient } from "../../queries";
import { emitSyncChanged, mockBackend, type Handler, type CommandName } from "../../ipc/testing";
import type { AppInfo, MachineRow, SyncStatus } from "../../ipc";
import { makeDetail, makeSnapshot, syncOk, tenant } from "../../test/fixtures";
import { fakeGrid } from "../../test/gridFake";

const INFO: AppInfo = {
  version: "0.1.0",
  demo: false,
  tenantLabel: "Contoso SOC",
  apiBase: "https://api.securitycenter.microsoft.com",
  permissions: [],
  mayIsolate: true,
};

/** The app over a fake core whose grid holds `list` (its store synced at 14:02:33 unless `asOf` says otherwise). */
function start(
  list: MachineRow[],
  handlers: Partial<Record<CommandName, Handler>> = {},
  info = INFO,
  asOf: string | null = "2026-11-28T14:02:33Z",
) {
  const grid = fakeGrid(list, asOf);
  const backend = mockBackend({
    app_info: () => info,
    ...grid.handlers,
    machine_detail: ({ machineId }: { machineId: string }) => {
      const row = list.find((m) => m.id === machineId);
      if (!row) throw { kind: "notFound", message: `No machine has the id ${machineId}.` };
      return makeDetail(row);
    },
    ...handlers,
  });
  const user = userEvent.setup();
  render(<App queryClient={createQueryClient()} />);
  return { backend, user, grid };
}

const rowsShown = () => screen.queryAllByTestId("machine-row");
const statesShown = () => rowsShown().map((r) => r.getAttribute("data-state"));
// Cell 0 is the selection checkbox.
const namesShown = () => rowsShown().map((r) => within(r).getAllByRole("gridcell")[1]!.textContent);

async function openMachine(user: ReturnType<typeof userEvent.setup>, row: MachineRow) {
  const el = await waitFor(() => {
    const found = rowsShown().find((r) => r.getAttribute("data-machine-id") === row.id);
    if (!found) throw new Error(`row ${row.name} not shown`);
    return found;
  });
  await user.click(el);
  return screen.findByTestId("machine-detail");
}

describe("Machines view", () => {
  it("renders the counters, rows and sync time from the core's grid", async () => {
    const { list } = tenant();
    start(list);
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    expect(screen.getByTestId("counter-isolated-value").textContent).toBe("3");
    expect(screen.getByTestId("counter-isolating-value").textContent).toBe("1");
    expect(screen.getByTestId("counter-releasing-value").textContent).toBe("1");
    expect(screen.getByTestId("counter-stuck-value").textContent).toBe("1");
    expect(screen.getByTestId("counter-total-value").textContent).toBe("6");
    expect(screen.getByTestId("synced-at").textContent).toBe("Synced 14:02:33");
    expect(screen.getByTestId("tenant-label").textContent).toBe("Contoso SOC");
    expect(screen.queryByTestId("demo-banner")).toBeNull();
    const badges = screen.getAllByTestId("state-badge").map((b) => b.textContent);
    // By name, the core's default sort.
    expect(badges).toEqual(["Isolating", "Isolated", "Release stuck", "Isolation failed", "Releasing", "Not isolated"]);
    const cells = within(rowsShown()[1]!).getAllByRole("gridcell");
    expect(cells.map((c) => c.textContent)).toEqual([
      "",
      "db-01.contoso.local",
      "Isolated" + list[1]!.reason,
      "Active",
      expect.stringMatching(/^(just now|in \d+ \w+|\d+ \w+ ago)$/),
      "Windows11",
      "Low",
      "Medium",
      "–",
      "Workstations",
    ]);
    expect(within(cells[4]!).getByTitle("Last full device report: 2026-11-28 10:00:00 UTC · 2026-11-28T10:00:00Z UTC")).toBeTruthy();
  });

  it("says clearly when it runs on the demo tenant", async () => {
    start([], {}, { ...INFO, demo: true, tenantLabel: "Demo", apiBase: "http://127.0.0.1:41234" });
    const banner = await screen.findByTestId("demo-banner");
    expect(banner.getAttribute("data-api-base")).toBe("http://127.0.0.1:41234");
    expect(banner.textContent).toContain("Demo tenant (simulated)");
  });

  it("shows a loading state until the first sync", async () => {
    start([], {}, INFO, null);
    expect(await screen.findByTestId("loading")).toBeTruthy();
    expect(screen.getByTestId("synced-at").textContent).toBe("Syncing…");
  });

  it("filters to the machines isolated now in one click, and back", async () => {
    const { list } = tenant();
    const { user } = start(list);
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    const button = screen.getByTestId("filter-isolated-now");
    expect(button.getAttribute("aria-pressed")).toBe("false");
    await user.click(button);
    await waitFor(() => expect(statesShown()).toEqual(["isolated", "release_stuck", "releasing"]));
    expect(button.getAttribute("aria-pressed")).toBe("true");
    expect(screen.getByTestId("row-count").textContent).toBe("3 of 6 machines");
    await user.click(button);
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    expect(button.getAttribute("aria-pressed")).toBe("false");
  });

  it("filters by the stuck counter", async () => {
    const { list, rows } = tenant();
    const { user } = start(list);
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    await user.click(screen.getByTestId("filter-stuck"));
    await waitFor(() => expect(namesShown()).toEqual([rows.kiosk.name]));
  });

  it("searches by name, IP and id", async () => {
    const { list, rows } = tenant();
    const { user } = start(list);
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    const search = screen.getByTestId("search");
    await user.type(search, "WEB-");
    await waitFor(() => expect(namesShown()).toEqual(["web-01.contoso.local"]));
    await user.clear(search);
    await user.type(search, "10.1.0.9");
    await waitFor(() => expect(namesShown()).toEqual(["db-01.contoso.local"]));
    await user.clear(search);
    await user.type(search, rows.kiosk.id.slice(-6));
    await waitFor(() => expect(namesShown()).toEqual(["kiosk-3.contoso.local"]));
    await user.clear(search);
    await user.type(search, "no-such-machine");
    await waitFor(() => expect(screen.getByTestId("no-rows").textContent).toMatch(/No machine matches/));
  });

  it("opens a machine with the keyboard", async () => {
    const { list, rows } = tenant();
    const { user } = start(list);
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    screen.getByTestId("machine-grid").focus();
    await user.keyboard("{ArrowDown}{Enter}");
    const drawer = await screen.findByTestId("machine-detail");
    await waitFor(() => expect(within(drawer).getByTestId("detail-name").textContent).toBe(rows.db.name));
  });
});

describe("machine detail and actions", () => {
  it("shows the reason and the timeline, and offers only the actions that fit", async () => {
    const { list, rows } = tenant();
    const { user } = start(list, {
      machine_detail: () =>
        makeDetail(rows.db, {
          timeline: [
            {
              actionId: "act-1",
              actionType: "Isolate",
              status: "Succeeded",
              scope: "Full",
              requestor: "storm-bot@contoso.com",
              comment: "Isolate machine because alert - da638001",
              created: "2026-11-28T02:14:00Z",
              updated: "2026-11-28T02:15:00Z",
              cancelledBy: null,
              cancelComment: null,
            },
          ],
        }),
    });
    const drawer = await openMachine(user, rows.db);
    expect(within(drawer).getByTestId("detail-reason").textContent).toBe(rows.db.reason);
    const entry = await within(drawer).findByTestId("timeline-entry");
    expect(entry.textContent).toContain("Isolate (Full) · Succeeded");
    expect(entry.textContent).toContain("storm-bot@contoso.com");
    expect(entry.textContent).toContain("Isolate machine because alert - da638001");
    expect(within(drawer).getByTestId("action-release")).toBeTruthy();
    expect(within(drawer).queryByTestId("action-isolate")).toBeNull();
    // The false-positive comment names the alert.
    await user.click(within(drawer).getByTestId("action-release"));
    await user.click(within(drawer).getByTestId("prefill-false-positive"));
    expect((within(drawer).getByTestId("comment") as HTMLTextAreaElement).value).toBe("False positive: alert da638001");
  });

  it("offers no action to a token without Machine.Isolate", async () => {
    const { list, rows } = tenant();
    const { user } = start(list, {}, { ...INFO, permissions: ["Machine.Read.All"], mayIsolate: false });
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    const drawer = await openMachine(user, rows.db);
    expect(within(drawer).getByTestId("no-permission").textContent).toContain("Machine.Isolate");
    expect(within(drawer).queryByTestId("action-release")).toBeNull();
    expect(within(drawer).queryByTestId("action-isolate")).toBeNull();
  });

  it("refuses an empty comment without calling release", async () => {
    const { list, rows } = tenant();
    const { user, backend } = start(list, { release: () => [] });
    const drawer = await openMachine(user, rows.db);
    await user.click(within(drawer).getByTestId("action-release"));
    await user.click(within(drawer).getByTestId("confirm-action"));
    expect(within(drawer).getByTestId("form-error").textContent).toMatch(/comment is required/i);
    await user.type(within(drawer).getByTestId("comment"), "   ");
    await user.click(within(drawer).getByTestId("confirm-action"));
    expect(within(drawer).getByTestId("form-error")).toBeTruthy();
    expect(backend.callsTo("release")).toHaveLength(0);
  });

  it("sends a release with the comment, shows the outcome, and the badge follows the events", async () => {
    const { list, rows } = tenant();
    const { user, backend, grid } = start(list, {
      machine_detail: () => makeDetail(rows.db),
      release: () => [
        { machineId: rows.db.id, machineName: rows.db.name, actionId: "act-9", status: "Pending", adopted: false, error: null },
      ],
    });
    const drawer = await openMachine(user, rows.db);
    await user.click(within(drawer).getByTestId("action-release"));
    await user.type(within(drawer).getByTestId("comment"), "  False positive: alert da638001 ");
    await user.click(within(drawer).getByTestId("confirm-action"));
    const outcome = await within(drawer).findByTestId("action-outcome");
    expect(outcome.textContent).toBe("Release sent — pending");
    expect(backend.callsTo("release").map((c) => c.args)).toEqual([
      { request: { machineIds: [rows.db.id], comment: "False positive: alert da638001" } },
    ]);

    // The back end syncs, bumps its revision and says so: the row follows, no refresh.
    const moved = list.map((r) => (r.id === rows.db.id ? { ...r, state: "releasing" as const, reason: "Release pending since 14:03" } : r));
    grid.set(moved);
    backend.calls.length = 0;
    await act(() => emitSyncChanged(syncOk(2)));
    await waitFor(() => {
      const row = rowsShown().find((r) => r.getAttribute("data-machine-id") === rows.db.id);
      expect(row?.getAttribute("data-state")).toBe("releasing");
    });
    await waitFor(() => expect(within(drawer).getByTestId("detail-reason").textContent).toBe("Release pending since 14:03"));
    expect(backend.callsTo("refresh")).toHaveLength(0);
  });

  it("sends an isolation with the chosen type", async () => {
    const { list, rows } = tenant();
    const { user, backend } = start(list, {
      isolate: () => [
        { machineId: rows.web.id, machineName: rows.web.name, actionId: "a", status: "Pending", adopted: false, error: null },
      ],
    });
    const drawer = await openMachine(user, rows.web);
    expect(within(drawer).queryByTestId("action-release")).toBeNull();
    await user.click(within(drawer).getByTestId("action-isolate"));
    expect(within(drawer).getByTestId("isolation-type")).toBeTruthy();
    await user.click(within(drawer).getByLabelText(/Selective/));
    await user.type(within(drawer).getByTestId("comment"), "Ransomware beacon");
    await user.click(within(drawer).getByTestId("confirm-action"));
    expect((await within(drawer).findByTestId("action-outcome")).textContent).toBe("Isolation sent — pending");
    expect(backend.callsTo("isolate").map((c) => c.args)).toEqual([
      { request: { machineIds: [rows.web.id], isolationType: "Selective", comment: "Ransomware beacon" } },
    ]);
  });

  it("renders an IpcError as its sentence with the details behind a toggle", async () => {
    const { list, rows } = tenant();
    const { user } = start(list, {
      release: () => {
        throw {
          kind: "defender",
          message: "Defender refused the release: the machine is not isolated.",
          status: 400,
          code: "ActiveRequestAlreadyExists",
          correlationId: "corr-42",
          detail: null,
        };
      },
    });
    const drawer = await openMachine(user, rows.db);
    await user.click(within(drawer).getByTestId("action-release"));
    await user.type(within(drawer).getByTestId("comment"), "False positive");
    await user.click(within(drawer).getByTestId("confirm-action"));
    const err = await within(drawer).findByTestId("action-error");
    expect(within(err).getByTestId("error-message").textContent).toBe(
      "Defender refused the release: the machine is not isolated.",
    );
    expect(within(err).queryByTestId("error-details")).toBeNull();
    await user.click(within(err).getByTestId("error-details-toggle"));
    const details = within(err).getByTestId("error-details").textContent ?? "";
    expect(details).toContain("HTTP status400");
    expect(details).toContain("Error codeActiveRequestAlreadyExists");
    expect(details).toContain("Correlation idcorr-42");
  });

  it("shows a per-machine error outcome", async () => {
    const { list, rows } = tenant();
    const { user } = start(list, {
      release: () => [
        {
          machineId: rows.db.id,
          machineName: rows.db.name,
          actionId: null,
          status: null,
          adopted: false,
          error: { kind: "throttled", message: "Defender is throttling Cordon; the release waits 30 s.", retryAfterSecs: 30 },
        },
      ],
    });
    const drawer = await openMachine(user, rows.db);
    await user.click(within(drawer).getByTestId("action-release"));
    await user.type(within(drawer).getByTestId("comment"), "FP");
    await user.click(within(drawer).getByTestId("confirm-action"));
    const outcome = await within(drawer).findByTestId("action-outcome");
    expect(outcome.getAttribute("data-ok")).toBe("false");
    expect(within(outcome).getByTestId("error-message").textContent).toBe(
      "Defender is throttling Cordon; the release waits 30 s.",
    );
  });
});

describe("sync errors", () => {
  const failed: SyncStatus = {
    revision: 1,
    syncedAt: "2026-11-28T13:00:00Z",
    error: { kind: "unreachable", message: "Defender could not be reached at 127.0.0.1:9.", detail: "connection refused" },
    loading: false,
  };

  it("shows the failure as a sentence, and Retry syncs now", async () => {
    const { list } = tenant();
    const { user, backend } = start(list, { refresh: () => makeSnapshot(list, syncOk(2)) });
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    await act(() => emitSyncChanged(failed));
    const banner = await screen.findByTestId("sync-error");
    expect(within(banner).getByTestId("error-message").textContent).toBe("Defender could not be reached at 127.0.0.1:9.");
    expect(screen.getByTestId("synced-at").textContent).toBe("Synced 13:00:00 · last attempt failed");
    await user.click(within(banner).getByTestId("retry"));
    await waitFor(() => expect(screen.queryByTestId("sync-error")).toBeNull());
    expect(backend.callsTo("refresh")).toHaveLength(1);
    expect(screen.getByTestId("synced-at").textContent).toBe("Synced 14:02:33");
  });

  it("says a certificate was not trusted, naming the server and its issuer, not the network", async () => {
    const { list } = tenant();
    const message =
      "The certificate of login.microsoftonline.com (issued by Contoso TLS Inspection CA) is not trusted by this computer (unknown issuer). If your company inspects TLS, install its CA in the system certificate store (or ask IT to); nothing was sent.";
    const { user } = start(list);
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    await act(() =>
      emitSyncChanged({
        revision: 1,
        syncedAt: null,
        error: {
          kind: "untrustedCertificate",
          message,
          host: "login.microsoftonline.com",
          issuer: "Contoso TLS Inspection CA",
          reason: "unknown issuer",
        },
        loading: false,
      }),
    );
    const banner = await screen.findByTestId("sync-error");
    expect(banner.textContent).toContain("does not trust the certificate");
    expect(banner.textContent).not.toContain("could not be reached");
    expect(within(banner).getByTestId("error-message").textContent).toBe(message);
    await user.click(within(banner).getByTestId("error-details-toggle"));
    const details = within(banner).getByTestId("error-details").textContent;
    expect(details).toContain("Serverlogin.microsoftonline.com");
    expect(details).toContain("Issued byContoso TLS Inspection CA");
  });

  it("keeps explaining when the retry fails too, and a failing grid read does not crash the app", async () => {
    const { user, backend } = start([], {
      grid_page: () => {
        throw { kind: "unreachable", message: "Defender could not be reached.", detail: "dns" };
      },
      refresh: () => {
        throw { kind: "unreachable", message: "Defender still could not be reached.", detail: "dns" };
      },
    });
    const banner = await screen.findByTestId("sync-error");
    expect(banner.textContent).toContain("Defender could not be reached.");
    await user.click(within(banner).getByTestId("retry"));
    await waitFor(() =>
      expect(within(screen.getByTestId("sync-error")).getByTestId("error-message").textContent).toBe(
        "Defender still could not be reached.",
      ),
    );
    expect(backend.callsTo("refresh")).toHaveLength(1);
    expect(screen.queryByTestId("crash")).toBeNull();
  });

  it("drops the banner when the sync recovers after a failed retry", async () => {
    const { list } = tenant();
    const { user } = start(list, {
      refresh: () => {
        throw { kind: "unreachable", message: "Defender still could not be reached.", detail: "dns" };
      },
    });
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    await act(() => emitSyncChanged({ ...failed, syncedAt: null }));
    const banner = await screen.findByTestId("sync-error");
    await user.click(within(banner).getByTestId("retry"));
    await waitFor(() => expect(screen.getByTestId("sync-error").textContent).toContain("still could not be reached"));
    await new Promise((r) => setTimeout(r, 5));
    await act(() => emitSyncChanged(syncOk(2)));
    await waitFor(() => expect(screen.queryByTestId("sync-error")).toBeNull());
  });

  it("shows a sync failure pushed by an event at once", async () => {
    const { list } = tenant();
    start(list);
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    await act(() => emitSyncChanged({ ...failed, syncedAt: "2026-11-28T14:02:33Z", error: { kind: "unreachable", message: "Defender could not be reached.", detail: "timeout" } }));
    expect((await screen.findByTestId("sync-error")).textContent).toContain("Defender could not be reached.");
  });
});

describe("go to machine", () => {
  it("says so when no machine matches", async () => {
    const { list } = tenant();
    const { user, backend } = start(list, {
      find_machine: ({ query }: { query: string }) => {
        throw { kind: "notFound", message: `No machine has the id ${query}.` };
      },
    });
    await user.type(screen.getByTestId("goto-machine"), "f".repeat(40) + "{Enter}");
    const err = await screen.findByTestId("goto-error");
    expect(err.textContent).toBe(`No machine has the id ${"f".repeat(40)}.`);
    expect(backend.callsTo("find_machine")[0]?.args).toEqual({ query: "f".repeat(40) });
    expect(screen.queryByTestId("machine-detail")).toBeNull();
  });

  it("lists the candidates of an ambiguous name and opens the one picked", async () => {
    const { list, rows } = tenant();
    const { user, backend } = start(list, {
      find_machine: () => {
        throw {
          kind: "ambiguous",
          message: "2 machines are named web: pick one.",
          candidates: [
            { id: rows.web.id, name: "web-01.contoso.local" },
            { id: rows.db.id, name: "web.fabrikam.local" },
          ],
        };
      },
    });
    await user.type(screen.getByTestId("goto-machine"), "web{Enter}");
    const err = await screen.findByTestId("goto-error");
    expect(err.textContent).toContain("2 machines are named web: pick one.");
    const candidates = within(err).getAllByTestId("goto-candidate");
    expect(candidates.map((c) => c.getAttribute("data-machine-id"))).toEqual([rows.web.id, rows.db.id]);
    await user.click(candidates[1]!);
    const drawer = await screen.findByTestId("machine-detail");
    expect(within(drawer).getByTestId("detail-name").textContent).toBe(rows.db.name);
    expect(screen.queryByTestId("goto-error")).toBeNull();
    await waitFor(() => expect(backend.callsTo("machine_detail")[0]?.args).toEqual({ machineId: rows.db.id }));
  });

  it("opens the drawer on a match", async () => {
    const { list, rows } = tenant();
    const { user } = start(list, { find_machine: () => rows.kiosk });
    await user.type(screen.getByTestId("goto-machine"), "kiosk-3{Enter}");
    const drawer = await screen.findByTestId("machine-detail");
    expect(within(drawer).getByTestId("detail-name").textContent).toBe(rows.kiosk.name);
    expect(within(drawer).getByTestId("action-release").textContent).toBe("Release again…");
  });
});

describe("go to machine, dismissing", () => {
  it("closes the message on a click elsewhere", async () => {
    const { list } = tenant();
    const { user } = start(list, {
      find_machine: () => {
        throw { kind: "validation", field: "query", message: "Type a 40-character machine id or a DNS name." };
      },
    });
    await user.type(screen.getByTestId("goto-machine"), "??{Enter}");
    expect((await screen.findByTestId("goto-error")).textContent).toBe("Type a 40-character machine id or a DNS name.");
    await user.click(screen.getByTestId("search"));
    await waitFor(() => expect(screen.queryByTestId("goto-error")).toBeNull());
  });
});
