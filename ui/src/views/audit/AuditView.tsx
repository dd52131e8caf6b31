import { useDeferredValue, useRef, useState, type ReactNode } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { Button, Field, Input, Spinner, Text, makeStyles, mergeClasses, tokens } from "@fluentui/react-components";
import * as ipc from "../../ipc";
import type { AuditFilter, ExportFormat } from "../../ipc";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";
import { ViewFrame } from "../../components/ViewFrame";
import { dayOrNull, dayValid } from "../../lib/dates";
import { downloadText, exportName } from "../../lib/download";
import { exactTime } from "../../lib/time";
import { useAudit } from "../../queries";

const ROW = 32;
const TEMPLATE = "60px 150px minmax(140px, 1fr) 170px minmax(140px, 1fr) minmax(200px, 1.6fr) minmax(220px, 2fr)";

const useStyles = makeStyles({
  filters: { display: "flex", alignItems: "flex-end", gap: tokens.spacingHorizontalM, flexWrap: "wrap" },
  text: { width: "280px" },
  day: { width: "130px" },
  grid: {
    flex: "1 1 auto",
    minHeight: 0,
    overflow: "auto",
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
  },
  row: {
    display: "grid",
    gridTemplateColumns: TEMPLATE,
    alignItems: "center",
    height: `${ROW}px`,
    minWidth: "1100px",
    boxSizing: "border-box",
    fontSize: tokens.fontSizeBase200,
    borderBottom: `1px solid ${tokens.colorNeutralStroke3}`,
  },
  head: { position: "sticky", top: 0, zIndex: 1, fontWeight: tokens.fontWeightSemibold, backgroundColor: tokens.colorNeutralBackground3 },
  abs: { position: "absolute", left: 0, right: 0 },
  cell: { overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap", padding: `0 ${tokens.spacingHorizontalS}` },
  muted: { color: tokens.colorNeutralForeground3 },
  empty: { padding: tokens.spacingHorizontalL, color: tokens.colorNeutralForeground3 },
});

const HEAD = ["#", "When", "Who", "What", "Machine", "Why (comment)", "Result"];

/** The filter the back end gets: empty fields are left out. */
export function toAuditFilter(text: string, since: string, until: string): AuditFilter {
  const opt = (v: string) => (v.trim() === "" ? null : v.trim());
  return { text: opt(text), since: dayOrNull(since), until: dayOrNull(until), jobId: null };
}

/** Every action Cordon took or was asked to take; filter; CSV / JSON export. */
export function AuditView({ nav }: { nav?: ReactNode }) {
  const s = useStyles();
  const [text, setText] = useState("");
  const [since, setSince] = useState("");
  const [until, setUntil] = useState("");
  const filter = toAuditFilter(useDeferredValue(text), since, until);
  const audit = useAudit(filter);
  const rows = audit.data ?? [];
  const ref = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({
    count: rows.length,
    getScrollElement: () => ref.current,
    estimateSize: () => ROW,
    overscan: 10,
    initialRect: { width: 1200, height: 600 },
    getItemKey: (i) => rows[i]?.seq ?? i,
  });
  const [exportError, setExportError] = useState<ipc.IpcError | null>(null);
  const exportAs = (format: ExportFormat) => {
    setExportError(null);
    ipc
      .auditExport(filter, format)
      .then((body) =>
        downloadText(exportName("audit", format), body, format === "csv" ? "text/csv" : "application/json"),
      )
      .catch((e: unknown) => setExportError(ipc.toIpcError(e)));
  };
  return (
    <ViewFrame nav={nav} testId="audit-view">
      <div className={s.filters}>
        <Field label="Filter (who, what, machine, comment, result)">
          <Input className={s.text} type="search" value={text} onChange={(_, d) => setText(d.value)} data-testid="audit-filter" />
        </Field>
        <Field label="From" validationMessage={dayValid(since) ? undefined : "YYYY-MM-DD"}>
          <Input className={s.day} placeholder="YYYY-MM-DD" value={since} onChange={(_, d) => setSince(d.value)} data-testid="audit-since" />
        </Field>
        <Field label="To" validationMessage={dayValid(until) ? undefined : "YYYY-MM-DD"}>
          <Input className={s.day} placeholder="YYYY-MM-DD" value={until} onChange={(_, d) => setUntil(d.value)} data-testid="audit-until" />
        </Field>
        <Button onClick={() => exportAs("csv")} data-testid="audit-export-csv">
          Export CSV
        </Button>
        <Button onClick={() => exportAs("json")} data-testid="audit-export-json">
          Export JSON
        </Button>
        <Text className={s.muted} data-testid="audit-count">
          {rows.length} {rows.length === 1 ? "entry" : "entries"}
        </Text>
        {audit.isFetching && <Spinner size="extra-tiny" />}
      </div>
      {exportError && <IpcErrorMessage error={exportError} data-testid="export-error" />}
      {audit.error && <IpcErrorMessage error={ipc.toIpcError(audit.error)} data-testid="audit-error" />}
      <div ref={ref} className={s.grid} role="grid" aria-label="Audit log" aria-rowcount={rows.length + 1} data-testid="audit-grid">
        <div className={mergeClasses(s.row, s.head)} role="row">
          {HEAD.map((h) => (
            <div key={h} role="columnheader" className={s.cell}>
              {h}
            </div>
          ))}
        </div>
        {rows.length === 0 && !audit.isPending ? (
          <div className={s.empty} data-testid="audit-empty">
            No audit entry matches.
          </div>
        ) : (
          <div style={{ position: "relative", height: v.getTotalSize() }}>
            {v.getVirtualItems().map((it) => {
              const e = rows[it.index];
              if (!e) return null;
              return (
                <div
                  key={it.key}
                  role="row"
                  className={mergeClasses(s.row, s.abs)}
                  style={{ transform: `translateY(${it.start}px)` }}
                  data-testid="audit-row"
                  data-event={e.event}
                >
                  <div role="gridcell" className={mergeClasses(s.cell, s.muted)}>
                    {e.seq}
                  </div>
                  <div role="gridcell" className={s.cell}>
                    {exactTime(e.at)}
                  </div>
                  <div role="gridcell" className={s.cell} title={e.actor}>
                    {e.actor}
                  </div>
                  <div role="gridcell" className={s.cell}>
                    {e.event}
                  </div>
                  <div role="gridcell" className={s.cell} title={e.machineId ?? undefined}>
                    {e.machineId ?? "–"}
                  </div>
                  <div role="gridcell" className={s.cell} title={e.comment ?? undefined}>
                    {e.comment ?? "–"}
                  </div>
                  <div role="gridcell" className={s.cell} title={[e.detail, e.actionId, e.jobId].filter(Boolean).join("\n")}>
                    {e.detail}
                  </div>
                </div>
              );
            })}
          </div>
        )}
      </div>
    </ViewFrame>
  );
}
