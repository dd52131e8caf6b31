// The grid's sort and saved filters are preferences Rust keeps (ui_prefs / set_ui_pref):
// these tests check what is written, what a relaunch reads, and what the core is asked
// after a saved filter is picked.
import { describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { App } from "../../App";
import { createQueryClient } from "../../queries";
import { mockBackend, type CommandName, type Handler } from "../../ipc/testing";
import type { GridQuery } from "../../ipc";
import { ANALYST_INFO, makeDetail, tenant } from "../../test/fixtures";
import { fakeGrid } from "../../test/gridFake";
import { NO_FACETS } from "../../lib/grid";
import { preloadPrefs } from "../../lib/prefs";

const INFO = ANALYST_INFO;

function start(handlers: Partial<Record<CommandName, Handler>> = {}) {
  const { list } = tenant();
  const backend = mockBackend({
    app_info: () => INFO,
    ...fakeGrid(list).handlers,
    machine_detail: ({ machineId }: { machineId: string }) => makeDetail(list.find((m) => m.id === machineId)!),
    ...handlers,
  });
  render(<App queryClient={createQueryClient()} />);
  return { backend, user: userEvent.setup() };
}

type Backend = ReturnType<typeof mockBackend>;
const lastPage = (b: Backend) => (b.callsTo("grid_page").at(-1)!.args as { query: GridQuery }).query;
const written = (b: Backend, key: string) =>
  b
    .callsTo("set_ui_pref")
    .map((c) => c.args as { key: string; json: string })
    .filter((a) => a.key === key)
    .map((a) => JSON.parse(a.json) as unknown);
const rowsShown = () => screen.queryAllByTestId("machine-row");

describe("the grid's sort is remembered", () => {
  it("saves each sort the person picks", async () => {
    const { backend, user } = start();
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    await user.click(screen.getByTestId("sort-os"));
    await waitFor(() => expect(lastPage(backend).sort).toEqual({ column: "os", descending: false }));
    await user.click(screen.getByTestId("sort-os"));
    await waitFor(() => expect(lastPage(backend).sort).toEqual({ column: "os", descending: true }));
    expect(written(backend, "machines.sort")).toEqual([
      { column: "os", descending: false },
      { column: "os", descending: true },
    ]);
  });

  it("opens with the saved sort: the first window asked is already sorted so", async () => {
    // As main.tsx does: the preferences are read before the window's first render.
    const client = createQueryClient();
    const { list } = tenant();
    const backend = mockBackend({
      app_info: () => INFO,
      ...fakeGrid(list).handlers,
      ui_prefs: () => ({ "machines.sort": JSON.stringify({ column: "risk", descending: true }) }),
    });
    await preloadPrefs(client);
    render(<App queryClient={client} />);
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    const asked = backend.callsTo("grid_page").map((c) => (c.args as { query: GridQuery }).query.sort);
    expect(asked.every((s) => s.column === "risk" && s.descending)).toBe(true);
    expect(screen.getByTestId("column-risk").getAttribute("aria-sort")).toBe("descending");
  });

  it("reads a sort of the wrong shape as the default", async () => {
    const { backend } = start({ ui_prefs: () => ({ "machines.sort": JSON.stringify({ column: "colour", descending: 1 }) }) });
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    expect(lastPage(backend).sort).toEqual({ column: "name", descending: false });
  });
});

describe("saved filters", () => {
  it("saves the current search, state chip and facets under a name, picks it again and deletes it", async () => {
    const { backend, user } = start();
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    await user.type(screen.getByTestId("search"), "contoso");
    await user.click(screen.getByTestId("filter-isolated-now"));
    await user.click(screen.getByTestId("facet-health"));
    await user.click(await screen.findByTestId("facet-health-Inactive"));
    await user.keyboard("{Escape}");
    await waitFor(() => expect(lastPage(backend).filter).toMatchObject({ search: "contoso", isolatedNow: true, health: ["Inactive"] }));

    await user.click(screen.getByTestId("saved-filters"));
    await user.click(await screen.findByTestId("manage-saved-filters"));
    await user.type(await screen.findByTestId("saved-filter-name"), "Cut-off inactive");
    await user.click(screen.getByTestId("save-filter"));
    const kept = { name: "Cut-off inactive", search: "contoso", state: "isolatedNow", facets: { ...NO_FACETS, health: ["Inactive"] } };
    await waitFor(() => expect(written(backend, "machines.savedFilters").at(-1)).toEqual([kept]));
    await user.click(screen.getByTestId("close-saved-filters"));

    // Back to every machine, then the saved filter again: the core is asked for it.
    await user.clear(screen.getByTestId("search"));
    await user.click(screen.getByTestId("filter-all"));
    await user.click(screen.getByTestId("facet-clear"));
    await waitFor(() => expect(screen.queryByTestId("facet-clear")).toBeNull());
    expect(screen.getByTestId("facet-health").textContent).toBe("Health");
    await user.click(screen.getByTestId("saved-filters"));
    await user.click((await screen.findAllByTestId("saved-filter")).find((m) => m.getAttribute("data-name") === "Cut-off inactive")!);
    // (The grid's answer for that filter is cached from before: the view shows it again.)
    await waitFor(() => expect((screen.getByTestId("search") as HTMLInputElement).value).toBe("contoso"));
    expect(screen.getByTestId("filter-isolated-now").getAttribute("aria-pressed")).toBe("true");
    expect(screen.getByTestId("facet-health").textContent).toBe("Health (1)");

    await user.click(screen.getByTestId("saved-filters"));
    await user.click(await screen.findByTestId("manage-saved-filters"));
    // By test id (a role query walks Fluent's whole tree and can outlast the timeout on
    // a loaded machine); the button's accessible name is checked on the element found.
    const del = (await screen.findAllByTestId("delete-saved-filter")).find((b) => b.getAttribute("data-name") === "Cut-off inactive")!;
    expect(del.getAttribute("aria-label")).toBe("Delete the saved filter Cut-off inactive");
    await user.click(del);
    await waitFor(() => expect(written(backend, "machines.savedFilters").at(-1)).toEqual([]));
  });

  it("opens with the saved filters Rust kept, and picking one asks the core for it", async () => {
    const kiosks = { name: "Kiosks", search: "kiosk", state: "stuck", facets: { ...NO_FACETS, health: ["Inactive"] } };
    const { backend, user } = start({ ui_prefs: () => ({ "machines.savedFilters": JSON.stringify([kiosks]) }) });
    await waitFor(() => expect(rowsShown()).toHaveLength(6));
    expect(backend.callsTo("ui_prefs")).toHaveLength(1);
    await user.click(screen.getByTestId("saved-filters"));
    expect(screen.getByTestId("saved-filters").textContent).toBe("Saved filters (1)");
    await user.click((await screen.findAllByTestId("saved-filter")).find((m) => m.getAttribute("data-name") === "Kiosks")!);
    await waitFor(() =>
      expect(lastPage(backend).filter).toEqual({
        search: "kiosk",
        isolatedNow: false,
        pending: false,
        states: ["release_stuck"],
        health: ["Inactive"],
        os: [],
        risk: [],
        exposure: [],
        tags: [],
        groups: [],
        deviceValue: [],
      }),
    );
    await waitFor(() => expect(rowsShown()).toHaveLength(1));
    // Picking writes nothing: only saving and deleting change the preference.
    expect(written(backend, "machines.savedFilters")).toEqual([]);
  });
});
