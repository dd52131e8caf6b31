import { useMemo, useState } from "react";
import { Badge, Button, Dropdown, Field, Option, Spinner, Text, makeStyles, tokens } from "@fluentui/react-components";
import * as ipc from "../../ipc";
import type { AlertRow, Severity } from "../../ipc";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";
import { VirtualGrid, useGridCellClass } from "../../components/VirtualGrid";
import { useAlerts } from "../../automationQueries";
import { DECISION_LABEL, SEVERITIES, SEVERITY_COLOR, alertFilter, type TimeRange } from "../../lib/automation";
import { exactTime, relativeTime } from "../../lib/time";

const useStyles = makeStyles({
  root: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalS },
  h: { margin: 0, fontSize: tokens.fontSizeBase400, fontWeight: tokens.fontWeightSemibold },
  filters: { display: "flex", alignItems: "flex-end", gap: tokens.spacingHorizontalM, flexWrap: "wrap" },
  drop: { minWidth: "150px" },
  grid: { height: "300px", flex: "0 0 auto" },
  row: {
    gridTemplateColumns: "110px minmax(220px, 2fr) minmax(170px, 1.2fr) 90px 150px 130px 150px minmax(200px, 2fr) 90px",
    minWidth: "1280px",
  },
});

const RANGES: { value: TimeRange; label: string }[] = [
  { value: "24h", label: "Last 24 hours" },
  { value: "3d", label: "Last 3 days" },
  { value: "7d", label: "Last 7 days" },
];

interface Props {
  now: Date;
  mayAct: boolean;
  onIsolate: (alert: AlertRow) => void;
}

/** Recent alerts (live from Defender), each with what the rule decided and why. */
export function AlertsPanel({ now, mayAct, onIsolate }: Props) {
  const s = useStyles();
  const cell = useGridCellClass();
  const [range, setRange] = useState<TimeRange>("24h");
  const [severity, setSeverity] = useState<Severity>("Low");
  // The filter moves with the clock only when the person changes it (a stable key).
  const filter = useMemo(() => alertFilter(range, severity, now), [range, severity]);
  const alerts = useAlerts(filter);
  const rows = alerts.data ?? [];
  return (
    <section className={s.root} aria-label="Recent alerts" data-testid="alerts-panel">
      <h3 className={s.h}>Recent alerts</h3>
      <div className={s.filters}>
        <Field label="Severity at least">
          <Dropdown
            className={s.drop}
            size="small"
            value={severity}
            selectedOptions={[severity]}
            onOptionSelect={(_, d) => d.optionValue && setSeverity(d.optionValue as Severity)}
            data-testid="alerts-severity"
          >
            {SEVERITIES.map((v) => (
              <Option key={v} value={v}>
                {v}
              </Option>
            ))}
          </Dropdown>
        </Field>
        <Field label="Time range">
          <Dropdown
            className={s.drop}
            size="small"
            value={RANGES.find((r) => r.value === range)?.label}
            selectedOptions={[range]}
            onOptionSelect={(_, d) => d.optionValue && setRange(d.optionValue as TimeRange)}
            data-testid="alerts-range"
          >
            {RANGES.map((r) => (
              <Option key={r.value} value={r.value}>
                {r.label}
              </Option>
            ))}
          </Dropdown>
        </Field>
        <Text data-testid="alerts-count">
          {rows.length} alert{rows.length === 1 ? "" : "s"}
        </Text>
        {alerts.isFetching && <Spinner size="extra-tiny" />}
      </div>
      {alerts.error && <IpcErrorMessage error={ipc.toIpcError(alerts.error)} data-testid="alerts-error" />}
      <VirtualGrid
        rows={rows}
        head={["Severity", "Title", "Machine", "Status", "Detection source", "Time", "Rule's decision", "Reason", ""]}
        gridClassName={s.grid}
        rowClassName={s.row}
        ariaLabel="Recent alerts"
        testId="alerts-grid"
        rowTestId="alert-row"
        getKey={(a) => a.id}
        initialHeight={300}
        empty={alerts.isPending ? "Loading alerts…" : "No alert in this range at this severity."}
        emptyTestId="alerts-empty"
        showEmpty={rows.length === 0}
        rowData={(a) => ({
          "data-alert-id": a.id,
          "data-machine-id": a.machineId ?? "",
          "data-severity": a.severity,
          "data-decision": a.decision ?? "",
        })}
        cells={(a) => (
          <>
            <div role="gridcell" className={cell}>
              <Badge appearance="tint" color={SEVERITY_COLOR[a.severity] ?? "subtle"}>
                {a.severity}
              </Badge>
            </div>
            <div role="gridcell" className={cell} title={a.title}>
              {a.title}
            </div>
            <div role="gridcell" className={cell} title={a.machineId ?? ""}>
              {a.machineName ?? a.machineId ?? "—"}
            </div>
            <div role="gridcell" className={cell}>
              {a.status}
            </div>
            <div role="gridcell" className={cell}>
              {a.detectionSource ?? "—"}
            </div>
            <div role="gridcell" className={cell} title={exactTime(a.created)}>
              {relativeTime(a.created, now)}
            </div>
            <div role="gridcell" className={cell} data-testid="alert-decision">
              {a.decision ? DECISION_LABEL[a.decision] : "—"}
            </div>
            <div role="gridcell" className={cell} title={a.decisionReason ?? ""}>
              {a.decisionReason ?? ""}
            </div>
            <div role="gridcell" className={cell}>
              {mayAct && a.machineId && (
                <Button size="small" onClick={() => onIsolate(a)} data-testid="alert-isolate">
                  Isolate…
                </Button>
              )}
            </div>
          </>
        )}
      />
    </section>
  );
}
