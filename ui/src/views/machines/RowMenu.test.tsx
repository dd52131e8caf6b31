// The Machines grid's row context menu: opened by right-click or from the keyboard
// (Shift+F10, the context-menu key), each item enabled only when it applies, and each
// reusing the drawer's path (its form, the cancel dialog, the same IPC).
import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { App } from "../../App";
import { createQueryClient } from "../../queries";
import { mockBackend, type CommandName, type Handler } from "../../ipc/testing";
import type { AppInfo, MachineRow, ReconRow } from "../../ipc";
import { ANALYST_INFO, makeDetail, makeJob, makeRow, tenant } from "../../test/fixtures";
import { fakeGrid } from "../../test/gridFake";

const INFO = ANALYST_INFO;

const { rows, list } = tenant();

function start(handlers: Partial<Record<CommandName, Handler>> = {}, info: AppInfo = INFO) {
  const backend = mockBackend({
    app_info: () => info,
    ...fakeGrid(list).handlers,
    machine_detail: ({ machineId }: { machineId: string }) => makeDetail(list.find((m) => m.id === machineId)!),
    reconciliation: () => [{ machineId: rows.kiosk.id, resubmittable: true } as ReconRow],
    jobs: () => [],
    ...handlers,
  });
  render(<App queryClient={createQueryClient()} />);
  return { backend, user: userEvent.setup() };
}

const rowsShown = () => screen.queryAllByTestId("machine-row");
const rowOf = (r: MachineRow) => rowsShown().find((x) => x.getAttribute("data-machine-id") === r.id)!;
const item = (id: string) => screen.getByTestId(`row-menu-${id}`);
const enabled = (id: string) => item(id).getAttribute("aria-disabled") !== "true";
const ITEMS = ["isolate", "release", "cancel-pending", "resubmit", "copy-id", "portal"];
const enabledItems = () => ITEMS.filter(enabled);

async function menuFor(r: MachineRow) {
  fireEvent.contextMenu(rowOf(r), { clientX: 200, clientY: 300 });
  const menu = await screen.findByTestId("row-menu");
  expect(menu.getAttribute("data-machine-id")).toBe(r.id);
  return menu;
}

