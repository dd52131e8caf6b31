import { Badge, Button, Checkbox, Text, makeStyles, tokens } from "@fluentui/react-components";
import type { ReconRow } from "../../ipc";
import { NEXT_LABEL, canResubmit, rowAction } from "../../lib/recon";
import { exactTime, localTime, relativeTime } from "../../lib/time";

const useStyles = makeStyles({
  row: {
    display: "grid",
    gridTemplateColumns: "32px minmax(170px, 1fr) minmax(260px, 2.4fr) 120px minmax(220px, 1.6fr) 170px",
    gap: tokens.spacingHorizontalS,
    alignItems: "start",
    padding: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalS}`,
    borderBottom: `1px solid ${tokens.colorNeutralStroke3}`,
    fontSize: tokens.fontSizeBase200,
  },
  name: { fontWeight: tokens.fontWeightSemibold, overflow: "hidden", textOverflow: "ellipsis" },
  muted: { color: tokens.colorNeutralForeground3 },
  stack: { display: "flex", flexDirection: "column", gap: "2px", minWidth: 0 },
});

interface Props {
  row: ReconRow;
  now: Date;
  checked: boolean;
  mayAct: boolean;
  busy: boolean;
  onCheck: () => void;
  onResubmit: () => void;
}

export function ReconRowView({ row, now, checked, mayAct, busy, onCheck, onResubmit }: Props) {
  const s = useStyles();
  const action = rowAction(row);
  const allowed = mayAct && canResubmit(row);
  return (
    <div
      className={s.row}
      role="row"
      data-testid="recon-row"
      data-machine-id={row.machineId}
      data-cause={row.cause}
      data-next-step={row.nextStep}
      data-kind={row.kind}
    >
      <span role="gridcell">
        <Checkbox checked={checked} disabled={!allowed} onChange={onCheck} aria-label={`Select ${row.machineName}`} data-testid="recon-check" />
      </span>
      <span role="gridcell" className={s.stack}>
        <span className={s.name} title={row.machineId}>
          {row.machineName}
        </span>
        <span className={s.muted}>
          {row.kind === "release" ? "Release" : "Isolation"} · {row.health}
        </span>
      </span>
      <span role="gridcell" className={s.stack}>
        <span data-testid="recon-cause-text">{row.causeText}</span>
        <span className={s.muted} title={`${exactTime(row.requestedAt)}\n${row.comment}`}>
          Requested {relativeTime(row.requestedAt, now)} by {row.requestor}
        </span>
      </span>
      <span role="gridcell" className={s.muted} title={row.lastSeen ? `Last full device report: ${exactTime(row.lastSeen)}` : "No full device report"}>
        Last seen {relativeTime(row.lastSeen, now)}
      </span>
      <span role="gridcell" className={s.stack}>
        <span>
          <Badge appearance="tint" color={row.nextStep === "needs_person" ? "danger" : "informative"} data-testid="recon-next">
            {NEXT_LABEL[row.nextStep]}
          </Badge>
        </span>
        {(row.nextText !== NEXT_LABEL[row.nextStep] || row.nextAt) && (
          <Text size={200} data-testid="recon-next-text" title={row.nextAt ? exactTime(row.nextAt) : undefined}>
            {row.nextText}
            {row.nextAt ? ` (${localTime(row.nextAt)})` : ""}
          </Text>
        )}
        {row.tries > 0 && <span className={s.muted}>{row.tries} resubmission{row.tries === 1 ? "" : "s"} so far</span>}
      </span>
      <span role="gridcell">
        {mayAct && (
          <Button size="small" disabled={!allowed || busy} onClick={onResubmit} data-testid="recon-resubmit" data-action={action}>
            {action === "resubmit" ? "Resubmit" : "Cancel and resubmit"}
          </Button>
        )}
      </span>
    </div>
  );
}
