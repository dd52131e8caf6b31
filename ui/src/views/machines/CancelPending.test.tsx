// "Cancel pending (N)…" of the Machines view's selection: what the core is asked
// (cancel_pending: the picked machines with pending work, or the filter narrowed to
// them for "all matching"), the core's validation error shown on the comment, and
// Defender's answer machine by machine.
import { describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { App } from "../../App";
import { createQueryClient } from "../../queries";
import { mockBackend, type CommandName, type Handler } from "../../ipc/testing";
import type { AppInfo, CancelOutcome, CancelPendingRequest } from "../../ipc";
import { ANALYST_INFO, makeDetail, makeRow, tenant } from "../../test/fixtures";
import { fakeGrid } from "../../test/gridFake";

const INFO = ANALYST_INFO;

const { rows, list } = tenant();

function start(handlers: Partial<Record<CommandName, Handler>> = {}, info: AppInfo = INFO) {
  const backend = mockBackend({
    app_info: () => info,
    ...fakeGrid(list).handlers,
    machine_detail: ({ machineId }: { machineId: string }) => makeDetail(list.find((m) => m.id === machineId)!),
    reconciliation: () => [],
    ...handlers,
  });
  render(<App queryClient={createQueryClient()} />);
  return { backend, user: userEvent.setup() };
}

const rowsShown = () => screen.queryAllByTestId("machine-row");
const rowOf = (id: string) => rowsShown().find((r) => r.getAttribute("data-machine-id") === id)!;

/** A core that refuses an empty comment as the real one does, and cancels the rest. */
function core(answer: (req: CancelPendingRequest) => CancelOutcome[]) {
  return ({ req }: { req: CancelPendingRequest }) => {
    if (req.comment.trim() === "") {
      throw { kind: "validation", field: "comment", message: "A comment is required: say why (it is kept in Defender's action log)." };
    }
    return answer(req);
  };
}

const outcome = (id: string, result: CancelOutcome["result"], more: Partial<CancelOutcome> = {}): CancelOutcome => ({
  machineId: id,
  machineName: list.find((m) => m.id === id)?.name ?? null,
  result,
  actionType: result === "nothing_pending" ? null : "Unisolate",
  actionId: result === "nothing_pending" ? null : "0b1c2d3e-0000-4000-8000-000000000001",
  status: result === "cancelled" ? "Cancelled" : null,
  error: null,
  ...more,
});

describe("cancel pending work of the selection", () => {
  it("offers Cancel pending (N) for picked machines with pending work, needs a comment, and shows each machine's outcome", async () => {
    const cancel = core((req) => [
      outcome(req.machineIds[0]!, "cancelled"),
      outcome(req.machineIds[1]!, "failed", {
        actionType: "Isolate",
        error: { kind: "defender", message: "Defender refused the cancel: the action already ended.", status: 400, code: "BadRequest", correlationId: "c-1", detail: null },
      }),
    ]);
    const { backend, user } = start({ cancel_pending: cancel });
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    for (const r of [rows.laptop, rows.web, rows.build]) await user.click(within(rowOf(r.id)).getByTestId("row-check"));
    expect(screen.getByTestId("bulk-cancel-pending").textContent).toBe("Cancel pending (2)…");

    await user.click(screen.getByTestId("bulk-cancel-pending"));
    const dialog = await screen.findByTestId("cancel-pending-dialog");
    expect(dialog.textContent).toContain("Cancel pending work of 2 machines?");
    // The core refuses an empty comment: its sentence is shown on the field, nothing else.
    await user.click(within(dialog).getByTestId("confirm-cancel-pending"));
    await waitFor(() => expect(dialog.textContent).toContain("A comment is required"));
    expect(screen.queryByTestId("cancel-pending-summary")).toBeNull();

    await user.type(within(dialog).getByTestId("cancel-pending-comment"), "Wrong batch");
    await user.click(within(dialog).getByTestId("confirm-cancel-pending"));
    await waitFor(() => expect(screen.getByTestId("cancel-pending-summary").textContent).toBe("1 cancelled, 1 failed."));
    // Only the picked machines with pending work, in the order picked; no filter.
    expect(backend.callsTo("cancel_pending").map((c) => c.args)).toEqual([
      { req: { machineIds: [rows.laptop.id, rows.build.id], matching: null, comment: "" } },
      { req: { machineIds: [rows.laptop.id, rows.build.id], matching: null, comment: "Wrong batch" } },
    ]);
    const shown = screen.getAllByTestId("cancel-pending-outcome");
    expect(shown.map((o) => [o.getAttribute("data-machine-id"), o.getAttribute("data-result")])).toEqual([
      [rows.laptop.id, "cancelled"],
      [rows.build.id, "failed"],
    ]);
    expect(shown[0]!.textContent).toBe("laptop-7.contoso.local: the release is Cancelled.");
    expect(shown[1]!.textContent).toContain("Defender refused the cancel: the action already ended.");

    // Done: the selection has served.
    await user.click(screen.getByTestId("cancel-pending-close"));
    await waitFor(() => expect(screen.queryByTestId("selection-bar")).toBeNull());
  });

  it("sends \"all N matching\" as the filter narrowed to pending work, resolved by the core", async () => {
    const cancel = core(() => [outcome(rows.laptop.id, "cancelled"), outcome(rows.kiosk.id, "cancelled"), outcome(rows.build.id, "nothing_pending")]);
    const { backend, user } = start({ cancel_pending: cancel });
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    await user.click(screen.getByTestId("select-all-matching"));
    // The tenant's machines pending at Defender, as the core counts them.
    await waitFor(() => expect(screen.getByTestId("bulk-cancel-pending").textContent).toBe("Cancel pending (3)…"));
    await user.click(screen.getByTestId("bulk-cancel-pending"));
    await user.type(await screen.findByTestId("cancel-pending-comment"), "Storm over");
    await user.click(screen.getByTestId("confirm-cancel-pending"));
    await waitFor(() => expect(screen.getByTestId("cancel-pending-summary").textContent).toBe("2 cancelled, 1 had nothing pending."));
    const req = (backend.callsTo("cancel_pending")[0]!.args as { req: CancelPendingRequest }).req;
    expect(req.machineIds).toEqual([]);
    expect(req.matching).toMatchObject({ search: null, isolatedNow: false, states: [], pending: true });
    // Machines with nothing pending are counted, not listed.
    expect(screen.getAllByTestId("cancel-pending-outcome")).toHaveLength(2);
  });

  it("keeps the selection when the person backs out, and offers nothing without pending work or permission", async () => {
    const { backend, user } = start({ cancel_pending: core(() => []) });
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    await user.click(within(rowOf(rows.web.id)).getByTestId("row-check"));
    expect(screen.queryByTestId("bulk-cancel-pending")).toBeNull();
    await user.click(within(rowOf(rows.laptop.id)).getByTestId("row-check"));
    await user.click(screen.getByTestId("bulk-cancel-pending"));
    await user.click(await screen.findByTestId("cancel-pending-back"));
    await waitFor(() => expect(screen.queryByTestId("cancel-pending-dialog")).toBeNull());
    expect(screen.getByTestId("selection-count").textContent).toBe("2 selected");
    expect(backend.callsTo("cancel_pending")).toHaveLength(0);
  });

  it("counts only picked machines whose work is still pending (the core's `pending`)", async () => {
    const timedOut = makeRow({ name: "lt-old.contoso.local", state: "release_stuck", pending: false, reason: "Release timed out" });
    const { user } = start({ ...fakeGrid([...list, timedOut]).handlers });
    await waitFor(() => expect(rowsShown()).toHaveLength(7));
    await user.click(within(rowOf(timedOut.id)).getByTestId("row-check"));
    expect(screen.queryByTestId("bulk-cancel-pending")).toBeNull();
    await user.click(within(rowOf(rows.kiosk.id)).getByTestId("row-check"));
    expect(screen.getByTestId("bulk-cancel-pending").textContent).toBe("Cancel pending (1)…");
  });

  it("is not offered to a read-only token", async () => {
    const { user } = start({}, { ...INFO, permissions: [], mayIsolate: false });
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    await user.click(within(rowOf(rows.laptop.id)).getByTestId("row-check"));
    expect(screen.getByTestId("selection-count").textContent).toBe("1 selected");
    expect(screen.queryByTestId("bulk-cancel-pending")).toBeNull();
  });
});
