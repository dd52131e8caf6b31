import { flexRender, type Row } from "@tanstack/react-table";
import { Checkbox, makeStyles, mergeClasses, tokens } from "@fluentui/react-components";
import type { MachineRow } from "../../ipc";
import { SELECT_COLUMN } from "./columns";

export const ROW_HEIGHT = 40;

export const useRowStyles = makeStyles({
  row: {
    display: "grid",
    alignItems: "center",
    height: `${ROW_HEIGHT}px`,
    boxSizing: "border-box",
    fontSize: tokens.fontSizeBase200,
  },
  cell: {
    overflow: "hidden",
    textOverflow: "ellipsis",
    whiteSpace: "nowrap",
    paddingLeft: tokens.spacingHorizontalS,
    paddingRight: tokens.spacingHorizontalS,
  },
  bodyRow: {
    position: "absolute",
    left: 0,
    right: 0,
    cursor: "pointer",
    borderBottom: `1px solid ${tokens.colorNeutralStroke3}`,
    ":hover": { backgroundColor: tokens.colorNeutralBackground1Hover },
  },
  active: { boxShadow: `inset 3px 0 0 ${tokens.colorBrandStroke1}` },
  selected: { backgroundColor: tokens.colorNeutralBackground1Selected },
  name: { fontWeight: tokens.fontWeightSemibold },
  stateCell: { display: "flex", flexDirection: "column", justifyContent: "center", gap: "1px" },
  reason: {
    color: tokens.colorNeutralForeground3,
    fontSize: tokens.fontSizeBase100,
    overflow: "hidden",
    textOverflow: "ellipsis",
    whiteSpace: "nowrap",
  },
  badgeLine: { display: "flex" },
  inactive: { color: tokens.colorPaletteRedForeground1 },
  muted: { color: tokens.colorNeutralForeground3 },
  check: { display: "flex", justifyContent: "center", paddingLeft: 0, paddingRight: 0 },
  checked: { backgroundColor: tokens.colorBrandBackground2 },
});

interface Props {
  /** The TanStack row of the window (its cells in the chosen order, hidden ones left out). */
  row: Row<MachineRow>;
  index: number;
  top: number;
  /** The CSS grid template of the visible columns (shared with the header). */
  template: string;
  width: number;
  active: boolean;
  selected: boolean;
  /** In the multi-row selection (checkbox). */
  checked: boolean;
  /** "All matching" is selected: a row cannot be taken out of a query one by one. */
  checkLocked: boolean;
  onOpen: (row: MachineRow) => void;
  onCheck: (row: MachineRow) => void;
  /** Right-click: the row's context menu at the pointer. */
  onMenu: (row: MachineRow, x: number, y: number) => void;
}

/** One machine of the window. Cells come from the column model (`columns.tsx`). */
export function MachineRowView({ row, index, top, template, width, active, selected, checked, checkLocked, onOpen, onCheck, onMenu }: Props) {
  const s = useRowStyles();
  const m = row.original;
  return (
    <div
      id={`machine-row-${m.id}`}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      data-testid="machine-row"
      data-machine-id={m.id}
      data-machine-name={m.name}
      data-state={m.state}
      data-checked={checked}
      className={mergeClasses(s.row, s.bodyRow, active && s.active, checked && s.checked, selected && s.selected)}
      style={{ transform: `translateY(${top}px)`, gridTemplateColumns: template, minWidth: `${width}px` }}
      onClick={() => onOpen(m)}
      onContextMenu={(e) => {
        e.preventDefault();
        onMenu(m, e.clientX, e.clientY);
      }}
    >
      {row.getVisibleCells().map((cell) =>
        cell.column.id === SELECT_COLUMN ? (
          <div key={cell.id} role="gridcell" className={mergeClasses(s.cell, s.check)} onClick={(e) => e.stopPropagation()}>
            <Checkbox
              checked={checked}
              disabled={checkLocked}
              onChange={() => onCheck(m)}
              aria-label={`Select ${m.name}`}
              data-testid="row-check"
            />
          </div>
        ) : (
          <div key={cell.id} role="gridcell" className={mergeClasses(s.cell, cell.column.id === "name" && s.name)}>
            {flexRender(cell.column.columnDef.cell, cell.getContext())}
          </div>
        ),
      )}
    </div>
  );
}

/** A row of the window not read yet (scrolled to, its window on its way). */
export function PendingRow({ index, top, width }: { index: number; top: number; width: number }) {
  const s = useRowStyles();
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      aria-busy
      data-testid="machine-row-pending"
      className={mergeClasses(s.row, s.bodyRow, s.muted)}
      style={{ transform: `translateY(${top}px)`, minWidth: `${width}px`, gridTemplateColumns: "1fr" }}
    >
      <div className={s.cell}>Loading…</div>
    </div>
  );
}
