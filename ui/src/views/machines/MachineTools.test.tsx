import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { App } from "../../App";
import { createQueryClient } from "../../queries";
import { mockBackend, type CommandName, type Handler } from "../../ipc/testing";
import type { AppInfo, MachineRow, TimelineEntry } from "../../ipc";
import { makeDetail, makeRecon, tenant } from "../../test/fixtures";
import { fakeGrid } from "../../test/gridFake";

const INFO: AppInfo = {
  version: "0.1.0",
  demo: false,
  tenantLabel: "Contoso SOC",
  apiBase: "https://api.securitycenter.microsoft.com",
  permissions: [],
  mayIsolate: true,
};

const PENDING_RELEASE: TimelineEntry = {
  actionId: "6f1c3c2e-5a8b-4c1d-9e2f-0a1b2c3d4e5f",
  actionType: "Unisolate",
  status: "Pending",
  scope: null,
  requestor: "alice@contoso.example",
  comment: "False positive",
  created: "2026-11-28T08:00:00Z",
  updated: null,
  cancelledBy: null,
  cancelComment: null,
};

function start(handlers: Partial<Record<CommandName, Handler>> = {}) {
  const { rows, list } = tenant();
  const backend = mockBackend({
    app_info: () => INFO,
    ...fakeGrid(list).handlers,
    machine_detail: ({ machineId }: { machineId: string }) => {
      const row = list.find((m) => m.id === machineId)!;
      return makeDetail(row, { timeline: row === rows.laptop ? [PENDING_RELEASE] : [] });
    },
    reconciliation: () => [makeRecon({ machineId: rows.kiosk.id, machineName: rows.kiosk.name, resubmittable: true })],
    ...handlers,
  });
  const user = userEvent.setup();
  render(<App queryClient={createQueryClient()} />);
  return { backend, user, rows };
}

async function open(user: ReturnType<typeof userEvent.setup>, row: MachineRow) {
  const el = await waitFor(() => {
    const found = screen.queryAllByTestId("machine-row").find((r) => r.getAttribute("data-machine-id") === row.id);
    if (!found) throw new Error(`row ${row.name} not shown`);
    return found;
  });
  await user.click(el);
  return screen.findByTestId("machine-detail");
}

describe("machine drawer actions", () => {
  it("copies the id and opens the portal by id only", async () => {
    const { backend, user, rows } = start({ open_in_portal: () => null });
    // After user-event's setup, which puts its own clipboard in place.
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { configurable: true, value: { writeText } });
    const drawer = await open(user, rows.web);
    await user.click(within(drawer).getByTestId("copy-machine-id"));
    expect(writeText).toHaveBeenCalledWith(rows.web.id);
    expect((await within(drawer).findByTestId("tools-note")).textContent).toBe("Machine id copied.");

    await user.click(within(drawer).getByTestId("open-in-portal"));
    await waitFor(() => expect(backend.callsTo("open_in_portal").map((c) => c.args)).toEqual([{ machineId: rows.web.id }]));
    // Nothing to cancel or resubmit on a machine with no pending or stuck action.
    expect(within(drawer).queryByTestId("cancel-pending")).toBeNull();
    expect(within(drawer).queryByTestId("resubmit-machine")).toBeNull();
  });

  it("says so when the tenant has no portal", async () => {
    const { user, rows } = start({
      open_in_portal: () => {
        throw { kind: "validation", field: "portal", message: "This tenant has no Microsoft Defender portal (custom endpoints or the demo tenant)." };
      },
    });
    const drawer = await open(user, rows.web);
    await user.click(within(drawer).getByTestId("open-in-portal"));
    expect((await within(drawer).findByTestId("tools-error")).textContent).toContain("no Microsoft Defender portal");
  });

  it("cancels a pending release with a comment", async () => {
    const { backend, user, rows } = start({
      cancel_action: ({ actionId }: { actionId: string }) => ({
        actionId,
        actionType: "Unisolate",
        status: "Cancelled",
        scope: null,
        machineId: rows.laptop.id,
        machineName: rows.laptop.name,
        requestor: "alice@contoso.example",
        comment: "False positive",
        created: "2026-11-28T08:00:00Z",
        updated: "2026-11-28T09:00:00Z",
        cancelledBy: "bob@contoso.example",
        cancelComment: "wrong machine",
      }),
    });
    const drawer = await open(user, rows.laptop);
    await user.click(await within(drawer).findByTestId("cancel-pending"));
    expect(within(drawer).getByTestId("cancel-pending").textContent).toBe("Cancel pending release…");
    const confirm = within(drawer).getByTestId("confirm-cancel-action") as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    await user.type(within(drawer).getByTestId("cancel-comment"), "wrong machine");
    await user.click(confirm);
    await waitFor(() =>
      expect(backend.callsTo("cancel_action").map((c) => c.args)).toEqual([{ actionId: PENDING_RELEASE.actionId, comment: "wrong machine" }]),
    );
    expect((await within(drawer).findByTestId("tools-note")).textContent).toBe("Defender's answer: the release is Cancelled.");
  });

  it("resubmits a machine the core says may be resubmitted", async () => {
    const { backend, user, rows } = start({ resubmit: () => [], jobs: () => [] });
    const drawer = await open(user, rows.kiosk);
    await user.click(await within(drawer).findByTestId("resubmit-machine"));
    await waitFor(() => expect(backend.callsTo("resubmit").map((c) => c.args)).toEqual([{ machineIds: [rows.kiosk.id], comment: null }]));
  });
});

describe("Machines export", () => {
  it("exports what the view's filter matches: the filter goes to the core", async () => {
    const { backend, user } = start({ save_machines_csv: () => ({ path: "/home/ana/cordon-machines-2026-11-28.csv", bytes: 512 }) });
    await waitFor(() => expect(screen.getAllByTestId("machine-row")).toHaveLength(6));
    await user.type(screen.getByTestId("search"), "db-01");
    await waitFor(() => expect(screen.getAllByTestId("machine-row")).toHaveLength(1));
    await waitFor(() => expect(screen.getByTestId("machines-export").textContent).toBe("Export 1 to CSV"));
    await user.click(screen.getByTestId("machines-export"));
    expect((await screen.findByTestId("machines-export-saved")).textContent).toBe("Saved to /home/ana/cordon-machines-2026-11-28.csv");
    expect(backend.callsTo("save_machines_csv").map((c) => c.args)).toEqual([{ filter: expect.objectContaining({ search: "db-01", isolatedNow: false }) }]);
  });
});

describe("selection actions", () => {
  it("copies the selected machines' ids, one a line", async () => {
    const { user, rows } = start();
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { configurable: true, value: { writeText } });
    await waitFor(() => expect(screen.getAllByTestId("machine-row")).toHaveLength(6));
    const check = (id: string) =>
      within(screen.getAllByTestId("machine-row").find((r) => r.getAttribute("data-machine-id") === id)!).getByRole("checkbox");
    await user.click(check(rows.db.id));
    await user.click(check(rows.kiosk.id));
    const copy = await screen.findByTestId("selection-copy-ids");
    expect(copy.textContent).toBe("Copy 2 ids");
    await user.click(copy);
    await waitFor(() => expect(copy.textContent).toBe("Ids copied"));
    const [text] = writeText.mock.calls[0] as unknown as [string];
    expect(text.split("\n").sort()).toEqual([rows.db.id, rows.kiosk.id].sort());
  });
});
