// "Resubmit (N)" of the Machines view's selection: offered for the picked machines the
// core says may be resubmitted, sent in one call with their ids, the core's refusal
// shown as it words it.
import { describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { App } from "../../App";
import { createQueryClient } from "../../queries";
import { mockBackend, type CommandName, type Handler } from "../../ipc/testing";
import { ANALYST_INFO, makeJob, makeJobDetail, makeRecon, tenant } from "../../test/fixtures";
import { fakeGrid } from "../../test/gridFake";

const INFO = ANALYST_INFO;

const { rows, list } = tenant();

function start(handlers: Partial<Record<CommandName, Handler>>) {
  const backend = mockBackend({
    app_info: () => INFO,
    ...fakeGrid(list).handlers,
    jobs: () => [],
    // The kiosk's stuck release may be resubmitted; the laptop's waits for its device.
    reconciliation: () => [
      makeRecon({ machineId: rows.kiosk.id, machineName: rows.kiosk.name, resubmittable: true }),
      makeRecon({ machineId: rows.laptop.id, machineName: rows.laptop.name, resubmittable: false }),
    ],
    ...handlers,
  });
  render(<App queryClient={createQueryClient()} />);
  return { backend, user: userEvent.setup() };
}

const rowOf = (id: string) => screen.getAllByTestId("machine-row").find((r) => r.getAttribute("data-machine-id") === id)!;

describe("resubmit of the selection", () => {
  it("offers Resubmit (N) for the picked machines that may be resubmitted and sends their ids", async () => {
    const job = makeJob({ state: "running" });
    const { backend, user } = start({ resubmit: () => [job], job: () => makeJobDetail(job, [rows.kiosk.id]) });
    await waitFor(() => expect(screen.getAllByTestId("machine-row")).toHaveLength(6));
    await user.click(within(rowOf(rows.db.id)).getByTestId("row-check"));
    expect(screen.queryByTestId("bulk-resubmit")).toBeNull();
    await user.click(within(rowOf(rows.kiosk.id)).getByTestId("row-check"));
    await user.click(within(rowOf(rows.laptop.id)).getByTestId("row-check"));
    const button = await screen.findByTestId("bulk-resubmit");
    expect(button.textContent).toBe("Resubmit (1)");
    await user.click(button);
    await waitFor(() => expect(backend.callsTo("resubmit").map((c) => c.args)).toEqual([{ machineIds: [rows.kiosk.id], comment: null }]));
    expect((await screen.findByTestId("row-menu-note")).textContent).toBe("1 machine resubmitted; follow it in the job panel.");
    // The job's panel follows it.
    await waitFor(() => expect(backend.callsTo("job").map((c) => c.args)).toContainEqual({ id: job.id }));
  });

  it("shows the core's refusal and is not offered for all matching", async () => {
    const { user } = start({
      resubmit: () => {
        throw { kind: "validation", field: "machines", message: "kiosk-3.contoso.local: a resubmission is already under way. Nothing was sent." };
      },
    });
    await waitFor(() => expect(screen.getAllByTestId("machine-row")).toHaveLength(6));
    await user.click(within(rowOf(rows.kiosk.id)).getByTestId("row-check"));
    await user.click(await screen.findByTestId("bulk-resubmit"));
    expect((await screen.findByTestId("row-menu-error")).textContent).toContain("a resubmission is already under way");
    await user.click(screen.getByTestId("selection-all-matching"));
    await waitFor(() => expect(screen.getByTestId("selection-count").textContent).toBe("All 6 matching selected"));
    expect(screen.queryByTestId("bulk-resubmit")).toBeNull();
  });
});
