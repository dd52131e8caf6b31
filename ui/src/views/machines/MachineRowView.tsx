import { memo } from "react";
import { Checkbox, makeStyles, mergeClasses, tokens } from "@fluentui/react-components";
import type { MachineRow } from "../../ipc";
import { StateBadge } from "../../components/StateBadge";
import { exactTime, relativeTime } from "../../lib/time";

export const ROW_HEIGHT = 40;

/** One column template shared by the header and every row. */
const TEMPLATE = "40px minmax(180px,2fr) minmax(200px,2.2fr) 110px 130px minmax(110px,1fr) 130px minmax(120px,1fr) minmax(110px,1fr)";

export const useRowStyles = makeStyles({
  row: {
    display: "grid",
    gridTemplateColumns: TEMPLATE,
    alignItems: "center",
    minWidth: "1220px",
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
  row: MachineRow;
  index: number;
  top: number;
  now: Date;
  active: boolean;
  selected: boolean;
  /** In the multi-row selection (checkbox). */
  checked: boolean;
  onOpen: (row: MachineRow) => void;
  onCheck: (row: MachineRow) => void;
}

function riskText(row: MachineRow): string {
  const risk = row.risk ?? "–";
  const exposure = row.exposure ?? "–";
  return `${risk} / ${exposure}`;
}

export const MachineRowView = memo(function MachineRowView({ row, index, top, now, active, selected, checked, onOpen, onCheck }: Props) {
  const s = useRowStyles();
  const healthy = row.health === "Active";
  return (
    <div
      id={`machine-row-${row.id}`}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      data-testid="machine-row"
      data-machine-id={row.id}
      data-state={row.state}
      data-checked={checked}
      className={mergeClasses(s.row, s.bodyRow, active && s.active, checked && s.checked, selected && s.selected)}
      style={{ transform: `translateY(${top}px)` }}
      onClick={() => onOpen(row)}
    >
      <div role="gridcell" className={mergeClasses(s.cell, s.check)} onClick={(e) => e.stopPropagation()}>
        <Checkbox
          checked={checked}
          onChange={() => onCheck(row)}
          aria-label={`Select ${row.name}`}
          data-testid="row-check"
        />
      </div>
      <div role="gridcell" className={mergeClasses(s.cell, s.name)} title={`${row.name}\n${row.id}`}>
        {row.name}
      </div>
      <div role="gridcell" className={mergeClasses(s.cell, s.stateCell)} title={row.reason}>
        <span className={s.badgeLine}>
          <StateBadge state={row.state} reason={row.reason} size="small" />
        </span>
        {row.state !== "not_isolated" && (
          <span className={s.reason} data-testid="state-reason">
            {row.reason}
          </span>
        )}
      </div>
      <div role="gridcell" className={mergeClasses(s.cell, !healthy && s.inactive)}>
        {row.health}
      </div>
      <div
        role="gridcell"
        className={s.cell}
        title={row.lastSeen ? `Last full device report: ${exactTime(row.lastSeen)}` : "No full device report yet"}
      >
        {relativeTime(row.lastSeen, now)}
      </div>
      <div role="gridcell" className={s.cell} title={row.os}>
        {row.os}
      </div>
      <div role="gridcell" className={s.cell} title={row.deviceValue ? `Device value: ${row.deviceValue}` : undefined}>
        {riskText(row)}
      </div>
      <div role="gridcell" className={mergeClasses(s.cell, row.tags.length === 0 && s.muted)} title={row.tags.join(", ")}>
        {row.tags.length === 0 ? "–" : row.tags.join(", ")}
      </div>
      <div role="gridcell" className={mergeClasses(s.cell, !row.group && s.muted)}>
        {row.group ?? "–"}
      </div>
    </div>
  );
});
