import { useDeferredValue, useState, type ReactNode } from "react";
import { Button, Field, Input, Spinner, Text, makeStyles, mergeClasses, tokens } from "@fluentui/react-components";
import { DayPicker } from "../../components/DayPicker";
import { Time } from "../../components/Time";
import * as ipc from "../../ipc";
import type { AuditFilter, ExportFormat } from "../../ipc";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";
import { ViewFrame } from "../../components/ViewFrame";
import { VirtualGrid, useGridCellClass } from "../../components/VirtualGrid";
import { dayBound } from "../history/HistoryView";
import { dedupe, shownOf, useAudit } from "../../queries";

const TEMPLATE = "60px 150px minmax(140px, 1fr) 170px minmax(140px, 1fr) minmax(200px, 1.6fr) minmax(220px, 2fr)";

const useStyles = makeStyles({
  filters: { display: "flex", alignItems: "flex-end", gap: tokens.spacingHorizontalM, flexWrap: "wrap" },
  text: { width: "280px" },
  day: { width: "150px" },
  grid: { minHeight: 0 },
  row: { gridTemplateColumns: TEMPLATE, minWidth: "1100px" },
  muted: { color: tokens.colorNeutralForeground3 },
});

const HEAD = ["#", "When", "Who", "What", "Machine", "Why (comment)", "Result"];

/** The filter the back end gets: empty fields are left out; days are local days. */
export function toAuditFilter(text: string, since: string, until: string): AuditFilter {
  const opt = (v: string) => (v.trim() === "" ? null : v.trim());
  return { text: opt(text), since: dayBound(since, "start"), until: dayBound(until, "end"), jobId: null };
}

/** Every action Cordon took or was asked to take; filter; CSV / JSON export. */
export function AuditView({ nav }: { nav?: ReactNode }) {
  const s = useStyles();
  const [text, setText] = useState("");
  const [since, setSince] = useState("");
  const [until, setUntil] = useState("");
  const filter = toAuditFilter(useDeferredValue(text), since, until);
  const audit = useAudit(filter);
  // Pages count from the newest; each page is oldest first: the oldest page goes on top.
  const pages = audit.data?.pages ?? [];
  const rows = dedupe([...pages].reverse().flatMap((p) => p.entries), (e) => e.seq);
  const total = pages[0]?.total ?? 0;
  const cell = useGridCellClass();
  const [exportError, setExportError] = useState<ipc.IpcError | null>(null);
  const [saved, setSaved] = useState<ipc.SavedFile | null>(null);
  const exportAs = (format: ExportFormat) => {
    setExportError(null);
    setSaved(null);
    ipc
      .saveAuditExport(filter, format)
      .then(setSaved)
      .catch((e: unknown) => setExportError(ipc.toIpcError(e)));
  };
  return (
    <ViewFrame nav={nav} testId="audit-view">
      <div className={s.filters}>
        <Field label="Filter (who, what, machine, comment, result)">
          <Input className={s.text} type="search" value={text} onChange={(_, d) => setText(d.value)} data-testid="audit-filter" />
        </Field>
        <DayPicker label="From" className={s.day} value={since} onChange={setSince} testId="audit-since" />
        <DayPicker label="To" className={s.day} value={until} onChange={setUntil} testId="audit-until" />
        <Button onClick={() => exportAs("csv")} data-testid="audit-export-csv">
          Export CSV
        </Button>
        <Button onClick={() => exportAs("json")} data-testid="audit-export-json">
          Export JSON
        </Button>
        <Text className={s.muted} data-testid="audit-count">
          {shownOf(rows.length, total, "entry", "entries")}
        </Text>
        {audit.hasNextPage && (
          <Button onClick={() => void audit.fetchNextPage()} disabled={audit.isFetchingNextPage} data-testid="audit-more">
            {audit.isFetchingNextPage ? "Loading…" : "Load older entries"}
          </Button>
        )}
        {audit.isFetching && <Spinner size="extra-tiny" />}
      </div>
      {saved && (
        <Text className={s.muted} data-testid="export-saved">
          Saved to {saved.path}
        </Text>
      )}
      {exportError && <IpcErrorMessage error={exportError} data-testid="export-error" />}
      {audit.error && <IpcErrorMessage error={ipc.toIpcError(audit.error)} data-testid="audit-error" />}
      <VirtualGrid
        rows={rows}
        head={HEAD}
        gridClassName={s.grid}
        rowClassName={s.row}
        ariaLabel="Audit log"
        testId="audit-grid"
        rowTestId="audit-row"
        getKey={(e) => e.seq}
        initialHeight={600}
        empty="No audit entry matches."
        emptyTestId="audit-empty"
        showEmpty={rows.length === 0 && !audit.isPending}
        rowData={(e) => ({ "data-event": e.event })}
        cells={(e) => (
          <>
            <div role="gridcell" className={mergeClasses(cell, s.muted)}>
              {e.seq}
            </div>
            <div role="gridcell" className={cell}>
              <Time iso={e.at} />
            </div>
            <div role="gridcell" className={cell} title={e.actor}>
              {e.actor}
            </div>
            <div role="gridcell" className={cell}>
              {e.event}
            </div>
            <div role="gridcell" className={cell} title={e.machineId ?? undefined} data-testid="audit-machine">
              {e.machineName ?? e.machineId ?? "–"}
            </div>
            <div role="gridcell" className={cell} title={e.comment ?? undefined}>
              {e.comment ?? "–"}
            </div>
            <div role="gridcell" className={cell} title={[e.detail, e.actionId, e.jobId].filter(Boolean).join("\n")}>
              {e.detail}
            </div>
          </>
        )}
      />
    </ViewFrame>
  );
}
