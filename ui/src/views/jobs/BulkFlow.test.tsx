import { describe, expect, it } from "vitest";
import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { App } from "../../App";
import { createQueryClient } from "../../queries";
import { emitJobChanged, mockBackend, type CommandName, type Handler } from "../../ipc/testing";
import type { AppInfo, BulkRequest, Confirmation, MachineRow } from "../../ipc";
import { makeGroup, makeItem, makeJob, makeJobDetail, makePreview, makeRow } from "../../test/fixtures";
import { fakeGrid } from "../../test/gridFake";

const INFO: AppInfo = {
  version: "0.1.0",
  demo: false,
  tenantLabel: "Contoso SOC",
  apiBase: "https://api.securitycenter.microsoft.com",
  permissions: ["Machine.Isolate", "Machine.Read.All"],
  mayIsolate: true,
};

function fleet() {
  const isolated = Array.from({ length: 4 }, (_, i) => makeRow({ name: `storm-${i}.contoso.local`, state: "isolated" }));
  const free = [makeRow({ name: "web-1.contoso.local" }), makeRow({ name: "web-2.contoso.local" })];
  return { isolated, free, all: [...isolated, ...free] };
}

function start(rows: MachineRow[], handlers: Partial<Record<CommandName, Handler>> = {}) {
  const backend = mockBackend({
    app_info: () => INFO,
    ...fakeGrid(rows).handlers,
    ...handlers,
  });
  const user = userEvent.setup();
  render(<App queryClient={createQueryClient()} />);
  return { backend, user };
}

const rowOf = (id: string) => screen.getAllByTestId("machine-row").find((r) => r.getAttribute("data-machine-id") === id)!;
const checkRow = async (user: ReturnType<typeof userEvent.setup>, id: string) =>
  user.click(within(rowOf(id)).getByRole("checkbox"));

