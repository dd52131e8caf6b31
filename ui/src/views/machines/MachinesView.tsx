import { useCallback, useDeferredValue, useEffect, useMemo, useState, type ReactNode } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Button, Input, Spinner, Text, makeStyles, tokens } from "@fluentui/react-components";
import * as ipc from "../../ipc";
import type { IsolationGroup, JobKind, MachineRow, Snapshot } from "../../ipc";
import { batchComment } from "../../lib/bulk";
import {
  EMPTY_SELECTION,
  bulkCounts,
  headerCheck,
  prune,
  selectedRows,
  toggle,
  toggleAllVisible,
  type Selection,
} from "../../lib/selection";
import { BulkDialog, type BulkIntent } from "../jobs/BulkDialog";
import { JobProgressPanel } from "../jobs/JobProgressPanel";
import { BatchesPanel } from "./BatchesPanel";
import { SelectionBar } from "./SelectionBar";
import { buildIndex, filterMachines } from "../../lib/filter";
import type { StateFilter } from "../../lib/states";
import { focusShortcutTarget, useShortcuts } from "../../lib/shortcuts";
import { useNow } from "../../lib/useNow";
import { queryKeys, useAppInfo, useJobs, useSnapshot } from "../../queries";
import { AppHeader } from "./AppHeader";
import { CounterBar } from "./CounterBar";
import { DemoBanner } from "./DemoBanner";
import { ExportMachines } from "./ExportMachines";
import { copyText } from "../../lib/clipboard";
import { MachineDetailDrawer } from "./MachineDetailDrawer";
import { MachineTable } from "./MachineTable";
import { SyncErrorBanner } from "./SyncErrorBanner";

const useStyles = makeStyles({
  root: { display: "flex", flexDirection: "column", height: "100%", minHeight: 0 },
  main: {
    display: "flex",
    flexDirection: "column",
    gap: tokens.spacingVerticalM,
    padding: tokens.spacingHorizontalL,
    flex: "1 1 auto",
    minHeight: 0,
  },
  // Banners, counters and search keep their height; the grid takes the rest.
  top: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalM, flexShrink: 0 },
  toolbar: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalM },
  search: { width: "360px" },
  count: { color: tokens.colorNeutralForeground3 },
  loading: { padding: tokens.spacingVerticalXXL },
});

const EMPTY: MachineRow[] = [];

