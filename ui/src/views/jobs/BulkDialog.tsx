import { useState } from "react";
import { useMutation, useQuery } from "@tanstack/react-query";
import {
  Button,
  Checkbox,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Input,
  Radio,
  RadioGroup,
  Spinner,
  Text,
  Textarea,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import * as ipc from "../../ipc";
import type { BulkPreview, BulkRequest, Exclusion, GridFilter, IsolationKind, JobKind, JobSummary } from "../../ipc";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";
import { actionTitle, confirmGate } from "../../lib/bulk";

const useStyles = makeStyles({
  surface: { maxWidth: "720px", width: "90vw" },
  content: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalM },
  count: { fontSize: tokens.fontSizeBase400, fontWeight: tokens.fontWeightSemibold },
  excluded: {
    maxHeight: "160px",
    overflowY: "auto",
    margin: 0,
    paddingLeft: tokens.spacingHorizontalL,
    fontSize: tokens.fontSizeBase200,
  },
  reason: { color: tokens.colorNeutralForeground3 },
  gate: { color: tokens.colorNeutralForeground3, fontSize: tokens.fontSizeBase200 },
});

/** What the dialog is asked to do: the machines and where the selection came from. */
export interface BulkIntent {
  kind: JobKind;
  machineIds: string[];
  /** e.g. `batch:<id>`, `selection`. */
  source: string;
  /** Pre-filled comment (false-positive batches). */
  comment: string;
  /**
   * Whether machines isolated by someone else are included (S-7: not by default). A
   * batch chosen by its cause and requestor is an explicit choice of those isolations.
   */
  includeForeign: boolean;
  /**
   * "Select all N matching": the grid's filter, resolved by the core when it computes
   * the preview (the preview's token then fixes the list), never a list of ids.
   */
  matching?: GridFilter;
}

interface Props {
  intent: BulkIntent;
  onStarted: (job: JobSummary) => void;
  onClose: () => void;
}

function request(intent: BulkIntent, comment: string, isolationType: IsolationKind, includeForeign: boolean): BulkRequest {
  return {
    kind: intent.kind,
    machineIds: intent.machineIds,
    comment: comment.trim(),
    isolationType: intent.kind === "isolate" ? isolationType : null,
    source: intent.source,
    includeForeign,
    matching: intent.matching ?? null,
  };
}

/** An exclusion because someone else requested the isolation (S-7). */
function isForeign(x: Exclusion): boolean {
  return x.cause === "isolated_by_other";
}

/**
 * The one confirmation of a bulk isolate or release: what will be sent (count), what is
 * left out and why, the required comment, and the typed phrase above the threshold.
 */
export function BulkDialog({ intent, onStarted, onClose }: Props) {
  const styles = useStyles();
  const [comment, setComment] = useState(intent.comment);
  const [typed, setTyped] = useState("");
  const [isolationType, setIsolationType] = useState<IsolationKind>("Full");
  const [includeForeign, setIncludeForeign] = useState(intent.includeForeign);
  const preview = useQuery<BulkPreview, Error>({
    queryKey: ["bulkPreview", intent.kind, intent.source, intent.machineIds, intent.matching ?? null, includeForeign, isolationType],
    queryFn: () => ipc.previewBulk(request(intent, intent.comment || "preview", isolationType, includeForeign)),
    staleTime: 0,
    gcTime: 0,
  });
  // The job starts from the preview shown (its token); when a sync changed the
  // selection since, nothing is sent and the new preview is shown for a new confirmation.
  const start = useMutation<JobSummary, Error, BulkPreview>({
    mutationFn: (shown) =>
      ipc.startJob(request(intent, comment, isolationType, includeForeign), {
        previewToken: shown.token,
        typedPhrase: shown.confirmPhrase === null ? null : typed,
      }),
    onSuccess: onStarted,
    onError: (e) => {
      if (ipc.toIpcError(e).kind === "stalePreview") {
        setTyped("");
        void preview.refetch();
      }
    },
  });
  const gate = confirmGate(preview.data, comment, typed);
  const p = preview.data;
  const n = p?.willSend.length ?? 0;
  const foreign = p?.excluded.filter(isForeign).length ?? 0;

  return (
    <Dialog open modalType="alert" onOpenChange={(_, d) => !d.open && onClose()}>
      <DialogSurface className={styles.surface} data-testid="bulk-dialog">
        <DialogBody>
          <DialogTitle>{p ? actionTitle(p.kind, n) : actionTitle(intent.kind, intent.machineIds.length)}</DialogTitle>
          <DialogContent className={styles.content}>
            {preview.isPending && <Spinner size="tiny" label="Checking the selection…" />}
            {preview.error && <IpcErrorMessage error={ipc.toIpcError(preview.error)} data-testid="preview-error" />}
            {p && (
              <>
                <Text className={styles.count} data-testid="preview-count" data-count={n}>
                  {n === 0
                    ? "No machine of the selection would be sent."
                    : `${n} ${n === 1 ? "machine" : "machines"} will be sent to Defender.`}
                </Text>
                {p.excluded.length > 0 && (
                  <div data-testid="preview-excluded" data-count={p.excluded.length}>
                    <Text>
                      {p.excluded.length} left out:
                    </Text>
                    <ul className={styles.excluded}>
                      {p.excluded.map((x) => (
                        <li key={x.machine.id} data-testid="excluded-machine" data-machine-id={x.machine.id}>
                          {x.machine.name} <span className={styles.reason}>— {x.reason}</span>
                        </li>
                      ))}
                    </ul>
                  </div>
                )}
              </>
            )}
            {intent.kind === "release" && (includeForeign || foreign > 0) && (
              <Checkbox
                checked={includeForeign}
                onChange={(_, d) => setIncludeForeign(d.checked === true)}
                label={
                  includeForeign
                    ? "Including machines whose isolation someone else requested"
                    : `Also release the ${foreign} ${foreign === 1 ? "machine" : "machines"} isolated by someone else`
                }
                data-testid="include-foreign"
              />
            )}
            {intent.kind === "isolate" && (
              <Field label="Isolation type">
                <RadioGroup layout="horizontal" value={isolationType} onChange={(_, d) => setIsolationType(d.value as IsolationKind)}>
                  <Radio value="Full" label="Full" />
                  <Radio value="Selective" label="Selective (Outlook, Teams, Skype stay connected)" />
                </RadioGroup>
              </Field>
            )}
            <Field label="Comment (required, recorded in Defender and the audit log)" required>
              <Textarea
                data-testid="bulk-comment"
                value={comment}
                resize="vertical"
                onChange={(_, d) => setComment(d.value)}
              />
            </Field>
            {p?.confirmPhrase && (
              <Field label={`Type “${p.confirmPhrase}” to confirm`} required>
                <Input data-testid="bulk-confirm-phrase" data-phrase={p.confirmPhrase} value={typed} onChange={(_, d) => setTyped(d.value)} autoComplete="off" />
              </Field>
            )}
            {start.error && <IpcErrorMessage error={ipc.toIpcError(start.error)} data-testid="start-error" />}
            {!gate.ok && p && (
              <Text className={styles.gate} data-testid="bulk-gate">
                {gate.reason}
              </Text>
            )}
          </DialogContent>
          <DialogActions>
            <Button appearance="secondary" onClick={onClose} data-testid="bulk-cancel">
              Cancel
            </Button>
            <Button
              appearance="primary"
              disabled={!gate.ok || start.isPending || preview.isFetching}
              onClick={() => p && start.mutate(p)}
              data-testid="bulk-confirm"
            >
              {start.isPending ? "Starting…" : p ? actionTitle(p.kind, n) : "Confirm"}
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
