// The Machines grid's column model (TanStack Table, headless): which columns exist, how
// each cell renders, and each column's sort key in the core (`GridColumn`). Sorting is
// the core's: the table never sorts rows itself (it only holds a window of them).
import { useCallback, useRef } from "react";
import { createColumnHelper, type ColumnDef } from "@tanstack/react-table";
import { mergeClasses } from "@fluentui/react-components";
import type { GridColumn, GridSort, MachineRow } from "../../ipc";
import { StateBadge } from "../../components/StateBadge";
import { exactTime, relativeTime } from "../../lib/time";
import { DEFAULT_SORT } from "../../lib/grid";
import { COLUMN_PREFS_KEY, EMPTY_PREFS, SORT_PREFS_KEY, isColumnPrefs, isGridSort, type ColumnPrefs } from "../../lib/gridPrefs";
import { usePref } from "../../lib/prefs";
import { useRowStyles } from "./MachineRowView";

/** What a cell needs besides its row. */
export interface CellMeta {
  now: Date;
}

export interface ColumnInfo {
  id: GridColumn;
  label: string;
  size: number;
  /** Shown until the person hides it. */
  shown: boolean;
}

/** Every data column, in the default order. The selection column comes first, always. */
export const COLUMNS: ColumnInfo[] = [
  { id: "name", label: "Name", size: 220, shown: true },
  { id: "state", label: "State", size: 250, shown: true },
  { id: "health", label: "Health", size: 110, shown: true },
  { id: "lastSeen", label: "Last full report", size: 130, shown: true },
  { id: "os", label: "OS", size: 130, shown: true },
  { id: "risk", label: "Risk", size: 100, shown: true },
  { id: "exposure", label: "Exposure", size: 100, shown: true },
  { id: "tags", label: "Tags", size: 140, shown: true },
  { id: "group", label: "Group", size: 150, shown: true },
  { id: "deviceValue", label: "Device value", size: 110, shown: false },
  { id: "ip", label: "IP address", size: 130, shown: false },
  { id: "since", label: "State since", size: 150, shown: false },
];

export const SELECT_COLUMN = "select";
export const SELECT_WIDTH = 40;
export const COLUMN_IDS = COLUMNS.map((c) => c.id as string);

const h = createColumnHelper<MachineRow>();

function Dash() {
  const s = useRowStyles();
  return <span className={s.muted}>–</span>;
}

function text(v: string | null | undefined) {
  return v ? v : <Dash />;
}

function StateCell({ row }: { row: MachineRow }) {
  const s = useRowStyles();
  return (
    <div className={s.stateCell} title={row.reason}>
      <span className={s.badgeLine}>
        <StateBadge state={row.state} reason={row.reason} size="small" />
      </span>
      {row.state !== "not_isolated" && (
        <span className={s.reason} data-testid="state-reason">
          {row.reason}
        </span>
      )}
    </div>
  );
}

function HealthCell({ row }: { row: MachineRow }) {
  const s = useRowStyles();
  return <span className={mergeClasses(row.health !== "Active" && s.inactive)}>{row.health}</span>;
}

function meta(m: unknown): CellMeta {
  return m as CellMeta;
}

/** The column definitions (one per `COLUMNS` entry, plus the selection column drawn by the grid). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const COLUMN_DEFS: ColumnDef<MachineRow, any>[] = [
  h.display({ id: SELECT_COLUMN, size: SELECT_WIDTH, enableResizing: false, enableHiding: false }),
  h.accessor("name", { id: "name", cell: (c) => <span title={`${c.row.original.name}\n${c.row.original.id}`}>{c.getValue<string>()}</span> }),
  h.accessor("state", { id: "state", cell: (c) => <StateCell row={c.row.original} /> }),
  h.accessor("health", { id: "health", cell: (c) => <HealthCell row={c.row.original} /> }),
  h.accessor("lastSeen", {
    id: "lastSeen",
    cell: (c) => (
      <span title={c.row.original.lastSeen ? `Last full device report: ${exactTime(c.row.original.lastSeen)}` : "No full device report yet"}>
        {relativeTime(c.row.original.lastSeen, meta(c.table.options.meta).now)}
      </span>
    ),
  }),
  h.accessor("os", { id: "os", cell: (c) => <span title={c.row.original.os}>{c.row.original.os}</span> }),
  h.accessor("risk", { id: "risk", cell: (c) => text(c.row.original.risk) }),
  h.accessor("exposure", { id: "exposure", cell: (c) => text(c.row.original.exposure) }),
  h.accessor((r) => r.tags.join(", "), {
    id: "tags",
    cell: (c) => (c.row.original.tags.length === 0 ? <Dash /> : <span title={c.row.original.tags.join(", ")}>{c.row.original.tags.join(", ")}</span>),
  }),
  h.accessor("group", { id: "group", cell: (c) => text(c.row.original.group) }),
  h.accessor("deviceValue", { id: "deviceValue", cell: (c) => text(c.row.original.deviceValue) }),
  h.accessor("ip", { id: "ip", cell: (c) => text(c.row.original.ip) }),
  h.accessor("since", {
    id: "since",
    cell: (c) => (
      <span title={c.row.original.since ? exactTime(c.row.original.since) : undefined}>
        {c.row.original.since ? relativeTime(c.row.original.since, meta(c.table.options.meta).now) : <Dash />}
      </span>
    ),
  }),
].map((d) => {
  const info = COLUMNS.find((c) => c.id === d.id);
  return info ? { ...d, size: info.size, minSize: 60, header: info.label } : d;
});

/** The default visibility, overridden by the saved preferences. */
export function visibilityOf(prefs: ColumnPrefs): Record<string, boolean> {
  const v: Record<string, boolean> = { [SELECT_COLUMN]: true };
  for (const c of COLUMNS) v[c.id] = prefs.visibility[c.id] ?? c.shown;
  // At least the name stays: a grid of checkboxes alone says nothing.
  if (!COLUMNS.some((c) => v[c.id])) v.name = true;
  return v;
}

/** The full column order (selection first), the saved one first. */
export function orderOf(prefs: ColumnPrefs): string[] {
  const saved = prefs.order.filter((id) => COLUMN_IDS.includes(id));
  return [SELECT_COLUMN, ...saved, ...COLUMN_IDS.filter((id) => !saved.includes(id))];
}

/** The column preferences: the saved ones, each change saved (through Rust). */
export function useColumnPrefs(): [ColumnPrefs, (f: (p: ColumnPrefs) => ColumnPrefs) => void] {
  const [prefs, setPrefs] = usePref(COLUMN_PREFS_KEY, EMPTY_PREFS, isColumnPrefs);
  const latest = useRef(prefs);
  latest.current = prefs;
  const update = useCallback(
    (f: (p: ColumnPrefs) => ColumnPrefs) => {
      const next = f(latest.current);
      latest.current = next;
      setPrefs(next);
    },
    [setPrefs],
  );
  return [prefs, update];
}

/**
 * The grid's sort, a preference (a relaunch opens with it), and the header click's
 * change: a new column sorts ascending, the same column again reverses.
 */
export function useGridSort(): [GridSort, (column: GridColumn) => void] {
  const [sort, setSort] = usePref(SORT_PREFS_KEY, DEFAULT_SORT, isGridSort);
  const onSort = useCallback(
    (column: GridColumn) => setSort({ column, descending: sort.column === column ? !sort.descending : false }),
    [sort, setSort],
  );
  return [sort, onSort];
}
