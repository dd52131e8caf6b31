import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { getCoreRowModel, useReactTable, type ColumnSizingState, type Updater } from "@tanstack/react-table";
import { Checkbox, makeStyles, mergeClasses, tokens } from "@fluentui/react-components";
import type { GridColumn, GridSort, MachineRow } from "../../ipc";
import type { ColumnPrefs } from "../../lib/gridPrefs";
import { COLUMN_DEFS, SELECT_COLUMN, SELECT_WIDTH, orderOf, visibilityOf, type CellMeta } from "./columns";
import { MachineRowView, PendingRow, ROW_HEIGHT, useRowStyles } from "./MachineRowView";

const useStyles = makeStyles({
  grid: {
    flex: "1 1 auto",
    minHeight: 0,
    overflow: "auto",
    outlineStyle: "none",
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground1,
    ":focus-visible": { outline: `2px solid ${tokens.colorStrokeFocus2}` },
  },
  header: {
    position: "sticky",
    top: 0,
    zIndex: 1,
    backgroundColor: tokens.colorNeutralBackground3,
    fontWeight: tokens.fontWeightSemibold,
    borderBottom: `1px solid ${tokens.colorNeutralStroke1}`,
  },
  headCell: { position: "relative", display: "flex", alignItems: "center", height: "100%" },
  sort: {
    display: "flex",
    alignItems: "center",
    gap: tokens.spacingHorizontalXXS,
    minWidth: 0,
    padding: 0,
    border: "none",
    background: "none",
    font: "inherit",
    color: "inherit",
    cursor: "pointer",
    overflow: "hidden",
    textOverflow: "ellipsis",
    whiteSpace: "nowrap",
  },
  resize: {
    position: "absolute",
    right: 0,
    top: "20%",
    height: "60%",
    width: "5px",
    cursor: "col-resize",
    userSelect: "none",
    touchAction: "none",
    borderRight: `2px solid ${tokens.colorNeutralStroke2}`,
    ":hover": { borderRight: `2px solid ${tokens.colorBrandStroke1}` },
  },
  resizing: { borderRight: `2px solid ${tokens.colorBrandStroke1}` },
  body: { position: "relative", width: "100%" },
  empty: { padding: tokens.spacingHorizontalL, color: tokens.colorNeutralForeground3 },
});

export type HeaderCheck = "all" | "some" | "none";

interface Props {
  /** Machines matching the query (the core's count, not the window's). */
  total: number;
  /** The window read so far: `rows[0]` is row `offset` of the query's list. */
  rows: MachineRow[];
  offset: number;
  /** The rows shown are the previous query's while this one's window is on its way. */
  pending?: boolean;
  /** Rows `first`..`last` are on screen: the view fetches their window. */
  onRange: (first: number, last: number) => void;
  now: Date;
  selectedId: string | null;
  onOpen: (row: MachineRow) => void;
  emptyText: string;
  sort: GridSort;
  onSort: (column: GridColumn) => void;
  prefs: ColumnPrefs;
  onPrefs: (f: (p: ColumnPrefs) => ColumnPrefs) => void;
  /** The multi-row selection (checkbox column). */
  isChecked: (row: MachineRow) => boolean;
  checkLocked: boolean;
  headerCheck: HeaderCheck;
  onCheck: (row: MachineRow) => void;
  onCheckAll: () => void;
  /** The row's context menu (right-click, Shift+F10, the context-menu key), at `x`, `y`. */
  onRowMenu: (row: MachineRow, x: number, y: number) => void;
}

let painted = false;

/**
 * The machines grid: only the window the core sent is held, only the rows on screen
 * (plus a small overscan) are in the DOM, so it is the same at 100 or 100,000 machines.
 * Headers sort (in the core), resize and follow the column chooser. Arrow keys, Page
 * Up/Down, Home/End move the active row; Enter opens it, Space selects it, Shift+F10 or
 * the context-menu key opens its menu (as a right-click does).
 */
