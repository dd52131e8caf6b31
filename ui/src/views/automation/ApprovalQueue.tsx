import { useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Button, Checkbox, Input, Spinner, Text, makeStyles, tokens } from "@fluentui/react-components";
import * as ipc from "../../ipc";
import type { Proposal, VerdictOutcome } from "../../ipc";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";
import { refreshAutomation, useProposals } from "../../automationQueries";
import { exactTime, localTime, relativeTime } from "../../lib/time";
import { queryKeys } from "../../queries";

const useStyles = makeStyles({
  root: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalS },
  h: { margin: 0, fontSize: tokens.fontSizeBase400, fontWeight: tokens.fontWeightSemibold },
  toolbar: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalS, flexWrap: "wrap" },
  comment: { width: "320px" },
  list: { border: `1px solid ${tokens.colorNeutralStroke2}`, borderRadius: tokens.borderRadiusMedium, maxHeight: "260px", overflowY: "auto" },
  row: {
    display: "grid",
    gridTemplateColumns: "32px minmax(160px, 1fr) 90px minmax(140px, 1fr) minmax(220px, 2fr) 150px",
    gap: tokens.spacingHorizontalS,
    alignItems: "start",
    padding: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalS}`,
    borderBottom: `1px solid ${tokens.colorNeutralStroke3}`,
    fontSize: tokens.fontSizeBase200,
  },
  head: { fontWeight: tokens.fontWeightSemibold, backgroundColor: tokens.colorNeutralBackground3 },
  stack: { display: "flex", flexDirection: "column", gap: "2px", minWidth: 0 },
  muted: { color: tokens.colorNeutralForeground3 },
  refused: { color: tokens.colorPaletteRedForeground1 },
  empty: { padding: tokens.spacingHorizontalM, color: tokens.colorNeutralForeground3 },
});

/**
 * The approval queue: the waiting proposals; select some, write the (required) comment
 * and approve or reject them. The core decides each one (four eyes, expiry, the guard
 * rails that still apply); a refused one stays with its sentence.
 */
export function ApprovalQueue({ mayAct, now }: { mayAct: boolean; now: Date }) {
  const s = useStyles();
  const client = useQueryClient();
  const queue = useProposals();
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [comment, setComment] = useState("");
  const [outcomes, setOutcomes] = useState<Record<string, VerdictOutcome>>({});
  const [summary, setSummary] = useState<string | null>(null);
  const rows = queue.data ?? [];
  const chosen = rows.filter((p) => selected.has(p.id)).map((p) => p.id);
  const decide = useMutation<VerdictOutcome[], Error, boolean>({
    mutationFn: (approve) => ipc.decideProposals({ ids: chosen, approve, comment: comment.trim() }),
    onSuccess: (out) => {
      setOutcomes((cur) => ({ ...cur, ...Object.fromEntries(out.map((o) => [o.id, o])) }));
      setSummary(verdictSummary(out));
      const refused = new Set(out.filter((o) => o.refused).map((o) => o.id));
      setSelected((cur) => new Set([...cur].filter((id) => refused.has(id))));
      if (refused.size === 0) setComment("");
      void refreshAutomation(client);
      void client.invalidateQueries({ queryKey: queryKeys.jobs });
      void client.invalidateQueries({ queryKey: queryKeys.gridAll });
    },
  });
  const toggle = (id: string) =>
    setSelected((cur) => {
      const next = new Set(cur);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const ready = mayAct && chosen.length > 0 && comment.trim() !== "" && !decide.isPending;
  return (
    <section className={s.root} aria-label="Approval queue" data-testid="approval-queue">
      <h3 className={s.h}>
        Approval queue <span className={s.muted}>({rows.length} waiting)</span>
      </h3>
      <Text className={s.muted}>
        Four eyes: a second person decides. Nobody approves what they proposed, and an application never approves.
      </Text>
      {mayAct && rows.length > 0 && (
        <div className={s.toolbar}>
          <Input
            className={s.comment}
            size="small"
            placeholder="Comment (required): why approve or reject"
            value={comment}
            onChange={(_, d) => setComment(d.value)}
            data-testid="verdict-comment"
          />
          <Button appearance="primary" size="small" disabled={!ready} onClick={() => decide.mutate(true)} data-testid="approve-selected">
            Approve ({chosen.length})
          </Button>
          <Button size="small" disabled={!ready} onClick={() => decide.mutate(false)} data-testid="reject-selected">
            Reject ({chosen.length})
          </Button>
          {decide.isPending && <Spinner size="extra-tiny" />}
        </div>
      )}
      {summary && (
        <Text data-testid="verdict-summary" role="status">
          {summary}
        </Text>
      )}
      {decide.error && <IpcErrorMessage error={ipc.toIpcError(decide.error)} data-testid="verdict-error" />}
      {queue.error && <IpcErrorMessage error={ipc.toIpcError(queue.error)} data-testid="queue-error" />}
      <div className={s.list} role="grid" aria-label="Waiting proposals" data-testid="proposal-list">
        <div className={`${s.row} ${s.head}`} role="row">
          <span role="columnheader" />
          <span role="columnheader">Machine</span>
          <span role="columnheader">Action</span>
          <span role="columnheader">Proposed by</span>
          <span role="columnheader">Reason and comment</span>
          <span role="columnheader">Expires</span>
        </div>
        {rows.length === 0 ? (
          <div className={s.empty} data-testid="queue-empty">
            Nothing waits for approval.
          </div>
        ) : (
          rows.map((p) => (
            <ProposalRow key={p.id} p={p} now={now} mayAct={mayAct} checked={selected.has(p.id)} outcome={outcomes[p.id]} onCheck={() => toggle(p.id)} />
          ))
        )}
      </div>
    </section>
  );
}

/** "2 approved (isolation started), 1 refused". */
export function verdictSummary(out: readonly VerdictOutcome[]): string {
  const n = (f: (o: VerdictOutcome) => boolean) => out.filter(f).length;
  const approved = n((o) => !o.refused && o.state === "approved");
  const rejected = n((o) => !o.refused && o.state === "rejected");
  const refused = n((o) => o.refused !== null);
  const parts: string[] = [];
  if (approved > 0) parts.push(`${approved} approved (the job started)`);
  if (rejected > 0) parts.push(`${rejected} rejected`);
  if (refused > 0) parts.push(`${refused} refused (see the row)`);
  return parts.join(", ") || "Nothing decided";
}

interface RowProps {
  p: Proposal;
  now: Date;
  mayAct: boolean;
  checked: boolean;
  outcome: VerdictOutcome | undefined;
  onCheck: () => void;
}

function ProposalRow({ p, now, mayAct, checked, outcome, onCheck }: RowProps) {
  const s = useStyles();
  const name = p.machineName ?? p.machineId;
  return (
    <div className={s.row} role="row" data-testid="proposal-row" data-proposal-id={p.id} data-machine-id={p.machineId} data-proposed-by={p.proposedBy}>
      <span role="gridcell">
        <Checkbox checked={checked} disabled={!mayAct} onChange={onCheck} aria-label={`Select ${name}`} data-testid="proposal-check" />
      </span>
      <span role="gridcell" className={s.stack}>
        <span title={p.machineId}>{name}</span>
        {p.overridesProtection && <span className={s.refused}>Overrides a protected machine</span>}
      </span>
      <span role="gridcell">
        {p.action === "isolate" ? `Isolate${p.isolationType ? ` (${p.isolationType})` : ""}` : "Release"}
      </span>
      <span role="gridcell" className={s.stack}>
        <span>{p.proposedBy}</span>
        <span className={s.muted} title={exactTime(p.proposedAt)}>
          {relativeTime(p.proposedAt, now)}
        </span>
      </span>
      <span role="gridcell" className={s.stack}>
        <span>{p.reason}</span>
        <span className={s.muted}>“{p.comment}”</span>
        {outcome?.refused && (
          <span className={s.refused} data-testid="proposal-refused">
            Refused: {outcome.refused}
          </span>
        )}
      </span>
      <span role="gridcell" title={exactTime(p.expiresAt)}>
        {localTime(p.expiresAt)}
      </span>
    </div>
  );
}