export function MachinesView({ nav }: { nav?: ReactNode }) {
  const styles = useStyles();
  const client = useQueryClient();
  const info = useAppInfo();
  const snap = useSnapshot();
  const now = useNow();

  const [query, setQuery] = useState("");
  const [filter, setFilter] = useState<StateFilter>("all");
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [pinnedRow, setPinnedRow] = useState<MachineRow | undefined>(undefined);
  const [checked, setChecked] = useState<Selection>(EMPTY_SELECTION);
  const [batchesOpen, setBatchesOpen] = useState(false);
  const [intent, setIntent] = useState<BulkIntent | null>(null);
  const [jobIds, setJobIds] = useState<string[]>([]);
  // Bulk work under way that this window did not start (resumed after a restart, or
  // started from the command line) shows its progress too; auto-reconcile's small jobs
  // belong to the Reconciliation view and the audit log.
  const jobs = useJobs();
  useEffect(() => {
    const running = (jobs.data ?? []).filter((j) => j.state === "running" && j.source !== "auto-reconcile").map((j) => j.id);
    if (running.length === 0) return;
    setJobIds((cur) => {
      const add = running.filter((id) => !cur.includes(id));
      return add.length === 0 ? cur : [...cur, ...add].slice(0, 3);
    });
  }, [jobs.data]);

  const rows = snap.data?.machines ?? EMPTY;
  const index = useMemo(() => buildIndex(rows), [rows]);
  const byId = useMemo(() => new Map(rows.map((r) => [r.id, r])), [rows]);
  const deferredQuery = useDeferredValue(query);
  const visible = useMemo(() => filterMachines(index, deferredQuery, filter), [index, deferredQuery, filter]);

  // Machines that left the tenant leave the selection too.
  useEffect(() => setChecked((c) => prune(c, rows)), [rows]);
  const chosen = useMemo(() => selectedRows(checked, rows), [checked, rows]);
  const counts = useMemo(() => bulkCounts(chosen), [chosen]);
  const onCheck = useCallback((r: MachineRow) => setChecked((c) => toggle(c, r.id)), []);
  const mayAct = info.data?.mayIsolate ?? true;

  const bulkFromSelection = (kind: JobKind) => {
    const ids = chosen.filter((r) => (kind === "release" ? r.isolatedNow : !r.isolatedNow && r.state !== "isolating")).map((r) => r.id);
    setIntent({ kind, machineIds: ids, source: "selection", comment: "", includeForeign: false });
  };
  const releaseBatch = (g: IsolationGroup) => {
    setBatchesOpen(false);
    setIntent({ kind: "release", machineIds: g.machines.map((m) => m.id), source: `batch:${g.id}`, comment: batchComment(g), includeForeign: true });
  };
  const selectBatch = (g: IsolationGroup) => {
    setBatchesOpen(false);
    setChecked(new Set(g.machines.map((m) => m.id)));
  };

  const refresh = useMutation<Snapshot, Error>({
    mutationFn: ipc.refresh,
    onSuccess: (data) => client.setQueryData(queryKeys.snapshot, data),
  });

  useShortcuts({
    find: () => focusShortcutTarget("find"),
    goto: () => focusShortcutTarget("goto"),
    refresh: () => {
      if (!refresh.isPending) refresh.mutate();
    },
  });

  const open = useCallback((id: string, row?: MachineRow) => {
    setSelectedId(id);
    setPinnedRow(row);
  }, []);

  // A sync failure (from the snapshot or from the Retry itself) as one error. A failed
  // Retry stops counting once a later snapshot says the sync works again.
  const recovered =
    snap.data !== undefined && snap.data.sync.error === null && snap.dataUpdatedAt > refresh.submittedAt;
  const syncError = refresh.error && !recovered
    ? ipc.toIpcError(refresh.error)
    : snap.error
      ? ipc.toIpcError(snap.error)
      : (snap.data?.sync.error ?? null);

  const firstSync = snap.isPending || (snap.data?.sync.loading === true && rows.length === 0);
  const selectedRow = selectedId ? (byId.get(selectedId) ?? (pinnedRow?.id === selectedId ? pinnedRow : undefined)) : undefined;

  return (
    <div className={styles.root}>
      <AppHeader info={info.data} sync={snap.data?.sync} onOpen={open} nav={nav} />
      <main className={styles.main}>
        <div className={styles.top}>
        {info.data?.demo && <DemoBanner apiBase={info.data.apiBase} />}
        {syncError && (
          <SyncErrorBanner error={syncError} retrying={refresh.isPending} onRetry={() => refresh.mutate()} />
        )}
        <CounterBar counters={snap.data?.counters} filter={filter} onFilter={setFilter} />
        <div className={styles.toolbar}>
          <Input
            className={styles.search}
            data-testid="search"
            data-shortcut="find"
            type="search"
            placeholder="Search by name, machine id or IP (Ctrl+F)"
            aria-label="Search machines by name, id or IP"
            value={query}
            onChange={(_, d) => setQuery(d.value)}
          />
          <Text className={styles.count} data-testid="row-count">
            {visible.length === rows.length
              ? `${rows.length} machines`
              : `${visible.length} of ${rows.length} machines`}
          </Text>
          <Button size="small" onClick={() => setBatchesOpen(true)} data-testid="open-batches">
            Batches
          </Button>
          <ExportMachines rows={visible} />
        </div>
        {checked.size > 0 && (
          <SelectionBar
            counts={counts}
            mayAct={mayAct}
            onRelease={() => bulkFromSelection("release")}
            onIsolate={() => bulkFromSelection("isolate")}
            onClear={() => setChecked(EMPTY_SELECTION)}
            onCopyIds={() => copyText(chosen.map((r) => r.id).join("\n"))}
          />
        )}
        {jobIds.map((id) => (
          <JobProgressPanel key={id} jobId={id} onClose={() => setJobIds((j) => j.filter((x) => x !== id))} />
        ))}
        </div>
        {firstSync ? (
          <div className={styles.loading} data-testid="loading">
            <Spinner label="First sync with Defender in progress: loading machines…" />
          </div>
        ) : (
          <MachineTable
            rows={visible}
            now={now}
            selectedId={selectedId}
            onOpen={(r) => open(r.id, r)}
            checked={checked}
            headerCheck={headerCheck(checked, visible)}
            onCheck={onCheck}
            onCheckAll={() => setChecked((c) => toggleAllVisible(c, visible))}
            emptyText={
              rows.length > 0
                ? "No machine matches the search and filter."
                : snap.data?.sync.syncedAt
                  ? "No machines in this tenant yet."
                  : "No machines loaded yet: Cordon has not synced with Defender."
            }
          />
        )}
      </main>
      <MachineDetailDrawer
        machineId={selectedId}
        row={selectedRow}
        now={now}
        mayAct={mayAct}
        onClose={() => setSelectedId(null)}
      />
      <BatchesPanel
        open={batchesOpen}
        now={now}
        mayAct={mayAct}
        onClose={() => setBatchesOpen(false)}
        onRelease={releaseBatch}
        onSelect={selectBatch}
      />
      {intent && (
        <BulkDialog
          intent={intent}
          onClose={() => setIntent(null)}
          onStarted={(job) => {
            setIntent(null);
            setChecked(EMPTY_SELECTION);
            setJobIds((j) => [job.id, ...j.filter((x) => x !== job.id)].slice(0, 3));
          }}
        />
      )}
    </div>
  );
}
