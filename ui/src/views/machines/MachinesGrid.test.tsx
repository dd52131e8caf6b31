// The Machines grid asks the core (grid_page, grid_counters, grid_changes): these tests
// check what it asks, not only what it shows.
import { describe, expect, it } from "vitest";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { App } from "../../App";
import { createQueryClient } from "../../queries";
import { emitSyncChanged, mockBackend, type CommandName, type Handler } from "../../ipc/testing";
import type { BulkRequest, GridPage, GridQuery, MachineRow } from "../../ipc";
import { ANALYST_INFO, hexId, makeDetail, makePreview, makeRow, syncOk, tenant } from "../../test/fixtures";
import { fakeGrid } from "../../test/gridFake";
import { MAX_LIMIT } from "../../lib/grid";

const INFO = ANALYST_INFO;

function start(list: MachineRow[], handlers: Partial<Record<CommandName, Handler>> = {}) {
  const grid = fakeGrid(list);
  const backend = mockBackend({
    app_info: () => INFO,
    ...grid.handlers,
    machine_detail: ({ machineId }: { machineId: string }) => makeDetail(list.find((m) => m.id === machineId)!),
    ...handlers,
  });
  const user = userEvent.setup();
  render(<App queryClient={createQueryClient()} />);
  return { backend, user, grid };
}

const rowsShown = () => screen.queryAllByTestId("machine-row");
const pages = (b: ReturnType<typeof mockBackend>) => b.callsTo("grid_page").map((c) => (c.args as { query: GridQuery }).query);
const lastPage = (b: ReturnType<typeof mockBackend>) => pages(b).at(-1)!;
const many = (n: number) => Array.from({ length: n }, (_, i) => makeRow({ id: hexId(2_000_000 + i), name: `pc-${String(i).padStart(5, "0")}` }));

