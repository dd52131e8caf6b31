import { useRef } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { makeStyles, mergeClasses, tokens } from "@fluentui/react-components";
import type { HistoryRow } from "../../ipc";
import { exactTime } from "../../lib/time";

const ROW = 32;
const TEMPLATE = "150px 80px 100px minmax(180px, 1.2fr) minmax(160px, 1fr) minmax(240px, 2fr)";

const useStyles = makeStyles({
  grid: {
    flex: "1 1 auto",
    minHeight: "160px",
    overflow: "auto",
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
  },
  row: {
    display: "grid",
    gridTemplateColumns: TEMPLATE,
    alignItems: "center",
    height: `${ROW}px`,
    minWidth: "960px",
    boxSizing: "border-box",
    fontSize: tokens.fontSizeBase200,
    borderBottom: `1px solid ${tokens.colorNeutralStroke3}`,
  },
  head: {
    position: "sticky",
    top: 0,
    zIndex: 1,
    fontWeight: tokens.fontWeightSemibold,
    backgroundColor: tokens.colorNeutralBackground3,
  },
  body: { position: "relative" },
  abs: { position: "absolute", left: 0, right: 0 },
  cell: { overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap", padding: `0 ${tokens.spacingHorizontalS}` },
  bad: { color: tokens.colorPaletteRedForeground1 },
  empty: { padding: tokens.spacingHorizontalL, color: tokens.colorNeutralForeground3 },
});

const HEAD = ["Requested", "Type", "Status", "Machine", "Requestor", "Comment"];

/** Every isolation action, virtualised: only the visible rows are in the DOM. */
export function HistoryTable({ rows }: { rows: HistoryRow[] }) {
  const s = useStyles();
  const ref = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({
    count: rows.length,
    getScrollElement: () => ref.current,
    estimateSize: () => ROW,
    overscan: 10,
    initialRect: { width: 1200, height: 480 },
    getItemKey: (i) => rows[i]?.actionId ?? i,
  });
  return (
    <div ref={ref} className={s.grid} role="grid" aria-label="Isolation actions" aria-rowcount={rows.length + 1} data-testid="history-grid">
      <div className={mergeClasses(s.row, s.head)} role="row">
        {HEAD.map((h) => (
          <div key={h} role="columnheader" className={s.cell}>
            {h}
          </div>
        ))}
      </div>
      {rows.length === 0 ? (
        <div className={s.empty} data-testid="history-empty">
          No isolation action matches the filters.
        </div>
      ) : (
        <div className={s.body} style={{ height: v.getTotalSize() }}>
          {v.getVirtualItems().map((it) => {
            const r = rows[it.index];
            if (!r) return null;
            const bad = r.status === "Failed" || r.status === "TimeOut" || r.status === "Cancelled";
            return (
              <div
                key={it.key}
                role="row"
                className={mergeClasses(s.row, s.abs)}
                style={{ transform: `translateY(${it.start}px)` }}
                data-testid="history-row"
                data-kind={r.kind}
                data-status={r.status}
              >
                <div role="gridcell" className={s.cell}>
                  {exactTime(r.created)}
                </div>
                <div role="gridcell" className={s.cell}>
                  {r.kind === "isolate" ? "Isolate" : "Release"}
                </div>
                <div role="gridcell" className={mergeClasses(s.cell, bad && s.bad)}>
                  {r.status}
                </div>
                <div role="gridcell" className={s.cell} title={r.machineId}>
                  {r.machineName}
                </div>
                <div role="gridcell" className={s.cell}>
                  {r.requestor}
                </div>
                <div role="gridcell" className={s.cell} title={r.comment}>
                  {r.comment}
                </div>
              </div>
            );
          })}
        </div>
      )}
    </div>
  );
}
