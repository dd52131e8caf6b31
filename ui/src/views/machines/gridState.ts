// What the person asked of the Machines grid (search, state chip, facets) and what they
// selected. Kept in the query cache, not in the view, so it survives switching to
// another view and back; a switch of tenant clears the selection (`clearGridSelection`).
// The sort is a preference instead (`lib/gridPrefs`): a relaunch opens with it.
import { useCallback } from "react";
import { useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import type { MachineRow } from "../../ipc";
import { NO_FACETS, type Facets } from "../../lib/grid";
import type { StateFilter } from "../../lib/states";
import { queryKeys } from "../../queries";

/** A machine picked one by one: what the bulk bar counts it as. */
export type Picked = Pick<MachineRow, "id" | "name" | "state" | "isolatedNow" | "pending">;

export interface GridUi {
  /** The search box as typed. */
  searchText: string;
  /** The search sent to the core (the typed text, debounced). */
  search: string;
  state: StateFilter;
  facets: Facets;
  /** Machines picked one by one, as last seen (for the bulk bar's counts). */
  picked: Record<string, Picked>;
  /** "All N matching": the current filter, resolved by the core at preview time. */
  allMatching: boolean;
}

export const INITIAL_GRID_UI: GridUi = {
  searchText: "",
  search: "",
  state: "all",
  facets: NO_FACETS,
  picked: {},
  allMatching: false,
};

export const GRID_UI_KEY = queryKeys.gridUi;

export type GridUiUpdate = (f: (ui: GridUi) => GridUi) => void;

export function useGridUi(): [GridUi, GridUiUpdate] {
  const client = useQueryClient();
  const ui =
    useQuery<GridUi>({
      queryKey: GRID_UI_KEY,
      queryFn: () => client.getQueryData<GridUi>(GRID_UI_KEY) ?? INITIAL_GRID_UI,
      initialData: INITIAL_GRID_UI,
      staleTime: Infinity,
      gcTime: Infinity,
    }).data ?? INITIAL_GRID_UI;
  const update = useCallback<GridUiUpdate>(
    (f) => client.setQueryData<GridUi>(GRID_UI_KEY, (old) => f(old ?? INITIAL_GRID_UI)),
    [client],
  );
  return [ui, update];
}

/** A change of what matches ends "all matching" (it meant the filter it was chosen for). */
export function withFilter(ui: GridUi, change: Partial<Pick<GridUi, "search" | "state" | "facets">>): GridUi {
  return { ...ui, ...change, allMatching: false };
}

export function clearGridSelection(client: QueryClient): void {
  client.setQueryData<GridUi>(GRID_UI_KEY, (old) => ({ ...(old ?? INITIAL_GRID_UI), picked: {}, allMatching: false }));
}