describe("the row context menu", () => {
  it("enables only what applies to the machine's state, the core's resubmittable and the token", async () => {
    const { user } = start();
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    await menuFor(rows.web);
    expect(enabledItems()).toEqual(["isolate", "copy-id", "portal"]);
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("row-menu")).toBeNull());
    await menuFor(rows.db);
    expect(enabledItems()).toEqual(["release", "copy-id", "portal"]);
    await user.keyboard("{Escape}");
    await menuFor(rows.laptop);
    expect(enabledItems()).toEqual(["cancel-pending", "copy-id", "portal"]);
    await user.keyboard("{Escape}");
    // Release stuck: release again, cancel the pending release, or resubmit (the core says so).
    await menuFor(rows.kiosk);
    await waitFor(() => expect(enabledItems()).toEqual(["release", "cancel-pending", "resubmit", "copy-id", "portal"]));
    expect(item("release").textContent).toBe("Release again…");
  });

  it("does not offer Cancel pending for a stuck release that already timed out (the core's `pending`)", async () => {
    const timedOut = makeRow({ name: "lt-old.contoso.local", state: "release_stuck", pending: false, reason: "Release timed out" });
    start({ ...fakeGrid([...list, timedOut]).handlers });
    await waitFor(() => expect(rowsShown()).toHaveLength(7));
    await menuFor(timedOut);
    expect(enabledItems()).toEqual(["release", "copy-id", "portal"]);
  });

  it("offers only copy and the portal to a read-only token", async () => {
    start({}, { ...INFO, permissions: [], mayIsolate: false });
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    await menuFor(rows.kiosk);
    await waitFor(() => expect(screen.getByTestId("row-menu")).toBeTruthy());
    expect(enabledItems()).toEqual(["copy-id", "portal"]);
  });

  it("opens from the keyboard on the active row (Shift+F10, the context-menu key)", async () => {
    const { user } = start();
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    const grid = screen.getByTestId("machine-grid");
    grid.focus();
    // By name: build-2, db-01, kiosk-3 …; the active row starts at the first.
    await user.keyboard("{ArrowDown}");
    await user.keyboard("{Shift>}{F10}{/Shift}");
    expect((await screen.findByTestId("row-menu")).getAttribute("data-machine-id")).toBe(rows.db.id);
    // Focus is in the menu, on its first enabled item; Escape gives it back to the grid.
    await waitFor(() => expect(document.activeElement).toBe(item("release")));
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("row-menu")).toBeNull());
    expect(document.activeElement).toBe(grid);
    fireEvent.keyDown(grid, { key: "ContextMenu" });
    expect((await screen.findByTestId("row-menu")).getAttribute("data-machine-id")).toBe(rows.db.id);
  });

  it("Release… opens the drawer's release form on that machine", async () => {
    const { user } = start();
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    await menuFor(rows.db);
    await user.click(item("release"));
    const drawer = await screen.findByTestId("machine-detail");
    expect(drawer.getAttribute("data-machine-id")).toBe(rows.db.id);
    expect((await within(drawer).findByTestId("action-form")).getAttribute("data-action")).toBe("release");
  });

  it("Cancel pending… asks the core to cancel that one machine's pending work, with a comment", async () => {
    const { backend, user } = start({
      cancel_pending: () => [
        { machineId: rows.laptop.id, machineName: rows.laptop.name, result: "cancelled", actionType: "Unisolate", actionId: "a-1", status: "Cancelled", error: null },
      ],
    });
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    await menuFor(rows.laptop);
    await user.click(item("cancel-pending"));
    const dialog = await screen.findByTestId("cancel-pending-dialog");
    expect(dialog.textContent).toContain("Cancel pending work of 1 machine?");
    await user.type(within(dialog).getByTestId("cancel-pending-comment"), "Not this one");
    await user.click(within(dialog).getByTestId("confirm-cancel-pending"));
    await waitFor(() => expect(screen.getByTestId("cancel-pending-summary").textContent).toBe("1 cancelled."));
    expect(backend.callsTo("cancel_pending").map((c) => c.args)).toEqual([
      { req: { machineIds: [rows.laptop.id], matching: null, comment: "Not this one" } },
    ]);
  });

  it("Resubmit, Copy machine id and Open in Defender portal call the drawer's IPC and say what happened", async () => {
    const { backend, user } = start({
      resubmit: () => [makeJob({ id: "job-9" })],
      open_in_portal: () => {
        throw { kind: "validation", field: "portal", message: "This tenant has no Defender portal (custom endpoints)." };
      },
    });
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    await menuFor(rows.kiosk);
    await waitFor(() => expect(enabled("resubmit")).toBe(true));
    await user.click(item("resubmit"));
    await waitFor(() => expect(screen.getByTestId("row-menu-note").textContent).toBe("kiosk-3.contoso.local: resubmitted; follow it in the job panel."));
    expect(backend.callsTo("resubmit").map((c) => c.args)).toEqual([{ machineIds: [rows.kiosk.id], comment: null }]);

    await menuFor(rows.kiosk);
    await user.click(item("portal"));
    await waitFor(() => expect(screen.getByTestId("row-menu-error").textContent).toContain("This tenant has no Defender portal"));
    expect(backend.callsTo("open_in_portal").map((c) => c.args)).toEqual([{ machineId: rows.kiosk.id }]);

    await menuFor(rows.web);
    await user.click(item("copy-id"));
    await waitFor(() => expect(screen.getByTestId("row-menu-note").textContent).toBe("web-01.contoso.local: machine id copied."));
    expect(await navigator.clipboard.readText()).toBe(rows.web.id);
  });
});
