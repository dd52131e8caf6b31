import { useDeferredValue, useState, type ReactNode } from "react";
import { Button, Dropdown, Field, Input, Option, Spinner, Text, makeStyles, tokens } from "@fluentui/react-components";
import { DayPicker } from "../../components/DayPicker";
import * as ipc from "../../ipc";
import type { HistoryFilter, JobKind } from "../../ipc";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";
import { ViewFrame } from "../../components/ViewFrame";
import { dayOrNull } from "../../lib/dates";
import { localDayBound, utcOffset } from "../../lib/time";
import { dedupe, shownOf, useHistory } from "../../queries";
import { DayChart } from "./DayChart";
import { HistoryTable } from "./HistoryTable";

const useStyles = makeStyles({
  filters: { display: "flex", alignItems: "flex-end", gap: tokens.spacingHorizontalM, flexWrap: "wrap", flexShrink: 0 },
  small: { width: "150px" },
  text: { width: "200px" },
  day: { width: "150px" },
  muted: { color: tokens.colorNeutralForeground3 },
});

const STATUSES = ["Pending", "InProgress", "Succeeded", "Failed", "TimeOut", "Cancelled"];

export interface HistoryForm {
  kind: "" | JobKind;
  status: string;
  requestor: string;
  machine: string;
  since: string;
  until: string;
}

const EMPTY_FORM: HistoryForm = { kind: "", status: "", requestor: "", machine: "", since: "", until: "" };

/** A local day's first or last instant (RFC 3339), or null for an empty or unfinished field. */
export function dayBound(text: string, edge: "start" | "end"): string | null {
  const day = dayOrNull(text);
  return day === null ? null : localDayBound(day, edge);
}

/**
 * The filter the back end gets: empty fields are left out, text is trimmed, the days
 * are the person's local days (their bounds as instants), and the chart counts local
 * days (the offset from UTC now).
 */
export function toFilter(f: HistoryForm, now: Date = new Date()): HistoryFilter {
  const opt = (v: string) => (v.trim() === "" ? null : v.trim());
  return {
    kind: f.kind === "" ? null : f.kind,
    status: opt(f.status),
    requestor: opt(f.requestor),
    machine: opt(f.machine),
    since: dayBound(f.since, "start"),
    until: dayBound(f.until, "end"),
    utcOffsetMinutes: 0 - now.getTimezoneOffset(),
  };
}

/** Every isolation action across the tenant: filters, the per-day chart, CSV export. */
export function HistoryView({ nav }: { nav?: ReactNode }) {
  const styles = useStyles();
  const [form, setForm] = useState<HistoryForm>(EMPTY_FORM);
  const filter = toFilter(useDeferredValue(form));
  const history = useHistory(filter);
  const [exportError, setExportError] = useState<ipc.IpcError | null>(null);
  const [exporting, setExporting] = useState(false);
  const [saved, setSaved] = useState<ipc.SavedFile | null>(null);
  const set = (p: Partial<HistoryForm>) => setForm((f) => ({ ...f, ...p }));
  const exportCsv = () => {
    setExporting(true);
    setExportError(null);
    setSaved(null);
    ipc
      .saveHistoryCsv(filter)
      .then(setSaved)
      .catch((e: unknown) => setExportError(ipc.toIpcError(e)))
      .finally(() => setExporting(false));
  };
  const pages = history.data?.pages ?? [];
  const rows = dedupe(
    pages.flatMap((p) => p.rows),
    (r) => r.actionId,
  );
  const total = pages[0]?.total ?? 0;
  return (
    <ViewFrame nav={nav} testId="history-view">
      <div className={styles.filters}>
        <Field label="Type">
          <Dropdown
            className={styles.small}
            value={form.kind === "" ? "All" : form.kind === "isolate" ? "Isolate" : "Release"}
            selectedOptions={[form.kind]}
            onOptionSelect={(_, d) => set({ kind: (d.optionValue ?? "") as HistoryForm["kind"] })}
            data-testid="history-kind"
          >
            <Option value="">All</Option>
            <Option value="isolate">Isolate</Option>
            <Option value="release">Release</Option>
          </Dropdown>
        </Field>
        <Field label="Status">
          <Dropdown
            className={styles.small}
            value={form.status === "" ? "All" : form.status}
            selectedOptions={[form.status]}
            onOptionSelect={(_, d) => set({ status: d.optionValue ?? "" })}
            data-testid="history-status"
          >
            <Option value="">All</Option>
            {STATUSES.map((st) => (
              <Option key={st} value={st}>
                {st}
              </Option>
            ))}
          </Dropdown>
        </Field>
        <Field label="Requestor">
          <Input className={styles.text} value={form.requestor} onChange={(_, d) => set({ requestor: d.value })} data-testid="history-requestor" />
        </Field>
        <Field label="Machine (name or id)">
          <Input className={styles.text} value={form.machine} onChange={(_, d) => set({ machine: d.value })} data-testid="history-machine" />
        </Field>
        <DayPicker label="From" className={styles.day} value={form.since} onChange={(since) => set({ since })} testId="history-since" />
        <DayPicker label="To" className={styles.day} value={form.until} onChange={(until) => set({ until })} testId="history-until" />
        <Button onClick={() => setForm(EMPTY_FORM)} data-testid="history-reset">
          Reset
        </Button>
        <Button appearance="primary" onClick={exportCsv} disabled={exporting} data-testid="history-export">
          {exporting ? "Exporting…" : "Export CSV"}
        </Button>
      </div>
      {saved && (
        <Text className={styles.muted} data-testid="export-saved">
          Saved to {saved.path}
        </Text>
      )}
      {exportError && <IpcErrorMessage error={exportError} data-testid="export-error" />}
      {history.error && <IpcErrorMessage error={ipc.toIpcError(history.error)} data-testid="history-error" />}
      {history.isPending ? (
        <Spinner size="tiny" label="Loading the history…" />
      ) : (
        <>
          <DayChart days={pages[0]?.perDay ?? []} zone={utcOffset(new Date())} />
          <div className={styles.filters}>
            <Text className={styles.muted} data-testid="history-count">
              {shownOf(rows.length, total, "action", "actions")}
            </Text>
            {history.hasNextPage && (
              <Button onClick={() => void history.fetchNextPage()} disabled={history.isFetchingNextPage} data-testid="history-more">
                {history.isFetchingNextPage ? "Loading…" : "Load more"}
              </Button>
            )}
          </div>
          <HistoryTable rows={rows} />
        </>
      )}
    </ViewFrame>
  );
}
