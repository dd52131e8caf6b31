import { Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, Text, makeStyles, tokens } from "@fluentui/react-components";
import type { DryRunRecord, RuleMode } from "../../ipc";
import { dryRunSentence, modeLabel, modeSentence } from "../../lib/automation";

const useStyles = makeStyles({
  body: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalS },
  warning: { color: tokens.colorPaletteDarkOrangeForeground1 },
  muted: { color: tokens.colorNeutralForeground3, fontSize: tokens.fontSizeBase200 },
});

interface Props {
  open: boolean;
  to: RuleMode;
  record: DryRunRecord;
  /** The core's own sentence when it refused the change for want of a confirmation. */
  coreMessage: string | null;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

/** The dry-run record, shown before the rule may act on machines (S-4). */
export function PromotionDialog({ open, to, record, coreMessage, busy, onConfirm, onCancel }: Props) {
  const s = useStyles();
  return (
    <Dialog open={open} onOpenChange={(_, d) => !d.open && onCancel()}>
      <DialogSurface data-testid="promotion-dialog">
        <DialogBody>
          <DialogTitle>Switch the rule to {modeLabel(to).toLowerCase()}?</DialogTitle>
          <DialogContent className={s.body}>
            <Text>{modeSentence(to)}</Text>
            <Text weight="semibold" data-testid="promotion-record" data-would-isolate={record.wouldIsolate} data-days={record.days}>
              {dryRunSentence(record)}
            </Text>
            {record.warning && (
              <Text className={s.warning} data-testid="promotion-warning">
                {record.warning}
              </Text>
            )}
            {coreMessage && <Text className={s.muted}>{coreMessage}</Text>}
          </DialogContent>
          <DialogActions>
            <Button appearance="primary" disabled={busy} onClick={onConfirm} data-testid="promotion-confirm">
              Switch to {modeLabel(to).toLowerCase()}
            </Button>
            <Button disabled={busy} onClick={onCancel} data-testid="promotion-cancel">
              Keep it as it is
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
