import { useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Badge, Button, Input, Spinner, Switch, Text, makeStyles, tokens } from "@fluentui/react-components";
import * as ipc from "../../ipc";
import type { RuleDecision, RuleStatus } from "../../ipc";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";
import { automationKeys, refreshAutomation } from "../../automationQueries";
import { DECISION_LABEL, countDecisions, countsSentence, modeLabel, modeSentence } from "../../lib/automation";
import { exactTime, localTime, relativeTime } from "../../lib/time";
import { queryKeys } from "../../queries";

const useStyles = makeStyles({
  bar: {
    display: "flex",
    flexWrap: "wrap",
    alignItems: "center",
    gap: tokens.spacingHorizontalL,
    padding: tokens.spacingHorizontalM,
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
  },
  stack: { display: "flex", flexDirection: "column", gap: "2px", maxWidth: "420px" },
  muted: { color: tokens.colorNeutralForeground3, fontSize: tokens.fontSizeBase200 },
  breaker: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalS, flexWrap: "wrap" },
  comment: { width: "220px" },
});

interface Props {
  status: RuleStatus;
  now: Date;
  mayAct: boolean;
}

/** The rule at a glance: its mode in a sentence, the pause, the breaker, "Run now". */
export function RuleStatusBar({ status, now, mayAct }: Props) {
  const s = useStyles();
  const client = useQueryClient();
  const [comment, setComment] = useState("");
  const [last, setLast] = useState<RuleDecision[] | null>(null);
  const onStatus = (st: RuleStatus) => {
    client.setQueryData(automationKeys.rule, st);
    void refreshAutomation(client);
  };
  const pause = useMutation<RuleStatus, Error, boolean>({ mutationFn: ipc.pauseAutomation, onSuccess: onStatus });
  const close = useMutation<RuleStatus, Error, string>({
    mutationFn: ipc.closeBreaker,
    onSuccess: (st) => {
      setComment("");
      onStatus(st);
    },
  });
  const run = useMutation<RuleDecision[], Error>({
    mutationFn: ipc.runRule,
    onSuccess: (ds) => {
      setLast(ds);
      void refreshAutomation(client);
      void client.invalidateQueries({ queryKey: queryKeys.jobs });
    },
  });
  const counts = last ? countDecisions(last) : null;
  const { breaker } = status;
  return (
    <section className={s.bar} aria-label="The rule's state" data-testid="rule-status" data-mode={status.settings.mode}>
      <div className={s.stack}>
        <Text weight="semibold">
          Isolation rule: <span data-testid="rule-mode">{modeLabel(status.settings.mode)}</span>
          {status.paused && (
            <Badge appearance="filled" color="warning" style={{ marginLeft: 8 }} data-testid="rule-paused">
              Paused
            </Badge>
          )}
        </Text>
        <span className={s.muted}>{modeSentence(status.settings.mode)}</span>
        <span className={s.muted} title={`Last run ${exactTime(status.lastRun)}${status.nextRun ? `\nNext run ${exactTime(status.nextRun)}` : ""}`}>
          Last run {relativeTime(status.lastRun, now)}
          {status.nextRun ? ` · next ${localTime(status.nextRun)}` : ""} · {status.isolatedInWindow} isolated in the window ·{" "}
          {status.isolatedByRuleNow} isolated by the rule now
        </span>
      </div>
      <Switch
        label={status.paused ? "Automation paused" : "Automation running"}
        checked={!status.paused}
        disabled={!mayAct || pause.isPending}
        onChange={(_, d) => pause.mutate(!d.checked)}
        data-testid="pause-switch"
      />
      <div className={s.breaker} data-testid="breaker" data-open={String(breaker.open)}>
        <Badge appearance="filled" color={breaker.open ? "danger" : "success"} data-testid="breaker-state">
          {breaker.open ? "Breaker open" : "Breaker closed"}
        </Badge>
        {breaker.open && (
          <>
            <span className={s.muted} data-testid="breaker-reason" title={exactTime(breaker.openedAt)}>
              {breaker.reason} (since {relativeTime(breaker.openedAt, now)}): automatic isolations wait for approval.
            </span>
            {mayAct && (
              <>
                <Input
                  className={s.comment}
                  size="small"
                  placeholder="Why it is safe to close (required)"
                  value={comment}
                  onChange={(_, d) => setComment(d.value)}
                  data-testid="breaker-comment"
                />
                <Button
                  size="small"
                  disabled={comment.trim() === "" || close.isPending}
                  onClick={() => close.mutate(comment.trim())}
                  data-testid="close-breaker"
                >
                  Close breaker
                </Button>
              </>
            )}
          </>
        )}
      </div>
      {mayAct && (
        <Button
          appearance="primary"
          size="small"
          disabled={run.isPending || status.settings.mode === "off"}
          icon={run.isPending ? <Spinner size="extra-tiny" /> : undefined}
          onClick={() => run.mutate()}
          data-testid="run-now"
        >
          Run now
        </Button>
      )}
      {counts && (
        <Text
          data-testid="run-result"
          data-isolated={counts.isolated}
          data-queued={counts.queued}
          data-skipped={counts.skipped}
          data-would-isolate={counts["would-isolate"]}
        >
          Run now: {last && last.length === 0 ? "no new alert" : countsSentence(counts)}
        </Text>
      )}
      {last && last.length > 0 && (
        <details data-testid="run-decisions">
          <summary className={s.muted}>Each decision</summary>
          <ul className={s.muted}>
            {last.map((d) => (
              <li key={`${d.alertId}-${d.machineId}`} data-testid="run-decision" data-alert-id={d.alertId} data-decision={d.decision}>
                {d.machineName ?? d.machineId}: {DECISION_LABEL[d.decision]} — {d.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
      {[pause.error, close.error, run.error].map(
        (e, i) => e && <IpcErrorMessage key={i} error={ipc.toIpcError(e)} data-testid="rule-status-error" />,
      )}
    </section>
  );
}