describe("bulk release from the Machines view", () => {
  it("selects rows, shows the bulk bar counts, and selects all matching", async () => {
    const { isolated, all } = fleet();
    const { user } = start(all);
    await waitFor(() => expect(screen.getAllByTestId("machine-row")).toHaveLength(6));
    expect(screen.queryByTestId("selection-bar")).toBeNull();
    await checkRow(user, isolated[0]!.id);
    await checkRow(user, all[5]!.id);
    expect(screen.getByTestId("selection-count").textContent).toBe("2 selected");
    expect(screen.getByTestId("bulk-release").textContent).toBe("Release 1");
    expect(screen.getByTestId("bulk-isolate").textContent).toBe("Isolate 1");
    // The header's checkbox with rows picked clears them; again, it selects all matching.
    await user.click(within(screen.getByTestId("machine-grid")).getByTestId("check-all"));
    expect(screen.queryByTestId("selection-bar")).toBeNull();
    // Filter to isolated now, then select all matching: the 4 isolated ones, counted by the core.
    await user.click(screen.getByTestId("filter-isolated-now"));
    await waitFor(() => expect(screen.getAllByTestId("machine-row")).toHaveLength(4));
    await user.click(within(screen.getByTestId("machine-grid")).getByTestId("check-all"));
    expect(screen.getByTestId("selection-count").textContent).toBe("All 4 matching selected");
    await waitFor(() => expect(screen.getByTestId("bulk-release").textContent).toBe("Release 4"));
    expect(screen.getByTestId("bulk-isolate").textContent).toBe("Isolate 0");
    expect(screen.getAllByTestId("machine-row").every((r) => r.getAttribute("data-checked") === "true")).toBe(true);
    // A change of the filter ends "all matching" (it meant the filter it was chosen for).
    await user.click(screen.getByTestId("filter-isolated-now"));
    expect(screen.queryByTestId("selection-bar")).toBeNull();
  });

  it("previews, requires a comment and the typed phrase, then starts the job and follows its progress", async () => {
    const { isolated, all } = fleet();
    const ids = isolated.map((r) => r.id);
    let started: BulkRequest | null = null;
    let startedToken: string | null = null;
    let startedPhrase: string | null = null;
    const { user, backend } = start(all, {
      preview_bulk: ({ request }: { request: BulkRequest }) =>
        makePreview(isolated.slice(0, 3), {
          excluded: [
            {
              machine: { id: isolated[3]!.id, name: isolated[3]!.name },
              cause: "isolated_by_other",
              reason: "Isolated by someone else (carol@contoso.example)",
              isolatedBy: "carol@contoso.example",
            },
          ],
          confirmPhrase: request.machineIds.length > 2 ? "release 3 machines" : null,
        }),
      start_job: ({ request, confirmation }: { request: BulkRequest; confirmation: Confirmation }) => {
        started = request;
        startedToken = confirmation.previewToken;
        startedPhrase = confirmation.typedPhrase;
        return makeJob({ total: 3 });
      },
      job: () => makeJobDetail(makeJob(), ids.slice(0, 3)),
      cancel_job: () => makeJob({ state: "cancelled" }),
    });
    await waitFor(() => expect(screen.getAllByTestId("machine-row")).toHaveLength(6));
    for (const id of ids) await checkRow(user, id);
    await user.click(screen.getByTestId("bulk-release"));
    const dialog = await screen.findByTestId("bulk-dialog");
    await waitFor(() => expect(within(dialog).getByTestId("preview-count").textContent).toBe("3 machines will be sent to Defender."));
    expect(within(dialog).getByTestId("excluded-machine").textContent).toContain("Isolated by someone else");
    const confirm = within(dialog).getByTestId("bulk-confirm");
    expect(confirm.textContent).toBe("Release 3 machines");
    expect((confirm as HTMLButtonElement).disabled).toBe(true);
    expect(within(dialog).getByTestId("bulk-gate").textContent).toBe("A comment is required.");
    await user.type(within(dialog).getByTestId("bulk-comment"), "False positive: Wacatac");
    expect(within(dialog).getByTestId("bulk-gate").textContent).toBe("Type “release 3 machines” to confirm.");
    expect((confirm as HTMLButtonElement).disabled).toBe(true);
    await user.type(within(dialog).getByTestId("bulk-confirm-phrase"), "release 3 machines");
    expect((confirm as HTMLButtonElement).disabled).toBe(false);
    expect(backend.callsTo("start_job")).toHaveLength(0);
    await user.click(confirm);
    await waitFor(() => expect(backend.callsTo("start_job")).toHaveLength(1));
    expect(startedToken).toBe(`token-${ids.slice(0, 3).join(",")}`);
    expect(startedPhrase).toBe("release 3 machines");
    expect(started).toEqual({
      kind: "release",
      machineIds: ids,
      comment: "False positive: Wacatac",
      isolationType: null,
      source: "selection",
      includeForeign: false,
      matching: null,
    });
    // The dialog closes, the selection is cleared, the progress panel follows the events.
    const panel = await screen.findByTestId("job-progress");
    expect(screen.queryByTestId("bulk-dialog")).toBeNull();
    expect(screen.queryByTestId("selection-bar")).toBeNull();
    await waitFor(() => expect(within(panel).getByTestId("job-count").textContent).toBe("0 of 3"));
    await act(() =>
      emitJobChanged({
        job: makeJob({ finished: 1, succeeded: 1, throttledUntil: "2026-11-28T10:05:07Z", updatedAt: "2026-11-28T10:00:01Z", sentBy: "Ana's Cordon" }),
        item: makeItem(ids[0]!, { state: "done", actionId: "act-1", updatedAt: "2026-11-28T10:00:01Z" }),
      }),
    );
    await waitFor(() => expect(within(panel).getByTestId("job-count").textContent).toBe("1 of 3"));
    expect(within(panel).getByTestId("job-throttled").textContent).toBe("Defender asks Cordon to wait: throttled until 10:05:07");
    // A person's job on a team store says whose Cordon sends it (it waits while that laptop is closed).
    expect(within(panel).getByTestId("job-sent-by").textContent).toBe("Sent by Ana's Cordon");
    const done = within(panel).getAllByTestId("job-item").find((i) => i.getAttribute("data-machine-id") === ids[0]);
    expect(done!.getAttribute("data-item-state")).toBe("done");
    await user.click(within(panel).getByTestId("job-cancel"));
    await waitFor(() => expect(backend.callsTo("cancel_job")).toEqual([{ cmd: "cancel_job", args: { id: "job-1" } }]));
    await act(() =>
      emitJobChanged({ job: makeJob({ state: "done", finished: 3, succeeded: 3, updatedAt: "2026-11-28T10:00:09Z" }), item: null }),
    );
    await waitFor(() => expect(within(panel).getByTestId("job-summary").textContent).toBe("Done: 3 sent."));
    expect(within(panel).queryByTestId("job-cancel")).toBeNull();
  });

  it("releases a whole false-positive batch with a pre-filled comment", async () => {
    const { isolated, all } = fleet();
    const group = makeGroup(isolated);
    const { user, backend } = start(all, {
      groups: () => [group],
      preview_bulk: () => makePreview(isolated),
      start_job: () => makeJob({ total: 4 }),
      job: () => makeJobDetail(makeJob(), isolated.map((r) => r.id)),
    });
    await waitFor(() => expect(screen.getAllByTestId("machine-row")).toHaveLength(6));
    await user.click(screen.getByTestId("open-batches"));
    const batch = await screen.findByTestId("batch");
    expect(batch.textContent).toContain("Alert: Wacatac on ContosoUpdater.exe");
    await user.click(within(batch).getByTestId("batch-release"));
    const dialog = await screen.findByTestId("bulk-dialog");
    expect((within(dialog).getByTestId("bulk-comment") as HTMLTextAreaElement).value).toBe(
      "False positive: Wacatac on ContosoUpdater.exe (alert da638001)",
    );
    await waitFor(() => expect((within(dialog).getByTestId("bulk-confirm") as HTMLButtonElement).disabled).toBe(false));
    await user.click(within(dialog).getByTestId("bulk-confirm"));
    await waitFor(() => expect(backend.callsTo("start_job")).toHaveLength(1));
    const req = (backend.callsTo("start_job")[0]!.args as { request: BulkRequest }).request;
    expect(req.source).toBe("batch:batch-wacatac");
    // The batch names whose isolations it holds: choosing it includes them (S-7).
    expect(req.includeForeign).toBe(true);
    expect(req.machineIds).toEqual(isolated.map((r) => r.id));
    expect(await screen.findByTestId("job-progress")).toBeTruthy();
  });

  it("leaves out someone else's isolations unless explicitly included (S-7)", async () => {
    const { isolated, all } = fleet();
    const { user, backend } = start(all, {
      preview_bulk: ({ request }: { request: BulkRequest }) =>
        request.includeForeign
          ? makePreview(isolated.slice(0, 2))
          : makePreview(isolated.slice(0, 1), {
              excluded: [
                {
                  machine: { id: isolated[1]!.id, name: isolated[1]!.name },
                  cause: "isolated_by_other",
                  reason: "Isolated by carol@contoso.example: select it explicitly to release someone else's isolation.",
                  isolatedBy: "carol@contoso.example",
                },
              ],
            }),
      start_job: () => makeJob({ total: 2 }),
      job: () => makeJobDetail(makeJob(), isolated.slice(0, 2).map((r) => r.id)),
    });
    await waitFor(() => expect(screen.getAllByTestId("machine-row")).toHaveLength(6));
    await checkRow(user, isolated[0]!.id);
    await checkRow(user, isolated[1]!.id);
    await user.click(screen.getByTestId("bulk-release"));
    const dialog = await screen.findByTestId("bulk-dialog");
    await waitFor(() => expect(within(dialog).getByTestId("preview-count").getAttribute("data-count")).toBe("1"));
    const include = within(dialog).getByTestId("include-foreign");
    expect(include.closest("span, div")!.parentElement!.textContent).toContain("Also release the 1 machine isolated by someone else");
    await user.click(include);
    await waitFor(() => expect(within(dialog).getByTestId("preview-count").getAttribute("data-count")).toBe("2"));
    await user.type(within(dialog).getByTestId("bulk-comment"), "fp");
    await user.click(within(dialog).getByTestId("bulk-confirm"));
    await waitFor(() => expect(backend.callsTo("start_job")).toHaveLength(1));
    expect((backend.callsTo("start_job")[0]!.args as { request: BulkRequest }).request.includeForeign).toBe(true);
  });

  it("sends nothing from a stale preview: shows the new one and confirms again with its token (S-7)", async () => {
    const { isolated, all } = fleet();
    let previews = 0;
    const tokens: string[] = [];
    const { user, backend } = start(all, {
      // The second preview (after a sync) sends to one machine fewer.
      preview_bulk: () => {
        previews += 1;
        return makePreview(isolated.slice(0, previews === 1 ? 2 : 1));
      },
      start_job: ({ confirmation }: { confirmation: Confirmation }) => {
        tokens.push(confirmation.previewToken);
        if (tokens.length === 1) {
          throw { kind: "stalePreview", message: "The selection changed since the preview." };
        }
        return makeJob({ total: 1 });
      },
      job: () => makeJobDetail(makeJob(), [isolated[0]!.id]),
    });
    await waitFor(() => expect(screen.getAllByTestId("machine-row")).toHaveLength(6));
    await checkRow(user, isolated[0]!.id);
    await checkRow(user, isolated[1]!.id);
    await user.click(screen.getByTestId("bulk-release"));
    const dialog = await screen.findByTestId("bulk-dialog");
    await waitFor(() => expect(within(dialog).getByTestId("preview-count").getAttribute("data-count")).toBe("2"));
    await user.type(within(dialog).getByTestId("bulk-comment"), "fp");
    await user.click(within(dialog).getByTestId("bulk-confirm"));
    await waitFor(() => expect(within(dialog).getByTestId("start-error").textContent).toContain("The selection changed"));
    await waitFor(() => expect(within(dialog).getByTestId("preview-count").getAttribute("data-count")).toBe("1"));
    await user.click(within(dialog).getByTestId("bulk-confirm"));
    await waitFor(() => expect(backend.callsTo("start_job")).toHaveLength(2));
    expect(tokens).toEqual([`token-${isolated[0]!.id},${isolated[1]!.id}`, `token-${isolated[0]!.id}`]);
  });

  it("shows the progress of a job already running (resumed after a restart), not auto-reconcile's", async () => {
    const { isolated, all } = fleet();
    start(all, {
      jobs: () => [
        makeJob({ id: "job-auto", source: "auto-reconcile", total: 1 }),
        makeJob({ id: "job-old", source: "batch:storm", total: 4, finished: 2 }),
        makeJob({ id: "job-done", state: "done" }),
      ],
      job: ({ id }: { id: string }) => makeJobDetail(makeJob({ id, finished: 2 }), isolated.map((r) => r.id)),
    });
    const panel = await screen.findByTestId("job-progress");
    expect(panel.getAttribute("data-job-id")).toBe("job-old");
    await waitFor(() => expect(within(panel).getByTestId("job-count").textContent).toBe("2 of 4"));
    expect(screen.getAllByTestId("job-progress")).toHaveLength(1);
  });

  it("shows a storage failure as a blocking banner", async () => {
    const { isolated, all } = fleet();
    const { user } = start(all, {
      preview_bulk: () => makePreview(isolated),
      start_job: () => {
        throw { kind: "storage", message: "Cordon's local store failed: disk full; nothing was sent" };
      },
    });
    await waitFor(() => expect(screen.getAllByTestId("machine-row")).toHaveLength(6));
    await checkRow(user, isolated[0]!.id);
    await user.click(screen.getByTestId("bulk-release"));
    const dialog = await screen.findByTestId("bulk-dialog");
    await user.type(within(dialog).getByTestId("bulk-comment"), "fp");
    await waitFor(() => expect((within(dialog).getByTestId("bulk-confirm") as HTMLButtonElement).disabled).toBe(false));
    await user.click(within(dialog).getByTestId("bulk-confirm"));
    const banner = await screen.findByTestId("storage-error");
    expect(banner.textContent).toContain("disk full");
    expect(within(dialog).getByTestId("start-error").getAttribute("data-error-kind")).toBe("storage");
  });
});
