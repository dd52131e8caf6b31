import { useDeferredValue, useState, type ReactNode } from "react";
import { Button, Dropdown, Field, Input, Option, Spinner, Text, makeStyles, tokens } from "@fluentui/react-components";
import * as ipc from "../../ipc";
import type { HistoryFilter, JobKind } from "../../ipc";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";
import { ViewFrame } from "../../components/ViewFrame";
import { dayOrNull, dayValid } from "../../lib/dates";
import { dedupe, shownOf, useHistory } from "../../queries";
import { DayChart } from "./DayChart";
import { HistoryTable } from "./HistoryTable";

const useStyles = makeStyles({
  filters: { display: "flex", alignItems: "flex-end", gap: tokens.spacingHorizontalM, flexWrap: "wrap", flexShrink: 0 },
  small: { width: "150px" },
  text: { width: "200px" },
  day: { width: "130px" },
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

/** The filter the back end gets: empty fields are left out, text is trimmed. */
export function toFilter(f: HistoryForm): HistoryFilter {
  const opt = (v: string) => (v.trim() === "" ? null : v.trim());
  return {
    kind: f.kind === "" ? null : f.kind,
    status: opt(f.status),
    requestor: opt(f.requestor),
    machine: opt(f.machine),
    since: dayOrNull(f.since),
    until: dayOrNull(f.until),
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
        <Field label="From" validationMessage={dayValid(form.since) ? undefined : "YYYY-MM-DD"}>
          <Input className={styles.day} placeholder="YYYY-MM-DD" value={form.since} onChange={(_, d) => set({ since: d.value })} data-testid="history-since" />
        </Field>
        <Field label="To" validationMessage={dayValid(form.until) ? undefined : "YYYY-MM-DD"}>
          <Input className={styles.day} placeholder="YYYY-MM-DD" value={form.until} onChange={(_, d) => set({ until: d.value })} data-testid="history-until" />
        </Field>
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
          <DayChart days={pages[0]?.perDay ?? []} />
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
