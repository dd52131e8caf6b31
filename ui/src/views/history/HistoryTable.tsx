import { makeStyles, mergeClasses, tokens } from "@fluentui/react-components";
import type { HistoryRow } from "../../ipc";
import { VirtualGrid, useGridCellClass } from "../../components/VirtualGrid";
import { Time } from "../../components/Time";

const TEMPLATE = "150px 80px 100px minmax(180px, 1.2fr) minmax(160px, 1fr) minmax(240px, 2fr)";

const useStyles = makeStyles({
  grid: { minHeight: "160px" },
  row: { gridTemplateColumns: TEMPLATE, minWidth: "960px" },
  bad: { color: tokens.colorPaletteRedForeground1 },
});

const HEAD = ["Requested", "Type", "Status", "Machine", "Requestor", "Comment"];

/** Every isolation action, virtualised: only the visible rows are in the DOM. */
export function HistoryTable({ rows }: { rows: HistoryRow[] }) {
  const s = useStyles();
  const cell = useGridCellClass();
  return (
    <VirtualGrid
      rows={rows}
      head={HEAD}
      gridClassName={s.grid}
      rowClassName={s.row}
      ariaLabel="Isolation actions"
      testId="history-grid"
      rowTestId="history-row"
      getKey={(r) => r.actionId}
      initialHeight={480}
      empty="No isolation action matches the filters."
      emptyTestId="history-empty"
      showEmpty={rows.length === 0}
      rowData={(r) => ({ "data-kind": r.kind, "data-status": r.status })}
      cells={(r) => {
        const bad = r.status === "Failed" || r.status === "TimeOut" || r.status === "Cancelled";
        return (
          <>
            <div role="gridcell" className={cell}>
              <Time iso={r.created} />
            </div>
            <div role="gridcell" className={cell}>
              {r.kind === "isolate" ? "Isolate" : "Release"}
            </div>
            <div role="gridcell" className={mergeClasses(cell, bad && s.bad)}>
              {r.status}
            </div>
            <div role="gridcell" className={cell} title={r.machineId}>
              {r.machineName}
            </div>
            <div role="gridcell" className={cell}>
              {r.requestor}
            </div>
            <div role="gridcell" className={cell} title={r.comment}>
              {r.comment}
            </div>
          </>
        );
      }}
    />
  );
}