export function MachineTable(p: Props) {
  const { total, rows, offset, now, selectedId, onOpen, emptyText, sort, onSort, prefs, onPrefs, onRange } = p;
  const styles = useStyles();
  const rowStyles = useRowStyles();
  const scrollRef = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(0);

  const meta: CellMeta = useMemo(() => ({ now }), [now]);
  const onSizing = useCallback(
    (u: Updater<ColumnSizingState>) => onPrefs((old) => ({ ...old, sizing: typeof u === "function" ? u(old.sizing) : u })),
    [onPrefs],
  );
  const table = useReactTable<MachineRow>({
    data: rows,
    columns: COLUMN_DEFS,
    getCoreRowModel: getCoreRowModel(),
    getRowId: (r) => r.id,
    manualSorting: true,
    columnResizeMode: "onChange",
    state: {
      columnVisibility: visibilityOf(prefs),
      columnOrder: orderOf(prefs),
      columnSizing: prefs.sizing,
      sorting: [{ id: sort.column, desc: sort.descending }],
    },
    onColumnSizingChange: onSizing,
    meta,
  });
  const headers = table.getHeaderGroups()[0]?.headers ?? [];
  const template = headers.map((h) => `${h.getSize()}px`).join(" ");
  const width = table.getTotalSize();
  const model = table.getRowModel().rows;

  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    // The sticky header sits above row 0 inside the same scroll box: rows start below it,
    // and scrolling to a row keeps it out from under the header.
    scrollMargin: ROW_HEIGHT,
    scrollPaddingStart: ROW_HEIGHT,
    initialRect: { width: 1200, height: 720 },
  });
  const items = virtualizer.getVirtualItems();
  const first = virtualizer.range?.startIndex ?? items[0]?.index ?? 0;
  const last = virtualizer.range?.endIndex ?? items[items.length - 1]?.index ?? 0;
  // An empty list shows no rows: it keeps the window it has (no request for nothing).
  useEffect(() => {
    if (total > 0) onRange(first, last);
  }, [first, last, total, onRange]);

  const rowAt = (i: number) => model[i - offset];

  // The first rows on screen since the page loaded: the desktop bench reads this mark.
  const shown = rows.length > 0;
  useEffect(() => {
    if (shown && !painted) {
      painted = true;
      performance.mark("cordon:first-rows");
    }
  }, [shown]);

  // Keep the active row inside the list when the filter shrinks it.
  useEffect(() => {
    if (active >= total && total > 0) setActive(total - 1);
  }, [total, active]);

  const move = useCallback(
    (to: number) => {
      if (total === 0) return;
      const i = Math.max(0, Math.min(total - 1, to));
      setActive(i);
      virtualizer.scrollToIndex(i, { align: "auto" });
    },
    [total, virtualizer],
  );

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === "ContextMenu" || (e.key === "F10" && e.shiftKey)) {
      const row = rowAt(active);
      if (!row) return;
      e.preventDefault();
      // Below the row's name, where a pointer would have been.
      const box = document.getElementById(`machine-row-${row.id}`)?.getBoundingClientRect();
      p.onRowMenu(row.original, (box?.left ?? 0) + SELECT_WIDTH, box?.bottom ?? 0);
      return;
    }
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 600) / ROW_HEIGHT) - 1);
    switch (e.key) {
      case "ArrowDown":
        move(active + 1);
        break;
      case "ArrowUp":
        move(active - 1);
        break;
      case "PageDown":
        move(active + page);
        break;
      case "PageUp":
        move(active - page);
        break;
      case "Home":
        move(0);
        break;
      case "End":
        move(total - 1);
        break;
      case "Enter": {
        const row = rowAt(active);
        if (row) onOpen(row.original);
        break;
      }
      case " ": {
        // Space selects, as in a list with checkboxes; Enter opens.
        const row = rowAt(active);
        if (row && !p.checkLocked) p.onCheck(row.original);
        break;
      }
      default:
        return;
    }
    e.preventDefault();
  };

  const activeRow = rowAt(active);
  return (
    <div
      ref={scrollRef}
      className={styles.grid}
      role="grid"
      aria-label="Machines"
      aria-rowcount={total + 1}
      aria-activedescendant={activeRow ? `machine-row-${activeRow.id}` : undefined}
      tabIndex={0}
      onKeyDown={onKeyDown}
      data-testid="machine-grid"
      data-total={total}
      data-pending={p.pending === true}
      aria-busy={p.pending === true}
    >
      <div
        className={mergeClasses(rowStyles.row, styles.header)}
        style={{ gridTemplateColumns: template, minWidth: `${width}px` }}
        role="row"
        aria-rowindex={1}
      >
        {headers.map((h) => {
          if (h.column.id === SELECT_COLUMN) {
            return (
              <div key={h.id} role="columnheader" className={mergeClasses(rowStyles.cell, rowStyles.check)}>
                <Checkbox
                  checked={p.headerCheck === "all" ? true : p.headerCheck === "some" ? "mixed" : false}
                  onChange={p.onCheckAll}
                  disabled={total === 0}
                  aria-label={`Select all ${total} matching machines`}
                  data-testid="check-all"
                />
              </div>
            );
          }
          const column = h.column.id as GridColumn;
          const sorted = sort.column === column ? (sort.descending ? "descending" : "ascending") : "none";
          const label = String(h.column.columnDef.header ?? column);
          return (
            <div
              key={h.id}
              role="columnheader"
              aria-sort={sorted}
              className={mergeClasses(rowStyles.cell, styles.headCell)}
              data-testid={`column-${column}`}
            >
              <button
                type="button"
                className={styles.sort}
                onClick={() => onSort(column)}
                title={`Sort by ${label}`}
                data-testid={`sort-${column}`}
              >
                {label}
                {sorted !== "none" && <span aria-hidden>{sorted === "ascending" ? "▲" : "▼"}</span>}
              </button>
              {h.column.getCanResize() && (
                <div
                  className={mergeClasses(styles.resize, h.column.getIsResizing() && styles.resizing)}
                  onMouseDown={h.getResizeHandler()}
                  onTouchStart={h.getResizeHandler()}
                  onDoubleClick={() => h.column.resetSize()}
                  onClick={(e) => e.stopPropagation()}
                  role="separator"
                  aria-orientation="vertical"
                  aria-label={`Resize ${label}`}
                  data-testid={`resize-${column}`}
                />
              )}
            </div>
          );
        })}
      </div>
      {total === 0 ? (
        <div className={styles.empty} data-testid="no-rows">
          {emptyText}
        </div>
      ) : (
        <div className={styles.body} style={{ height: virtualizer.getTotalSize(), minWidth: `${width}px` }}>
          {items.map((item) => {
            const row = rowAt(item.index);
            const top = item.start - ROW_HEIGHT;
            if (!row) return <PendingRow key={`pending-${item.index}`} index={item.index} top={top} width={width} />;
            return (
              <MachineRowView
                key={row.id}
                row={row}
                index={item.index}
                top={top}
                template={template}
                width={width}
                active={item.index === active}
                selected={row.id === selectedId}
                checked={p.isChecked(row.original)}
                checkLocked={p.checkLocked}
                onCheck={p.onCheck}
                onMenu={(r, x, y) => {
                  setActive(item.index);
                  p.onRowMenu(r, x, y);
                }}
                onOpen={(r) => {
                  setActive(item.index);
                  onOpen(r);
                }}
              />
            );
          })}
        </div>
      )}
    </div>
  );
}
