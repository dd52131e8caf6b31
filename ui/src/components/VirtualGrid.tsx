import { useRef, type ReactNode } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { makeStyles, mergeClasses, tokens } from "@fluentui/react-components";

/** The height of every row of a virtual grid, in pixels. */
export const GRID_ROW = 32;

const useStyles = makeStyles({
  grid: {
    flex: "1 1 auto",
    overflow: "auto",
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
  },
  row: {
    display: "grid",
    alignItems: "center",
    height: `${GRID_ROW}px`,
    boxSizing: "border-box",
    fontSize: tokens.fontSizeBase200,
    borderBottom: `1px solid ${tokens.colorNeutralStroke3}`,
  },
  head: { position: "sticky", top: 0, zIndex: 1, fontWeight: tokens.fontWeightSemibold, backgroundColor: tokens.colorNeutralBackground3 },
  body: { position: "relative" },
  abs: { position: "absolute", left: 0, right: 0 },
  cell: { overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap", padding: `0 ${tokens.spacingHorizontalS}` },
  empty: { padding: tokens.spacingHorizontalL, color: tokens.colorNeutralForeground3 },
});

/** The class of a grid cell, for the cells a `VirtualGrid`'s `cells` renders. */
export function useGridCellClass(): string {
  return useStyles().cell;
}

export interface VirtualGridProps<T> {
  rows: T[];
  /** Column headers. */
  head: string[];
  /** The grid's own class: its `minHeight`. */
  gridClassName: string;
  /** Each row's class: its `gridTemplateColumns` and `minWidth`. */
  rowClassName: string;
  ariaLabel: string;
  /** `data-testid` of the grid. */
  testId: string;
  /** `data-testid` of every row. */
  rowTestId: string;
  getKey: (row: T) => string | number;
  /** The initial viewport height the virtualiser assumes (before the first measure). */
  initialHeight: number;
  /** What shows instead of the rows when `showEmpty`. */
  empty: ReactNode;
  emptyTestId: string;
  showEmpty: boolean;
  /** The `data-*` attributes of a row. */
  rowData: (row: T) => Record<`data-${string}`, string>;
  /** A row's cells (`role="gridcell"`, class from `useGridCellClass`). */
  cells: (row: T) => ReactNode;
}

/** A virtualised grid: a sticky header row and only the visible rows in the DOM. */
export function VirtualGrid<T>(p: VirtualGridProps<T>) {
  const s = useStyles();
  const { rows } = p;
  const ref = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({
    count: rows.length,
    getScrollElement: () => ref.current,
    estimateSize: () => GRID_ROW,
    overscan: 10,
    initialRect: { width: 1200, height: p.initialHeight },
    getItemKey: (i) => {
      const r = rows[i];
      return r === undefined ? i : p.getKey(r);
    },
  });
  return (
    <div
      ref={ref}
      className={mergeClasses(s.grid, p.gridClassName)}
      role="grid"
      aria-label={p.ariaLabel}
      aria-rowcount={rows.length + 1}
      // The grid scrolls: it takes focus, so the arrow and page keys scroll it.
      tabIndex={0}
      data-testid={p.testId}
    >
      <div className={mergeClasses(s.row, p.rowClassName, s.head)} role="row">
        {p.head.map((h) => (
          <div key={h} role="columnheader" className={s.cell}>
            {h}
          </div>
        ))}
      </div>
      {p.showEmpty ? (
        <div className={s.empty} data-testid={p.emptyTestId}>
          {p.empty}
        </div>
      ) : (
        <div className={s.body} style={{ height: v.getTotalSize() }}>
          {v.getVirtualItems().map((it) => {
            const r = rows[it.index];
            if (r === undefined) return null;
            return (
              <div
                key={it.key}
                role="row"
                className={mergeClasses(s.row, p.rowClassName, s.abs)}
                style={{ transform: `translateY(${it.start}px)` }}
                data-testid={p.rowTestId}
                {...p.rowData(r)}
              >
                {p.cells(r)}
              </div>
            );
          })}
        </div>
      )}
    </div>
  );
}
