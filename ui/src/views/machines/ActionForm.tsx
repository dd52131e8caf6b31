import { useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import {
  Button,
  Field,
  Radio,
  RadioGroup,
  Spinner,
  Textarea,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import * as ipc from "../../ipc";
import type { ActionOutcome, IsolationKind, MachineRow, TimelineEntry } from "../../ipc";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";
import { falsePositiveComment, validateComment, type ActionKind } from "../../lib/actions";
import { queryKeys } from "../../queries";

const useStyles = makeStyles({
  form: {
    display: "flex",
    flexDirection: "column",
    gap: tokens.spacingVerticalM,
    padding: tokens.spacingHorizontalM,
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
  },
  buttons: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap" },
  formError: { color: tokens.colorPaletteRedForeground1 },
});

interface Props {
  kind: ActionKind;
  machine: MachineRow;
  timeline: readonly TimelineEntry[];
  /** The comment the form starts with (an isolation from an alert). */
  initialComment?: string;
  onDone: (kind: ActionKind, outcomes: ActionOutcome[]) => void;
  onCancel: () => void;
}

interface Submission {
  comment: string;
  isolationType: IsolationKind;
}

/** Isolate or release one machine: a comment is required, nothing is sent without one. */
export function ActionForm({ kind, machine, timeline, initialComment, onDone, onCancel }: Props) {
  const styles = useStyles();
  const client = useQueryClient();
  const [comment, setComment] = useState(initialComment ?? "");
  const [isolationType, setIsolationType] = useState<IsolationKind>("Full");
  const [formError, setFormError] = useState<string | null>(null);

  const action = useMutation<ActionOutcome[], Error, Submission>({
    mutationFn: ({ comment, isolationType }) =>
      kind === "isolate"
        ? ipc.isolate({ machineIds: [machine.id], isolationType, comment })
        : ipc.release({ machineIds: [machine.id], comment }),
    onSuccess: (outcomes) => {
      void client.invalidateQueries({ queryKey: queryKeys.gridAll });
      void client.invalidateQueries({ queryKey: queryKeys.machineDetail(machine.id) });
      onDone(kind, outcomes);
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const refusal = validateComment(comment, kind);
    setFormError(refusal);
    if (refusal) return;
    action.mutate({ comment: comment.trim(), isolationType });
  };

  const verb = kind === "isolate" ? "Isolate" : "Release";
  return (
    <form className={styles.form} onSubmit={submit} data-testid="action-form" data-action={kind} noValidate>
      {kind === "isolate" && (
        <Field label="Isolation type">
          <RadioGroup
            data-testid="isolation-type"
            value={isolationType}
            layout="horizontal"
            onChange={(_, d) => setIsolationType(d.value === "Selective" ? "Selective" : "Full")}
          >
            <Radio value="Full" label="Full" data-testid="isolation-type-full" />
            <Radio value="Selective" label="Selective (Outlook, Teams, Skype keep working)" data-testid="isolation-type-selective" />
          </RadioGroup>
        </Field>
      )}
      <Field
        label="Comment (required)"
        hint={kind === "isolate" ? "Why is this machine being isolated? Defender keeps this with the action." : "Why is this machine being released?"}
      >
        <Textarea
          data-testid="comment"
          value={comment}
          resize="vertical"
          onChange={(_, d) => {
            setComment(d.value);
            if (formError) setFormError(null);
          }}
        />
      </Field>
      {formError && (
        <div className={styles.formError} data-testid="form-error" role="alert">
          {formError}
        </div>
      )}
      {action.error && <IpcErrorMessage error={ipc.toIpcError(action.error)} data-testid="action-error" />}
      <div className={styles.buttons}>
        <Button
          type="submit"
          appearance="primary"
          data-testid="confirm-action"
          disabled={action.isPending}
          icon={action.isPending ? <Spinner size="extra-tiny" /> : undefined}
        >
          {action.isPending ? `${verb} — sending…` : `${verb} ${machine.name}`}
        </Button>
        {kind === "release" && (
          <Button data-testid="prefill-false-positive" onClick={() => setComment(falsePositiveComment(timeline))}>
            Fill in "False positive"
          </Button>
        )}
        <Button appearance="subtle" onClick={onCancel} disabled={action.isPending}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
