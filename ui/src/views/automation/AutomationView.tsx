import { useState, type ReactNode } from "react";
import { Spinner, makeStyles, tokens } from "@fluentui/react-components";
import * as ipc from "../../ipc";
import type { AlertRow } from "../../ipc";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";
import { ViewFrame } from "../../components/ViewFrame";
import { useRule } from "../../automationQueries";
import { isolateComment } from "../../lib/automation";
import { useNow } from "../../lib/useNow";
import { useAppInfo, useMachineDetail } from "../../queries";
import { MachineDetailDrawer } from "../machines/MachineDetailDrawer";
import { AlertsPanel } from "./AlertsPanel";
import { ApprovalQueue } from "./ApprovalQueue";
import { RuleEditor } from "./RuleEditor";
import { RuleStatusBar } from "./RuleStatusBar";
import { TeamBanner, useTeamStatus } from "./TeamBanner";
import { Suppressions } from "./Suppressions";

const useStyles = makeStyles({
  top: { display: "grid", gridTemplateColumns: "minmax(0, 1fr)", gap: tokens.spacingVerticalL },
});

/**
 * Alerts & rules: the rule at a glance (mode, pause, breaker, "Run now"), the approval
 * queue, the recent alerts with the rule's decision for each (and "Isolate…", which
 * opens the machine's isolate form with the alert in the comment), the rule's editor
 * with its guard rails and preview, and the suppressions.
 */
export function AutomationView({ nav }: { nav?: ReactNode }) {
  const s = useStyles();
  const info = useAppInfo();
  const rule = useRule();
  const team = useTeamStatus();
  const now = useNow();
  const mayAct = info.data?.mayIsolate ?? true;
  const [isolating, setIsolating] = useState<AlertRow | null>(null);
  const machineId = isolating?.machineId ?? null;
  // The one machine asked about, by id (the core's look-up), never the whole fleet.
  const row = useMachineDetail(machineId).data?.machine;
  return (
    <ViewFrame nav={nav} testId="automation-view" scroll>
      <div className={s.top}>
        {rule.error && <IpcErrorMessage error={ipc.toIpcError(rule.error)} data-testid="rule-error" />}
        {rule.data ? <RuleStatusBar status={rule.data} now={now} mayAct={mayAct} /> : rule.isPending && <Spinner size="tiny" label="Reading the rule…" />}
        {team.data && <TeamBanner status={team.data} />}
        <ApprovalQueue mayAct={mayAct} now={now} />
        <AlertsPanel now={now} mayAct={mayAct} onIsolate={setIsolating} />
        {rule.data && <RuleEditor status={rule.data} mayAct={mayAct} />}
        {rule.data && <Suppressions list={rule.data.suppressions} mayAct={mayAct} />}
      </div>
      <MachineDetailDrawer
        machineId={machineId}
        row={row}
        now={now}
        mayAct={mayAct}
        prefill={isolating ? { kind: "isolate", comment: isolateComment(isolating.id) } : undefined}
        onClose={() => setIsolating(null)}
      />
    </ViewFrame>
  );
}