describe("the Machines grid asks the core", () => {
  it("fetches only the window on screen, shows the core's total, and keeps the DOM bounded at 10,000 machines", async () => {
    const { backend } = start(many(10_000));
    await waitFor(() => expect(rowsShown().length).toBeGreaterThan(10));
    expect(screen.getByTestId("row-count").textContent).toBe("10,000 machines");
    expect(screen.getByTestId("machine-grid").getAttribute("aria-rowcount")).toBe("10001");
    // Only the rows on screen plus the overscan are in the DOM.
    expect(rowsShown().length).toBeLessThan(60);
    // Every request was a small window from the top, never the fleet.
    for (const q of pages(backend)) {
      expect(q.offset).toBe(0);
      expect(q.limit).toBeGreaterThan(0);
      expect(q.limit).toBeLessThanOrEqual(100);
    }
    expect(backend.callsTo("snapshot")).toHaveLength(0);
    // The bench's paint mark: set once, when the first rows render.
    expect(performance.getEntriesByName("cordon:first-rows")).toHaveLength(1);

    // Scrolled down: the next request is the window there.
    const grid = screen.getByTestId("machine-grid");
    grid.scrollTop = 40 * 5_000;
    fireEvent.scroll(grid);
    await waitFor(() => expect(rowsShown().some((r) => r.textContent?.includes("pc-05000"))).toBe(true));
    const q = lastPage(backend);
    expect(q.offset).toBeGreaterThan(4_900);
    expect(q.offset).toBeLessThanOrEqual(5_000);
    expect(q.limit).toBeLessThanOrEqual(MAX_LIMIT);
    expect(rowsShown().length).toBeLessThan(60);
    // New rows on screen do not mark again: the mark is the first paint only.
    expect(performance.getEntriesByName("cordon:first-rows")).toHaveLength(1);
  });

  it("sends the search to the core once the typing pauses, and does not filter rows itself", async () => {
    const { list } = tenant();
    const queries: GridQuery[] = [];
    // A core that ignores the search: whatever it answers is what the grid shows.
    const { user } = start(list, {
      grid_page: ({ query }: { query: GridQuery }): GridPage => {
        queries.push(query);
        return { total: list.length, offset: 0, rows: list.map((machine) => ({ version: 1, machine })), cursor: 1, asOf: null };
      },
    });
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    await user.type(screen.getByTestId("search"), "web-");
    await waitFor(() => expect(queries.at(-1)?.filter.search).toBe("web-"));
    // Debounced: the keystrokes in between were never sent.
    expect(queries.map((q) => q.filter.search)).toEqual([null, "web-"]);
    expect(rowsShown()).toHaveLength(6);
  });

  it("sorts by a column in the core: a header click sends the sort, a second click reverses it", async () => {
    const { list } = tenant();
    const { user, backend } = start(list);
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    expect(lastPage(backend).sort).toEqual({ column: "name", descending: false });
    await user.click(screen.getByTestId("sort-state"));
    await waitFor(() => expect(lastPage(backend).sort).toEqual({ column: "state", descending: false }));
    expect(screen.getByTestId("column-state").getAttribute("aria-sort")).toBe("ascending");
    await waitFor(() => expect(rowsShown()[0]!.getAttribute("data-state")).toBe("not_isolated"));
    await user.click(screen.getByTestId("sort-state"));
    await waitFor(() => expect(lastPage(backend).sort).toEqual({ column: "state", descending: true }));
    expect(screen.getByTestId("column-state").getAttribute("aria-sort")).toBe("descending");
    expect(lastPage(backend).offset).toBe(0);
  });

  it("selects all N matching as the filter: the preview gets `matching` and shows the core's count", async () => {
    const isolated = Array.from({ length: 4 }, (_, i) => makeRow({ name: `storm-${i}`, state: "isolated" }));
    const list = [...isolated, makeRow({ name: "web-1" }), makeRow({ name: "web-2" })];
    const { user, backend } = start(list, {
      // The core resolves the filter: here, the isolated ones.
      preview_bulk: ({ request }: { request: BulkRequest }) => makePreview(request.matching?.isolatedNow ? isolated : []),
    });
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    await user.click(screen.getByTestId("filter-isolated-now"));
    await waitFor(() => expect(screen.getByTestId("row-count").textContent).toBe("4 of 6 machines"));
    await user.click(screen.getByTestId("select-all-matching"));
    expect(screen.getByTestId("selection-count").textContent).toBe("All 4 matching selected");
    await waitFor(() => expect((screen.getByTestId("bulk-release") as HTMLButtonElement).disabled).toBe(false));
    await user.click(screen.getByTestId("bulk-release"));
    const dialog = await screen.findByTestId("bulk-dialog");
    await waitFor(() => expect(within(dialog).getByTestId("preview-count").getAttribute("data-count")).toBe("4"));
    const req = (backend.callsTo("preview_bulk")[0]!.args as { request: BulkRequest }).request;
    expect(req.machineIds).toEqual([]);
    expect(req.matching).toEqual(lastPage(backend).filter);
    expect(req.matching).toMatchObject({ isolatedNow: true, search: null, states: [] });
  });

  it("an idle sync moves no machine data: grid_changes says 0, nothing is refetched", async () => {
    const { list } = tenant();
    const { backend, grid } = start(list);
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    await waitFor(() => expect(backend.callsTo("grid_counters").length).toBeGreaterThan(0));
    const before = { pages: backend.callsTo("grid_page").length, counters: backend.callsTo("grid_counters").length };
    await act(() => emitSyncChanged(syncOk(2)));
    await waitFor(() => expect(backend.callsTo("grid_changes")).toHaveLength(1));
    expect(backend.callsTo("grid_changes")[0]!.args).toEqual({ cursor: 1 });
    await new Promise((r) => setTimeout(r, 50));
    expect(backend.callsTo("grid_page")).toHaveLength(before.pages);
    expect(backend.callsTo("grid_counters")).toHaveLength(before.counters);
    expect(backend.callsTo("snapshot")).toHaveLength(0);

    // A sync that changed rows: the window and the counters follow.
    grid.set(list.map((r) => (r.state === "isolating" ? { ...r, state: "isolated" as const, isolatedNow: true } : r)));
    await act(() => emitSyncChanged(syncOk(3)));
    await waitFor(() => expect(backend.callsTo("grid_page").length).toBeGreaterThan(before.pages));
    await waitFor(() => expect(screen.getByTestId("counter-isolating-value").textContent).toBe("0"));
    expect(backend.callsTo("grid_changes").at(-1)!.args).toEqual({ cursor: 1 });
  });

  it("keeps search, filters, sort and selection across a switch to another view and back", async () => {
    const { list, rows } = tenant();
    const { user, backend } = start(list);
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    await user.click(screen.getByTestId("filter-isolated-now"));
    await user.type(screen.getByTestId("search"), "o");
    await user.click(screen.getByTestId("sort-os"));
    await waitFor(() => expect(lastPage(backend).filter.search).toBe("o"));
    await waitFor(() => expect(rowsShown().length).toBeGreaterThan(0));
    await user.click(within(rowsShown().find((r) => r.getAttribute("data-machine-id") === rows.db.id)!).getByTestId("row-check"));
    expect(screen.getByTestId("selection-count").textContent).toBe("1 selected");

    await user.click(screen.getByTestId("nav-reconciliation"));
    await waitFor(() => expect(screen.queryByTestId("machine-grid")).toBeNull());
    await user.click(screen.getByTestId("nav-machines"));

    await waitFor(() => expect(rowsShown().length).toBeGreaterThan(0));
    expect((screen.getByTestId("search") as HTMLInputElement).value).toBe("o");
    expect(screen.getByTestId("filter-isolated-now").getAttribute("aria-pressed")).toBe("true");
    expect(screen.getByTestId("column-os").getAttribute("aria-sort")).toBe("ascending");
    expect(screen.getByTestId("selection-count").textContent).toBe("1 selected");
    expect(lastPage(backend).filter).toMatchObject({ search: "o", isolatedNow: true });
    expect(lastPage(backend).sort).toEqual({ column: "os", descending: false });
  });

  it("sends the facets to the core", async () => {
    const { list } = tenant();
    const { user, backend } = start(list);
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    await user.click(screen.getByTestId("facet-health"));
    await user.click(await screen.findByTestId("facet-health-Inactive"));
    await waitFor(() => expect(lastPage(backend).filter.health).toEqual(["Inactive"]));
    await waitFor(() => expect(rowsShown()).toHaveLength(1));
    await user.keyboard("{Escape}");
    await user.type(screen.getByTestId("facet-tags"), "vip, kiosk{Enter}");
    await waitFor(() => expect(lastPage(backend).filter.tags).toEqual(["vip", "kiosk"]));
  });

  it("hides, moves and resizes columns, and remembers them in the preferences Rust keeps", async () => {
    const { list } = tenant();
    const { user, backend } = start(list);
    const saved = () => {
      const last = backend.callsTo("set_ui_pref").filter((c) => (c.args as { key: string }).key === "machines.columns").at(-1);
      return last ? JSON.parse((last.args as { json: string }).json) : undefined;
    };
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    // The chooser traps focus (the rest is aria-hidden while it is open): read the DOM.
    const headers = () => [...document.querySelectorAll('[role="columnheader"]')].map((h) => h.getAttribute("data-testid"));
    expect(headers()).toContain("column-os");
    await user.click(screen.getByTestId("columns-button"));
    await user.click(await screen.findByTestId("column-toggle-os"));
    await waitFor(() => expect(headers()).not.toContain("column-os"));
    await user.click(screen.getByTestId("column-right-name"));
    await waitFor(() => expect(headers().slice(1, 3)).toEqual(["column-state", "column-name"]));
    expect(saved().visibility.os).toBe(false);
    expect(saved().order.slice(0, 2)).toEqual(["state", "name"]);

    const handle = screen.getByTestId("resize-health");
    fireEvent.mouseDown(handle, { clientX: 500 });
    fireEvent.mouseMove(document, { clientX: 560 });
    fireEvent.mouseUp(document, { clientX: 560 });
    await waitFor(() => expect(saved().sizing.health).toBe(170));
    expect(saved().visibility.os).toBe(false);
  });

  it("opens with the saved columns", async () => {
    const { list } = tenant();
    start(list, { ui_prefs: () => ({ "machines.columns": JSON.stringify({ visibility: { os: false }, order: ["state"], sizing: {} }) }) });
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    const headers = [...document.querySelectorAll('[role="columnheader"]')].map((h) => h.getAttribute("data-testid"));
    expect(headers).not.toContain("column-os");
    expect(headers.slice(1, 3)).toEqual(["column-state", "column-name"]);
  });
});
