import { useCallback, useEffect, useMemo, useState, type ReactNode } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Button, Input, Spinner, Text, makeStyles, tokens } from "@fluentui/react-components";
import * as ipc from "../../ipc";
import type { IsolationGroup, JobKind, MachineRow, Snapshot } from "../../ipc";
import { batchComment } from "../../lib/bulk";
import { NO_FACETS, facetCount, gridFilter, windowFor, type GridWindow } from "../../lib/grid";
import { bulkCounts, pendingOf } from "../../lib/selection";
import { BulkDialog, type BulkIntent } from "../jobs/BulkDialog";
import { JobProgressPanel } from "../jobs/JobProgressPanel";
import { BatchesPanel } from "./BatchesPanel";
import { CancelPendingDialog, type CancelTarget } from "./CancelPendingDialog";
import { SavedFilters } from "./SavedFilters";
import { ResubmitSelection } from "./ResubmitSelection";
import { SelectionBar } from "./SelectionBar";
import { focusShortcutTarget, useShortcuts } from "../../lib/shortcuts";
import { useNow } from "../../lib/useNow";
import { queryKeys, useAppInfo, useGridCounters, useGridPage, useJobs, useSyncStatus } from "../../queries";
import { AppHeader } from "./AppHeader";
import { ColumnChooser } from "./ColumnChooser";
import { useColumnPrefs, useGridSort } from "./columns";
import { CounterBar } from "./CounterBar";
import { DemoBanner } from "./DemoBanner";
import { ExportMachines } from "./ExportMachines";
import { copyText } from "../../lib/clipboard";
import { GridFilters } from "./GridFilters";
import { MachineDetailDrawer, type Prefill } from "./MachineDetailDrawer";
import { RowMenu, RowResultLine, type RowMenuAt, type RowResult } from "./RowMenu";
import { MachineTable, type HeaderCheck } from "./MachineTable";
import { SyncErrorBanner } from "./SyncErrorBanner";
import { useGridUi, withFilter, type Picked } from "./gridState";

/** How long the search waits for the typing to pause before it asks the core. */
export const SEARCH_DEBOUNCE_MS = 150;

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
  spacer: { flex: "1 1 auto" },
  loading: { padding: tokens.spacingVerticalXXL },
});

const EMPTY: MachineRow[] = [];
/** The first window asked for: about a screenful (the grid widens it once measured). */
const FIRST_WINDOW: GridWindow = windowFor(0, 20);

function picked(r: MachineRow): Picked {
  return { id: r.id, name: r.name, state: r.state, isolatedNow: r.isolatedNow, pending: r.pending };
}

