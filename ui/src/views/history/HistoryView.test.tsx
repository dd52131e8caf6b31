import { describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { App } from "../../App";
import { createQueryClient } from "../../queries";
import { mockBackend } from "../../ipc/testing";
import type { AppInfo, AuditFilter, History, HistoryFilter } from "../../ipc";
import { hexId, makeAudit, makeDay, makeHistoryRow } from "../../test/fixtures";
import { fakeGrid } from "../../test/gridFake";
import { toFilter } from "./HistoryView";

const INFO: AppInfo = { version: "0.1.0", demo: true, tenantLabel: "Demo", apiBase: "http://127.0.0.1:1", permissions: [], mayIsolate: true };

const HISTORY: History = {
  rows: [
    makeHistoryRow({ kind: "release", status: "Pending" }),
    makeHistoryRow({ kind: "isolate", status: "Succeeded" }),
    makeHistoryRow({ kind: "isolate", status: "TimeOut" }),
  ],
  perDay: [makeDay("2026-11-25", 2, 1), makeDay("2026-11-28", 80, 8)],
  total: 3,
  offset: 0,
  limit: 1000,
};

describe("History view", () => {
  it("keeps only the filled-in filters", () => {
    expect(toFilter({ kind: "", status: "", requestor: "  ", machine: "ws-1 ", since: "2026-11-01", until: "" })).toEqual({
      kind: null,
      status: null,
      requestor: null,
      machine: "ws-1",
      since: "2026-11-01T00:00:00.000Z",
      until: null,
      utcOffsetMinutes: 0,
    });
  });

  it("sends the person's local days and offset (TZ=Europe/Paris)", () => {
    process.env.TZ = "Europe/Paris";
    try {
      const f = toFilter({ kind: "", status: "", requestor: "", machine: "", since: "2026-11-01", until: "2026-11-02" }, new Date("2026-11-05T12:00:00Z"));
      expect([f.since, f.until, f.utcOffsetMinutes]).toEqual(["2026-10-31T23:00:00.000Z", "2026-11-02T22:59:59.999Z", 60]);
    } finally {
      process.env.TZ = "UTC";
    }
  });

  it("shows the chart per day, the rows, filters and exports CSV", async () => {
    const backend = mockBackend({
      app_info: () => INFO,
      ...fakeGrid([]).handlers,
      history: () => HISTORY,
      save_history_csv: () => ({ path: "/home/a/cordon-history-2026-11-28.csv", bytes: 25 }),
    });
    const user = userEvent.setup();
    render(<App queryClient={createQueryClient()} />);
    await user.click(await screen.findByTestId("nav-history"));
    const chart = await screen.findByTestId("day-chart");
    // 25th to 28th: four days, the empty ones filled in; the axis rounds 80 up to 100.
    expect(chart.getAttribute("data-days")).toBe("4");
    expect(chart.getAttribute("data-max")).toBe("100");
    const days = within(chart).getAllByTestId("chart-day");
    expect(days.map((d) => [d.getAttribute("data-day"), d.getAttribute("data-isolations")])).toEqual([
      ["2026-11-25", "2"],
      ["2026-11-26", "0"],
      ["2026-11-27", "0"],
      ["2026-11-28", "80"],
    ]);
    expect(screen.getAllByTestId("history-row").map((r) => r.getAttribute("data-status"))).toEqual(["Pending", "Succeeded", "TimeOut"]);
    expect(screen.getByTestId("history-count").textContent).toBe("3 actions");

    await user.type(screen.getByTestId("history-machine"), "ws-9");
    await waitFor(() => {
      const last = backend.callsTo("history").at(-1)!.args as { filter: HistoryFilter };
      expect(last.filter.machine).toBe("ws-9");
    });
    await user.click(screen.getByTestId("history-export"));
    expect((await screen.findByTestId("export-saved")).textContent).toBe("Saved to /home/a/cordon-history-2026-11-28.csv");
    const last = backend.callsTo("save_history_csv").at(-1)!.args as { filter: HistoryFilter };
    expect(last.filter.machine).toBe("ws-9");
  });

  it("shows nothing when the save dialog is cancelled, and the error when saving fails", async () => {
    let answer: () => unknown = () => null;
    mockBackend({
      app_info: () => INFO,
      ...fakeGrid([]).handlers,
      history: () => HISTORY,
      save_history_csv: () => answer(),
    });
    const user = userEvent.setup();
    render(<App queryClient={createQueryClient()} />);
    await user.click(await screen.findByTestId("nav-history"));
    await user.click(await screen.findByTestId("history-export"));
    await waitFor(() => expect(screen.getByTestId("history-export").hasAttribute("disabled")).toBe(false));
    expect(screen.queryByTestId("export-saved")).toBeNull();
    expect(screen.queryByTestId("export-error")).toBeNull();
    answer = () => {
      throw { kind: "internal", message: "Could not save /x.csv: permission denied" };
    };
    await user.click(screen.getByTestId("history-export"));
    expect((await screen.findByTestId("export-error")).textContent).toContain("Could not save /x.csv");
    expect(screen.queryByTestId("export-saved")).toBeNull();
  });
});

describe("Audit log view", () => {
  it("lists entries, filters and exports JSON", async () => {
    const backend = mockBackend({
      app_info: () => INFO,
      ...fakeGrid([]).handlers,
      audit: () => ({
        entries: [
          makeAudit(1, { event: "job.created", machineId: null, machineName: null }),
          makeAudit(2),
          makeAudit(3, { event: "auto_reconcile.resubmit", actor: "cordon", machineName: null }),
        ],
        total: 3,
        offset: 0,
        limit: 1000,
      }),
      save_audit_export: ({ format }: { format: string }) => ({ path: `/tmp/cordon-audit-2026-11-28.${format}`, bytes: 11 }),
    });
    const user = userEvent.setup();
    render(<App queryClient={createQueryClient()} />);
    await user.click(await screen.findByTestId("nav-audit"));
    await waitFor(() => expect(screen.getAllByTestId("audit-row")).toHaveLength(3));
    expect(screen.getAllByTestId("audit-row").map((r) => r.getAttribute("data-event"))).toEqual([
      "job.created",
      "item.done",
      "auto_reconcile.resubmit",
    ]);
    // The machine by name, its id on hover; an id alone where the name is not known.
    const machines = screen.getAllByTestId("audit-machine");
    expect(machines.map((m) => m.textContent)).toEqual(["–", "ws-2.contoso.local", hexId(3)]);
    expect(machines[1]!.getAttribute("title")).toBe(hexId(2));
    await user.type(screen.getByTestId("audit-filter"), "reconcile");
    await waitFor(() => expect(backend.callsTo("audit").at(-1)!.args).toEqual({ filter: { text: "reconcile", since: null, until: null, jobId: null, offset: 0 } }));
    await user.click(screen.getByTestId("audit-export-json"));
    expect((await screen.findByTestId("export-saved")).textContent).toBe("Saved to /tmp/cordon-audit-2026-11-28.json");
    expect(backend.callsTo("save_audit_export").at(-1)!.args).toEqual({
      filter: { text: "reconcile", since: null, until: null, jobId: null },
      format: "json",
    });
  });

  it("shows a page of many entries with the count and loads older ones on demand", async () => {
    // 2,345 entries; the back end answers pages of 1,000 counted from the newest.
    const TOTAL = 2345;
    const backend = mockBackend({
      app_info: () => INFO,
      ...fakeGrid([]).handlers,
      audit: ({ filter }: { filter: AuditFilter }) => {
        const offset = filter.offset ?? 0;
        const limit = Math.min(filter.limit ?? 1000, 10000);
        const last = TOTAL - offset; // the newest seq of the page
        const first = Math.max(1, last - limit + 1);
        const entries = last < 1 ? [] : Array.from({ length: last - first + 1 }, (_, i) => makeAudit(first + i));
        return { entries, total: TOTAL, offset, limit };
      },
    });
    const user = userEvent.setup();
    render(<App queryClient={createQueryClient()} />);
    await user.click(await screen.findByTestId("nav-audit"));
    await waitFor(() => expect(screen.getByTestId("audit-count").textContent).toBe("1,000 of 2,345 entries"));
    expect(backend.callsTo("audit")).toHaveLength(1);
    await user.click(screen.getByTestId("audit-more"));
    await waitFor(() => expect(screen.getByTestId("audit-count").textContent).toBe("2,000 of 2,345 entries"));
    expect((backend.callsTo("audit").at(-1)!.args as { filter: AuditFilter }).filter.offset).toBe(1000);
    await user.click(screen.getByTestId("audit-more"));
    await waitFor(() => expect(screen.getByTestId("audit-count").textContent).toBe("2,345 entries"));
    expect(screen.queryByTestId("audit-more")).toBeNull();
  });
});

describe("History paging", () => {
  it("shows the count of all matches and loads more pages; the chart is the back end's", async () => {
    const TOTAL = 1500;
    const all = Array.from({ length: TOTAL }, (_, i) => makeHistoryRow({ actionId: `a${i}` }));
    const backend = mockBackend({
      app_info: () => INFO,
      ...fakeGrid([]).handlers,
      history: ({ filter }: { filter: HistoryFilter }) => {
        const offset = filter.offset ?? 0;
        const limit = filter.limit ?? 1000;
        return { rows: all.slice(offset, offset + limit), perDay: [makeDay("2026-11-25", 1500, 0)], total: TOTAL, offset, limit };
      },
    });
    const user = userEvent.setup();
    render(<App queryClient={createQueryClient()} />);
    await user.click(await screen.findByTestId("nav-history"));
    await waitFor(() => expect(screen.getByTestId("history-count").textContent).toBe("1,000 of 1,500 actions"));
    expect(screen.getByTestId("chart-day").getAttribute("data-isolations")).toBe("1500");
    await user.click(screen.getByTestId("history-more"));
    await waitFor(() => expect(screen.getByTestId("history-count").textContent).toBe("1,500 actions"));
    expect(screen.queryByTestId("history-more")).toBeNull();
    expect(backend.callsTo("history").map((c) => (c.args as { filter: HistoryFilter }).filter.offset)).toEqual([0, 1000]);
  });
});
