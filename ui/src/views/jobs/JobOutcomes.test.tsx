import { describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import { QueryClientProvider } from "@tanstack/react-query";
import { FluentProvider, webLightTheme } from "@fluentui/react-components";
import { createQueryClient, useSyncEvents } from "../../queries";
import { emitSyncChanged, mockBackend } from "../../ipc/testing";
import type { WaitItem, WaitReport } from "../../ipc";
import { hexId, makeItem, makeJob, makeJobDetail, syncOk } from "../../test/fixtures";
import { JobProgressPanel, defenderText } from "./JobProgressPanel";

const ids = [hexId(1), hexId(2), hexId(3)];

/** The panel with the app's sync listener, as the Machines view has it. */
function Panel() {
  useSyncEvents();
  return <JobProgressPanel jobId="job-1" />;
}

function report(statuses: string[]): WaitReport {
  const items: WaitItem[] = statuses.map((status, i) => ({
    machineId: ids[i]!,
    machineName: `ws-${i + 1}`,
    actionId: `act-${i + 1}`,
    status,
    outcome: status === "Succeeded" ? "succeeded" : status === "Pending" || status === "InProgress" ? "waiting" : "failed",
    updated: "2026-11-28T10:05:00Z",
    error: null,
  }));
  const n = (o: string) => items.filter((i) => i.outcome === o).length;
  return { jobId: "job-1", ranOut: n("waiting") > 0, waitedSecs: 0, succeeded: n("succeeded"), failed: n("failed"), waiting: n("waiting"), items, error: null };
}

describe("job panel, past sent", () => {
  it("words Defender's counts", () => {
    expect(defenderText(report(["Succeeded", "Succeeded", "Succeeded"]))).toBe("In Defender: all 3 succeeded");
    expect(defenderText(report(["Succeeded", "TimeOut", "Pending"]))).toBe(
      "In Defender: 1 succeeded · 1 failed, timed out, cancelled or not sent · 1 still pending",
    );
  });

  it("follows each machine to Defender's final status on every sync", async () => {
    const job = makeJob({ state: "done", finished: 3, succeeded: 3 });
    let now = report(["Pending", "InProgress", "Succeeded"]);
    const backend = mockBackend({
      job: () => ({ ...makeJobDetail(job, ids), items: ids.map((id) => makeItem(id, { state: "done", actionStatus: "Pending" })) }),
      job_outcomes: () => now,
      snapshot: () => ({ machines: [], counters: {}, sync: syncOk() }),
    });
    const client = createQueryClient();
    render(
      <QueryClientProvider client={client}>
        <FluentProvider theme={webLightTheme}>
          <Panel />
        </FluentProvider>
      </QueryClientProvider>,
    );
    const line = await screen.findByTestId("job-defender");
    expect(line.textContent).toBe("In Defender: 1 succeeded · 2 still pending");
    const statuses = () => screen.getAllByTestId("job-item").map((i) => i.getAttribute("data-defender-status"));
    expect(statuses()).toEqual(["Pending", "InProgress", "Succeeded"]);

    // The sync saw the actions end: the panel follows without a click.
    now = report(["Succeeded", "TimeOut", "Succeeded"]);
    await emitSyncChanged(syncOk(2));
    await waitFor(() => expect(screen.getByTestId("job-defender").textContent).toBe("In Defender: 2 succeeded · 1 failed, timed out, cancelled or not sent"));
    expect(statuses()).toEqual(["Succeeded", "TimeOut", "Succeeded"]);
    expect(within(screen.getAllByTestId("job-item")[1]!).getByText(/TimeOut/)).toBeTruthy();
    expect(backend.callsTo("job_outcomes").length).toBeGreaterThanOrEqual(2);
  });
});