export function MachinesView({ nav }: { nav?: ReactNode }) {
  const styles = useStyles();
  const client = useQueryClient();
  const info = useAppInfo();
  const now = useNow();
  const [ui, setUi] = useGridUi();
  const [prefs, setPrefs] = useColumnPrefs();
  const [sort, onSort] = useGridSort();

  // What the core is asked: the filter (search, state chip, facets), the sort and the
  // window on screen. The counters count the search and facets, every state apart.
  const filter = useMemo(() => gridFilter(ui.state, ui.search, ui.facets), [ui.state, ui.search, ui.facets]);
  const counterFilter = useMemo(() => gridFilter("all", ui.search, ui.facets), [ui.search, ui.facets]);
  const [win, setWin] = useState<GridWindow>(FIRST_WINDOW);
  const onRange = useCallback((first: number, last: number) => {
    const next = windowFor(first, last);
    setWin((w) => (w.offset === next.offset && w.limit === next.limit ? w : next));
  }, []);
  const query = useMemo(() => ({ filter, sort, offset: win.offset, limit: win.limit }), [filter, sort, win]);
  const page = useGridPage(query);
  const counters = useGridCounters(counterFilter);
  const fleet = useGridCounters(useMemo(() => gridFilter("all", "", NO_FACETS), []));
  // "All matching" needs what the whole query holds (the bulk bar's counts).
  const matching = useGridCounters(filter, ui.allMatching);
  // …and how many of those are pending at Defender (what "Cancel pending" would concern).
  const pendingMatching = useGridCounters(useMemo(() => pendingOf(filter), [filter]), ui.allMatching);
  const { status: sync, pushedAt } = useSyncStatus(page.data?.asOf);

  const rows = useMemo(() => page.data?.rows.map((r) => r.machine) ?? EMPTY, [page.data]);
  const total = page.data?.total ?? 0;

  // The search asks the core once the typing pauses.
  useEffect(() => {
    if (ui.searchText === ui.search) return;
    const t = setTimeout(() => setUi((u) => withFilter(u, { search: u.searchText })), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [ui.searchText, ui.search, setUi]);

  // Picked machines seen again in a window take their current state (the bulk bar's counts).
  useEffect(() => {
    const moved = rows.filter((r) => {
      const p = ui.picked[r.id];
      return p !== undefined && (p.state !== r.state || p.isolatedNow !== r.isolatedNow || p.pending !== r.pending || p.name !== r.name);
    });
    if (moved.length === 0) return;
    setUi((u) => ({ ...u, picked: { ...u.picked, ...Object.fromEntries(moved.filter((r) => u.picked[r.id]).map((r) => [r.id, picked(r)])) } }));
  }, [rows, ui.picked, setUi]);

  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [pinnedRow, setPinnedRow] = useState<MachineRow | undefined>(undefined);
  const [batchesOpen, setBatchesOpen] = useState(false);
  const [intent, setIntent] = useState<BulkIntent | null>(null);
  const [cancelTarget, setCancelTarget] = useState<CancelTarget | null>(null);
  const [menuAt, setMenuAt] = useState<RowMenuAt | null>(null);
  const [rowResult, setRowResult] = useState<RowResult | null>(null);
  const [prefill, setPrefill] = useState<Prefill | undefined>(undefined);
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

  const pickedList = useMemo(() => Object.values(ui.picked), [ui.picked]);
  const counts = useMemo(() => {
    if (!ui.allMatching) return bulkCounts(pickedList);
    const c = matching.data;
    return {
      selected: total,
      releasable: c?.isolatedNow ?? 0,
      isolatable: c ? Math.max(0, c.total - c.isolatedNow - c.isolating) : 0,
      pending: pendingMatching.data?.total ?? 0,
    };
  }, [ui.allMatching, pickedList, matching.data, pendingMatching.data, total]);
  const selecting = ui.allMatching || pickedList.length > 0;
  const onCheck = useCallback(
    (r: MachineRow) =>
      setUi((u) => {
        const next = { ...u.picked };
        if (next[r.id]) delete next[r.id];
        else next[r.id] = picked(r);
        return { ...u, picked: next };
      }),
    [setUi],
  );
  const isChecked = useCallback((r: MachineRow) => ui.allMatching || ui.picked[r.id] !== undefined, [ui.allMatching, ui.picked]);
  const clearSelection = useCallback(() => setUi((u) => ({ ...u, picked: {}, allMatching: false })), [setUi]);
  const selectAllMatching = useCallback(() => setUi((u) => ({ ...u, picked: {}, allMatching: true })), [setUi]);
  const headerCheck: HeaderCheck = ui.allMatching ? "all" : pickedList.length > 0 ? "some" : "none";
  const mayAct = info.data?.mayIsolate ?? true;

  const bulkFromSelection = (kind: JobKind) => {
    if (ui.allMatching) {
      // The core resolves the filter at preview time: the preview counts every match.
      setIntent({ kind, machineIds: [], matching: filter, source: "selection", comment: "", includeForeign: false });
      return;
    }
    const ids = pickedList
      .filter((r) => (kind === "release" ? r.isolatedNow : !r.isolatedNow && r.state !== "isolating"))
      .map((r) => r.id);
    setIntent({ kind, machineIds: ids, source: "selection", comment: "", includeForeign: false });
  };
  const cancelFromSelection = () => {
    const matching = ui.allMatching ? pendingOf(filter) : null;
    const machineIds = ui.allMatching ? [] : pickedList.filter((r) => r.pending).map((r) => r.id);
    setCancelTarget({ machineIds, matching: matching ?? undefined, count: counts.pending, fromSelection: true });
  };
  const releaseBatch = (g: IsolationGroup) => {
    setBatchesOpen(false);
    setIntent({ kind: "release", machineIds: g.machines.map((m) => m.id), source: `batch:${g.id}`, comment: batchComment(g), includeForeign: true });
  };
  const selectBatch = (g: IsolationGroup) => {
    setBatchesOpen(false);
    // A batch is machines Cordon saw isolated; a window that shows them again corrects this.
    setUi((u) => ({
      ...u,
      allMatching: false,
      picked: Object.fromEntries(g.machines.map((m) => [m.id, { id: m.id, name: m.name, state: "isolated" as const, isolatedNow: true, pending: false }])),
    }));
  };

  const refresh = useMutation<Snapshot, Error>({
    mutationFn: ipc.refresh,
    onSuccess: (data) => {
      client.setQueryData(queryKeys.syncStatus, data.sync);
      void client.invalidateQueries({ queryKey: queryKeys.gridAll });
    },
  });

  useShortcuts({
    find: () => focusShortcutTarget("find"),
    goto: () => focusShortcutTarget("goto"),
    refresh: () => {
      if (!refresh.isPending) refresh.mutate();
    },
  });

  const open = useCallback((id: string, row?: MachineRow, form?: Prefill) => {
    setSelectedId(id);
    setPinnedRow(row);
    setPrefill(form);
  }, []);
  const onRowMenu = useCallback((row: MachineRow, x: number, y: number) => setMenuAt({ row, x, y }), []);

  // A sync failure (pushed by the back end, from the grid's read or from the Retry
  // itself) as one error. A failed Retry stops counting once a later status says the
  // sync works again.
  const recovered = sync !== undefined && sync.error === null && pushedAt > refresh.submittedAt;
  const syncError = refresh.error && !recovered
    ? ipc.toIpcError(refresh.error)
    : page.error
      ? ipc.toIpcError(page.error)
      : (sync?.error ?? null);

  const filtered = ui.search !== "" || ui.state !== "all" || facetCount(ui.facets) > 0;
  const fleetTotal = fleet.data?.total;
  const firstSync = page.isPending || (sync?.loading === true && total === 0 && !filtered);
  const selectedRow = selectedId ? (rows.find((r) => r.id === selectedId) ?? (pinnedRow?.id === selectedId ? pinnedRow : undefined)) : undefined;
  const n = (v: number) => v.toLocaleString("en-US");

  return (
    <div className={styles.root}>
      <AppHeader info={info.data} sync={sync} onOpen={open} nav={nav} />
      <main className={styles.main}>
        <div className={styles.top}>
        {info.data?.demo && <DemoBanner apiBase={info.data.apiBase} />}
        {syncError && (
          <SyncErrorBanner error={syncError} retrying={refresh.isPending} onRetry={() => refresh.mutate()} />
        )}
        <CounterBar counters={counters.data} filter={ui.state} onFilter={(state) => setUi((u) => withFilter(u, { state }))} />
        <div className={styles.toolbar}>
          <Input
            className={styles.search}
            data-testid="search"
            data-shortcut="find"
            type="search"
            placeholder="Search by name, machine id or IP (Ctrl+F)"
            aria-label="Search machines by name, id or IP"
            value={ui.searchText}
            onChange={(_, d) => setUi((u) => ({ ...u, searchText: d.value }))}
          />
          <Text className={styles.count} data-testid="row-count" data-total={total}>
            {page.data === undefined
              ? ""
              : fleetTotal === undefined || fleetTotal === total
                ? `${n(total)} machines`
                : `${n(total)} of ${n(fleetTotal)} machines`}
          </Text>
          {total > 0 && !ui.allMatching && (
            <Button size="small" appearance="subtle" onClick={selectAllMatching} data-testid="select-all-matching">
              Select all {n(total)} matching
            </Button>
          )}
          <span className={styles.spacer} />
          <SavedFilters
            current={{ search: ui.search, state: ui.state, facets: ui.facets }}
            onPick={(f) => setUi((u) => withFilter({ ...u, searchText: f.search }, { search: f.search, state: f.state, facets: f.facets }))}
          />
          <ColumnChooser prefs={prefs} onPrefs={setPrefs} />
          <Button size="small" onClick={() => setBatchesOpen(true)} data-testid="open-batches">
            Batches
          </Button>
          <ExportMachines filter={filter} total={total} />
        </div>
        <GridFilters facets={ui.facets} onChange={(facets) => setUi((u) => withFilter(u, { facets }))} />
        {selecting && (
          <SelectionBar
            counts={counts}
            allMatching={ui.allMatching}
            matchingTotal={total}
            onSelectAllMatching={selectAllMatching}
            mayAct={mayAct}
            onRelease={() => bulkFromSelection("release")}
            onIsolate={() => bulkFromSelection("isolate")}
            onCancelPending={cancelFromSelection}
            onClear={clearSelection}
            onCopyIds={ui.allMatching ? undefined : () => copyText(pickedList.map((r) => r.id).join("\n"))}
          >
            {!ui.allMatching && (
              <ResubmitSelection
                picked={pickedList}
                onResult={setRowResult}
                onJobs={(ids) => setJobIds((cur) => [...cur, ...ids.filter((id) => !cur.includes(id))].slice(-3))}
              />
            )}
          </SelectionBar>
        )}
        <RowResultLine result={rowResult} onDismiss={() => setRowResult(null)} />
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
            total={total}
            rows={rows}
            offset={page.data?.offset ?? 0}
            pending={page.isPlaceholderData}
            onRange={onRange}
            now={now}
            selectedId={selectedId}
            onOpen={(r) => open(r.id, r)}
            sort={sort}
            onSort={onSort}
            prefs={prefs}
            onPrefs={setPrefs}
            isChecked={isChecked}
            checkLocked={ui.allMatching}
            headerCheck={headerCheck}
            onCheck={onCheck}
            onRowMenu={onRowMenu}
            onCheckAll={ui.allMatching || pickedList.length > 0 ? clearSelection : selectAllMatching}
            emptyText={
              filtered
                ? "No machine matches the search and filter."
                : sync?.syncedAt
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
        prefill={prefill}
        onClose={() => setSelectedId(null)}
      />
      <RowMenu
        at={menuAt}
        mayAct={mayAct}
        onClose={() => setMenuAt(null)}
        onAction={(row, kind) => {
          setMenuAt(null);
          open(row.id, row, { kind, comment: "" });
        }}
        onCancelPending={(row) => {
          setMenuAt(null);
          setCancelTarget({ machineIds: [row.id], count: 1 });
        }}
        onResult={(r) => {
          setMenuAt(null);
          setRowResult(r);
        }}
      />
      <BatchesPanel
        open={batchesOpen}
        now={now}
        mayAct={mayAct}
        onClose={() => setBatchesOpen(false)}
        onRelease={releaseBatch}
        onSelect={selectBatch}
      />
      {cancelTarget && (
        <CancelPendingDialog
          target={cancelTarget}
          onClose={(done) => {
            if (done && cancelTarget.fromSelection) clearSelection();
            setCancelTarget(null);
          }}
        />
      )}
      {intent && (
        <BulkDialog
          intent={intent}
          onClose={() => setIntent(null)}
          onStarted={(job) => {
            setIntent(null);
            clearSelection();
            setJobIds((j) => [job.id, ...j.filter((x) => x !== job.id)].slice(0, 3));
          }}
        />
      )}
    </div>
  );
}
