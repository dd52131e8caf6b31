import { useMemo } from "react";
import { Badge, Spinner, makeStyles, tokens } from "@fluentui/react-components";
import * as ipc from "../../ipc";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";
import { useAlerts } from "../../automationQueries";
import { DECISION_LABEL, SEVERITY_COLOR, alertFilter } from "../../lib/automation";
import { exactTime, relativeTime } from "../../lib/time";

const useStyles = makeStyles({
  list: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXS, margin: 0, padding: 0, listStyle: "none" },
  item: { display: "flex", gap: tokens.spacingHorizontalS, alignItems: "baseline", flexWrap: "wrap", fontSize: tokens.fontSizeBase200 },
  muted: { color: tokens.colorNeutralForeground3 },
});

/** The machine's alerts of the last 7 days, newest first, with the rule's decisions. */
export function MachineAlerts({ machineId, now }: { machineId: string; now: Date }) {
  const s = useStyles();
  const filter = useMemo(() => alertFilter("7d", "Informational", now, machineId), [machineId]);
  const alerts = useAlerts(filter);
  if (alerts.isPending) return <Spinner size="tiny" />;
  if (alerts.error) return <IpcErrorMessage error={ipc.toIpcError(alerts.error)} data-testid="machine-alerts-error" />;
  const rows = alerts.data ?? [];
  if (rows.length === 0) {
    return (
      <span className={s.muted} data-testid="machine-alerts-empty">
        No alert in the last 7 days.
      </span>
    );
  }
  return (
    <ul className={s.list} data-testid="machine-alerts">
      {rows.map((a) => (
        <li key={a.id} className={s.item} data-testid="machine-alert" data-alert-id={a.id}>
          <Badge appearance="tint" color={SEVERITY_COLOR[a.severity] ?? "subtle"}>
            {a.severity}
          </Badge>
          <span>{a.title}</span>
          <span className={s.muted} title={exactTime(a.created)}>
            {relativeTime(a.created, now)} · {a.status}
            {a.decision ? ` · rule: ${DECISION_LABEL[a.decision]}` : ""}
          </span>
        </li>
      ))}
    </ul>
  );
}
