import { describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { App } from "../../App";
import { createQueryClient } from "../../queries";
import { mockBackend, type CommandName, type Handler } from "../../ipc/testing";
import type { AppInfo, ReconcileSettings } from "../../ipc";
import { makeJob, makeJobDetail, makeRecon } from "../../test/fixtures";
import { fakeGrid } from "../../test/gridFake";

const INFO: AppInfo = { version: "0.1.0", demo: true, tenantLabel: "Demo", apiBase: "http://127.0.0.1:1", permissions: ["Machine.Isolate"], mayIsolate: true };
const SETTINGS: ReconcileSettings = { autoReconcile: true, maxTries: 3, stuckAfterMinutes: 30 };

function start(handlers: Partial<Record<CommandName, Handler>>) {
  const backend = mockBackend({
    app_info: () => INFO,
    ...fakeGrid([]).handlers,
    reconcile_settings: () => SETTINGS,
    ...handlers,
  });
  const user = userEvent.setup();
  render(<App queryClient={createQueryClient()} />);
  return { backend, user };
}

describe("Reconciliation view", () => {
  const timedOut = makeRecon({ cause: "timed_out", machineName: "laptop-a.contoso.local" });
  const offline = makeRecon({
    cause: "offline",
    machineName: "laptop-b.contoso.local",
    causeText: "Release pending 3 h; device Active, last full report 14 h ago: Defender delivers the release when the device next connects (up to 3 days)",
    nextStep: "wait_for_device",
    nextText: "Wait: Defender delivers it when the device connects; it times out at",
    nextAt: "2026-12-01T07:00:00Z",
    resubmittable: false,
  });
  const busy = makeRecon({ cause: "timed_out", nextStep: "in_progress", machineName: "laptop-c.contoso.local", resubmittable: false });
  const lingering = makeRecon({
    cause: "pending_too_long",
    machineName: "laptop-d.contoso.local",
    nextStep: "cancel_and_resubmit",
    nextText: "Cancel the pending release and send it again.",
  });

  it("groups rows by cause with the facts and the next step", async () => {
    const { user } = start({ reconciliation: () => [offline, timedOut, busy] });
    await user.click(await screen.findByTestId("nav-reconciliation"));
    const groups = await screen.findAllByTestId("recon-group");
    expect(groups.map((g) => g.getAttribute("data-cause"))).toEqual(["timed_out", "offline"]);
    expect(within(groups[0]!).getAllByTestId("recon-row")).toHaveLength(2);
    const row = within(groups[1]!).getByTestId("recon-row");
    expect(within(row).getByTestId("recon-cause-text").textContent).toBe(offline.causeText);
    expect(within(row).getByTestId("recon-next").textContent).toBe("Wait for the device");
    expect(within(row).getByTestId("recon-next-text").textContent).toMatch(/^Wait: .* \(2026-12-01 07:00 UTC\)$/);
    // The core decided: a release waiting for its device is not resubmitted.
    expect((within(row).getByTestId("recon-resubmit") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId("recon-count").textContent).toBe("3 stuck actions");
  });

  it("resubmits one row, and the selected rows at once", async () => {
    const { user, backend } = start({
      reconciliation: () => [lingering, timedOut, busy],
      resubmit: () => [makeJob({ id: "job-r", source: "reconcile", total: 1 })],
      job: () => makeJobDetail(makeJob({ id: "job-r" }), [timedOut.machineId]),
    });
    await user.click(await screen.findByTestId("nav-reconciliation"));
    const rows = await screen.findAllByTestId("recon-row");
    const rowOf = (id: string) => rows.find((r) => r.getAttribute("data-machine-id") === id)!;
    // A row whose resubmission is under way cannot be selected or resubmitted again.
    expect((within(rowOf(busy.machineId)).getByTestId("recon-resubmit") as HTMLButtonElement).disabled).toBe(true);
    await user.click(within(rowOf(timedOut.machineId)).getByTestId("recon-resubmit"));
    await waitFor(() => expect(backend.callsTo("resubmit")).toHaveLength(1));
    expect(backend.callsTo("resubmit")[0]!.args).toEqual({ machineIds: [timedOut.machineId], comment: null });
    expect(await screen.findByTestId("job-progress")).toBeTruthy();

    expect(screen.getByTestId("resubmit-selected").textContent).toBe("Resubmit selected (0)");
    await user.click(within(rowOf(timedOut.machineId)).getByRole("checkbox"));
    expect(within(rowOf(lingering.machineId)).getByTestId("recon-resubmit").textContent).toBe("Cancel and resubmit");
    await user.click(within(rowOf(lingering.machineId)).getByRole("checkbox"));
    expect(screen.getByTestId("resubmit-selected").textContent).toBe("Resubmit selected (2)");
    await user.click(screen.getByTestId("resubmit-selected"));
    await waitFor(() => expect(backend.callsTo("resubmit")).toHaveLength(2));
    const args = backend.callsTo("resubmit")[1]!.args as { machineIds: string[] };
    expect(new Set(args.machineIds)).toEqual(new Set([timedOut.machineId, lingering.machineId]));
  });

  it("switches auto-reconcile and saves the max tries", async () => {
    const { user, backend } = start({
      reconciliation: () => [],
      set_reconcile_settings: ({ settings }: { settings: ReconcileSettings }) => settings,
    });
    await user.click(await screen.findByTestId("nav-reconciliation"));
    expect((await screen.findByTestId("recon-empty")).textContent).toContain("nothing to reconcile");
    const toggle = within(screen.getByTestId("recon-settings")).getByRole("switch");
    await waitFor(() => expect((toggle as HTMLInputElement).checked).toBe(true));
    await user.click(toggle);
    await waitFor(() => expect(backend.callsTo("set_reconcile_settings")).toHaveLength(1));
    expect(backend.callsTo("set_reconcile_settings")[0]!.args).toEqual({ settings: { ...SETTINGS, autoReconcile: false } });
    const tries = screen.getByTestId("max-tries");
    await user.clear(tries);
    await user.type(tries, "5");
    await user.click(screen.getByTestId("save-max-tries"));
    await waitFor(() => expect(backend.callsTo("set_reconcile_settings")).toHaveLength(2));
    expect(backend.callsTo("set_reconcile_settings")[1]!.args).toEqual({ settings: { ...SETTINGS, autoReconcile: false, maxTries: 5 } });
  });
});
