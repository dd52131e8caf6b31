import { useMutation } from "@tanstack/react-query";
import { Button, Spinner, Text, makeStyles, tokens } from "@fluentui/react-components";
import * as ipc from "../../ipc";
import type { RuleDecision, RuleSettings } from "../../ipc";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";
import { DECISION_LABEL, settingsOf, splitPreview, type RuleForm } from "../../lib/automation";

const useStyles = makeStyles({
  root: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalS },
  cols: { display: "grid", gridTemplateColumns: "1fr 1fr", gap: tokens.spacingHorizontalL },
  list: { margin: 0, paddingLeft: tokens.spacingHorizontalL, maxHeight: "180px", overflowY: "auto", fontSize: tokens.fontSizeBase200 },
  muted: { color: tokens.colorNeutralForeground3 },
});

/** "Preview last 24 h": which machines the rule, as the form says, would isolate or queue, and which it would skip and why. */
export function RulePreview({ base, form }: { base: RuleSettings; form: RuleForm }) {
  const s = useStyles();
  const preview = useMutation<RuleDecision[], Error>({ mutationFn: () => ipc.previewRule(settingsOf(base, form), 24) });
  const split = preview.data ? splitPreview(preview.data) : null;
  const item = (d: RuleDecision) => (
    <li key={`${d.alertId}-${d.machineId}`} data-testid="preview-item" data-decision={d.decision} data-machine-id={d.machineId}>
      {d.machineName ?? d.machineId}: <span className={s.muted}>{DECISION_LABEL[d.decision]} — {d.reason}</span>
    </li>
  );
  return (
    <div className={s.root} data-testid="rule-preview">
      <div>
        <Button size="small" disabled={preview.isPending} onClick={() => preview.mutate()} data-testid="preview-rule">
          Preview last 24 h
        </Button>{" "}
        {preview.isPending && <Spinner size="extra-tiny" />}
      </div>
      {preview.error && <IpcErrorMessage error={ipc.toIpcError(preview.error)} data-testid="preview-error" />}
      {split && (
        <div className={s.cols}>
          <div>
            <Text weight="semibold" data-testid="preview-act-count">
              Would act on {split.act.length} machine{split.act.length === 1 ? "" : "s"}
            </Text>
            <ul className={s.list}>{split.act.map(item)}</ul>
          </div>
          <div>
            <Text weight="semibold" data-testid="preview-skip-count">
              Would skip {split.skip.length}
            </Text>
            <ul className={s.list}>{split.skip.map(item)}</ul>
          </div>
        </div>
      )}
    </div>
  );
}
