import { useState } from "react";
import {
  Button,
  DrawerBody,
  DrawerHeader,
  DrawerHeaderTitle,
  OverlayDrawer,
  Spinner,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import type { ActionOutcome, MachineDetail, MachineRow } from "../../ipc";
import { toIpcError } from "../../ipc";
import { ErrorBoundary } from "../../components/ErrorBoundary";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";
import { StateBadge } from "../../components/StateBadge";
import { canIsolate, canRelease } from "../../lib/states";
import { ISOLATE_PERMISSION } from "../../lib/permissions";
import type { ActionKind } from "../../lib/actions";
import { useMachineDetail } from "../../queries";
import { ActionForm } from "./ActionForm";
import { ActionOutcomes } from "./ActionOutcomes";
import { MachineAlerts } from "./MachineAlerts";
import { MachineTools } from "./MachineTools";
import { Properties } from "./Properties";
import { Timeline } from "./Timeline";

const useStyles = makeStyles({
  body: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalL, paddingBottom: tokens.spacingVerticalXXL },
  section: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalS },
  h: { margin: 0, fontSize: tokens.fontSizeBase400, fontWeight: tokens.fontWeightSemibold },
  reason: { whiteSpace: "pre-wrap" },
  actions: { display: "flex", gap: tokens.spacingHorizontalS },
  note: { color: tokens.colorNeutralForeground3 },
});

interface Props {
  machineId: string | null;
  /** The row as the grid (or "go to machine") knows it, shown while details load. */
  row: MachineRow | undefined;
  now: Date;
  /** False when the token lacks Machine.Isolate: the actions are not offered. */
  mayAct: boolean;
  /** An action form opened at once, its comment filled in (isolate from an alert). */
  prefill?: Prefill;
  onClose: () => void;
}

export interface Prefill {
  kind: ActionKind;
  comment: string;
}

export function MachineDetailDrawer({ machineId, row, now, mayAct, prefill, onClose }: Props) {
  return (
    <OverlayDrawer
      open={machineId !== null}
      position="end"
      size="medium"
      onOpenChange={(_, d) => {
        if (!d.open) onClose();
      }}
      data-testid="machine-detail"
      data-machine-id={machineId ?? undefined}
    >
      {machineId !== null && (
        <ErrorBoundary area="This machine's details">
          {/* Keyed by machine (and the form asked for): a new machine starts with a fresh form. */}
          <DetailContent key={`${machineId}:${prefill?.kind ?? ""}`} machineId={machineId} row={row} now={now} mayAct={mayAct} prefill={prefill} onClose={onClose} />
        </ErrorBoundary>
      )}
    </OverlayDrawer>
  );
}

interface ContentProps {
  machineId: string;
  row: MachineRow | undefined;
  now: Date;
  mayAct: boolean;
  prefill: Prefill | undefined;
  onClose: () => void;
}

interface LastResult {
  kind: ActionKind;
  outcomes: ActionOutcome[];
}

function DetailContent({ machineId, row, now, mayAct, prefill, onClose }: ContentProps) {
  const styles = useStyles();
  const detail = useMachineDetail(machineId);
  const [form, setForm] = useState<ActionKind | null>(prefill?.kind ?? null);
  const [result, setResult] = useState<LastResult | null>(null);
  // The grid's row follows the events first; the detail follows on its refetch.
  const machine: MachineRow | undefined = row ?? detail.data?.machine;
  const data: MachineDetail | undefined = detail.data;

  return (
    <>
      <DrawerHeader>
        <DrawerHeaderTitle
          action={
            <Button appearance="subtle" aria-label="Close" data-testid="close-detail" onClick={onClose}>
              ✕
            </Button>
          }
        >
          <span data-testid="detail-name">{machine?.name ?? machineId}</span>
        </DrawerHeaderTitle>
      </DrawerHeader>
      <DrawerBody className={styles.body}>
        {!machine && detail.isPending && <Spinner label="Loading machine…" />}
        {detail.error && <IpcErrorMessage error={toIpcError(detail.error)} data-testid="detail-error" />}
        {machine && (
          <>
            <section className={styles.section} aria-label="Current state">
              <div>
                <StateBadge state={machine.state} size="large" />
              </div>
              <span className={styles.reason} data-testid="detail-reason">
                {machine.reason}
              </span>
              {!mayAct && (
                <span className={styles.note} data-testid="no-permission">
                  This profile's token lacks {ISOLATE_PERMISSION}: it is read-only. Isolate and release are hidden.
                </span>
              )}
              <div className={styles.actions}>
                {mayAct && canIsolate(machine.state) && (
                  <Button
                    data-testid="action-isolate"
                    appearance={form === "isolate" ? "primary" : "secondary"}
                    onClick={() => {
                      setResult(null);
                      setForm("isolate");
                    }}
                  >
                    Isolate…
                  </Button>
                )}
                {mayAct && canRelease(machine.state) && (
                  <Button
                    data-testid="action-release"
                    appearance={form === "release" ? "primary" : "secondary"}
                    onClick={() => {
                      setResult(null);
                      setForm("release");
                    }}
                  >
                    {machine.state === "release_stuck" ? "Release again…" : "Release…"}
                  </Button>
                )}
              </div>
              {form && (
                <ActionForm
                  kind={form}
                  machine={machine}
                  timeline={data?.timeline ?? []}
                  initialComment={prefill?.kind === form ? prefill.comment : undefined}
                  onCancel={() => setForm(null)}
                  onDone={(kind, outcomes) => {
                    setForm(null);
                    setResult({ kind, outcomes });
                  }}
                />
              )}
              {result && <ActionOutcomes kind={result.kind} outcomes={result.outcomes} />}
              <MachineTools machineId={machine.id} timeline={data?.timeline ?? []} mayAct={mayAct} />
            </section>
            <section className={styles.section} aria-label="Properties">
              <h3 className={styles.h}>Properties</h3>
              <Properties machine={machine} detail={data} now={now} />
            </section>
            <section className={styles.section} aria-label="Alerts">
              <h3 className={styles.h}>Alerts</h3>
              <MachineAlerts machineId={machineId} now={now} />
            </section>
            <section className={styles.section} aria-label="Isolation timeline">
              <h3 className={styles.h}>Isolation timeline</h3>
              {data ? <Timeline entries={data.timeline} now={now} /> : detail.isPending ? <Spinner size="tiny" /> : null}
            </section>
          </>
        )}
      </DrawerBody>
    </>
  );
}
