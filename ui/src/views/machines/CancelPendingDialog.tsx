// "Cancel pending (N)…": the pending isolations and releases of the selection (picked
// machines, or every one matching the filter) cancelled at Defender with one comment.
// The core finds each machine's pending action and cancels it through the audited single
// cancel; this dialog only asks why and shows Defender's answer machine by machine.
import { useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Input,
  Text,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import * as ipc from "../../ipc";
import type { CancelOutcome, GridFilter } from "../../ipc";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";
import { queryKeys } from "../../queries";

const useStyles = makeStyles({
  body: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalM },
  list: { margin: 0, paddingLeft: tokens.spacingHorizontalL, display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXS },
  muted: { color: tokens.colorNeutralForeground3 },
});

/** Which machines: named ones, or every one matching a filter (the core resolves it). */
export interface CancelTarget {
  machineIds: string[];
  matching?: GridFilter;
  /** How many have pending work, as the grid counts them (the title's N). */
  count: number;
  /** The selection's (cleared once Defender answered), not a row menu's. */
  fromSelection?: boolean;
}

const WORD: Record<string, string> = { Isolate: "isolation", Unisolate: "release" };

/** "2 cancelled, 1 had nothing pending, 1 failed". */
export function summary(outcomes: readonly CancelOutcome[]): string {
  const n = (r: CancelOutcome["result"]) => outcomes.filter((o) => o.result === r).length;
  const parts = [`${n("cancelled")} cancelled`];
  if (n("nothing_pending") > 0) parts.push(`${n("nothing_pending")} had nothing pending`);
  if (n("failed") > 0) parts.push(`${n("failed")} failed`);
  return parts.join(", ");
}

/** `onClose(done)`: `done` once Defender answered (the selection has served). */
export function CancelPendingDialog({ target, onClose }: { target: CancelTarget; onClose: (done: boolean) => void }) {
  const s = useStyles();
  const client = useQueryClient();
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ipc.IpcError | null>(null);
  const [outcomes, setOutcomes] = useState<CancelOutcome[] | null>(null);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      setOutcomes(await ipc.cancelPending({ machineIds: target.machineIds, matching: target.matching ?? null, comment }));
      await Promise.all([
        client.invalidateQueries({ queryKey: queryKeys.gridAll }),
        client.invalidateQueries({ queryKey: queryKeys.recon }),
      ]);
    } catch (e) {
      setError(ipc.toIpcError(e));
    } finally {
      setBusy(false);
    }
  };
  const shown = outcomes?.filter((o) => o.result !== "nothing_pending") ?? [];
  const label = (o: CancelOutcome) => o.machineName ?? o.machineId;
  return (
    <Dialog open onOpenChange={(_, d) => !d.open && onClose(outcomes !== null)}>
      <DialogSurface data-testid="cancel-pending-dialog">
        {/* The core says what is missing (its validation error on the field), not the browser. */}
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (!busy && outcomes === null) void submit();
          }}
        >
          <DialogBody>
            <DialogTitle>
              Cancel pending work of {target.count} machine{target.count === 1 ? "" : "s"}?
            </DialogTitle>
            <DialogContent className={s.body}>
              {outcomes === null ? (
                <>
                  <Text>
                    Defender cancels each machine's pending isolation or release; the devices stay as they are now.
                  </Text>
                  <Field
                    label="Why cancel (recorded in Defender and the audit log)"
                    required
                    validationMessage={error?.kind === "validation" && error.field === "comment" ? error.message : undefined}
                  >
                    <Input value={comment} onChange={(_, d) => setComment(d.value)} data-testid="cancel-pending-comment" />
                  </Field>
                  {error && !(error.kind === "validation" && error.field === "comment") && (
                    <IpcErrorMessage error={error} data-testid="cancel-pending-error" />
                  )}
                </>
              ) : (
                <>
                  <Text role="status" data-testid="cancel-pending-summary">
                    {summary(outcomes)}.
                  </Text>
                  {shown.length > 0 && (
                    <ul className={s.list} data-testid="cancel-pending-outcomes">
                      {shown.map((o) => (
                        <li key={o.machineId} data-testid="cancel-pending-outcome" data-result={o.result} data-machine-id={o.machineId}>
                          {o.result === "cancelled" ? (
                            `${label(o)}: the ${WORD[o.actionType ?? ""] ?? "action"} is ${o.status ?? "cancelled"}.`
                          ) : (
                            <>
                              {label(o)}: {o.error && <IpcErrorMessage error={o.error} data-testid="cancel-pending-outcome-error" />}
                            </>
                          )}
                        </li>
                      ))}
                    </ul>
                  )}
                </>
              )}
            </DialogContent>
            <DialogActions>
              {outcomes === null ? (
                <>
                  <Button type="submit" appearance="primary" disabled={busy} data-testid="confirm-cancel-pending">
                    {busy ? "Cancelling…" : "Cancel pending work"}
                  </Button>
                  <Button onClick={() => onClose(false)} data-testid="cancel-pending-back">
                    Keep it
                  </Button>
                </>
              ) : (
                <Button appearance="primary" onClick={() => onClose(true)} data-testid="cancel-pending-close">
                  Close
                </Button>
              )}
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}
