// The Machines grid's row context menu (right-click, Shift+F10 or the context-menu key on
// the active row): the drawer's actions on one machine without opening it first. Each
// item is enabled only when it applies (the token may act, the machine's state, the
// core's `resubmittable`), and each reuses the drawer's path: isolate and release open
// the drawer's form, cancel is the selection's cancel dialog for one machine, resubmit,
// copy and the portal call the same IPC as `MachineTools`.
import { useEffect, useRef } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { Button, Menu, MenuDivider, MenuItem, MenuList, MenuPopover, Text, makeStyles, tokens } from "@fluentui/react-components";
import * as ipc from "../../ipc";
import type { MachineRow } from "../../ipc";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";
import type { ActionKind } from "../../lib/actions";
import { copyText } from "../../lib/clipboard";
import { canIsolate, canRelease } from "../../lib/states";
import { queryKeys, useReconciliation } from "../../queries";

/** The row a menu is open for, and where (viewport coordinates). */
export interface RowMenuAt {
  row: MachineRow;
  x: number;
  y: number;
}

/** What a menu action said: a sentence, or the core's error. */
export type RowResult = { note: string } | { error: ipc.IpcError };

interface Props {
  at: RowMenuAt | null;
  mayAct: boolean;
  onClose: () => void;
  /** Opens the drawer on the machine with the isolate or release form. */
  onAction: (row: MachineRow, kind: ActionKind) => void;
  onCancelPending: (row: MachineRow) => void;
  onResult: (result: RowResult) => void;
}

export function RowMenu(p: Props) {
  // Mounted only while open: the reconciliation rows are read for the open menu only.
  if (!p.at) return null;
  return <OpenRowMenu {...p} at={p.at} />;
}

function OpenRowMenu({ at, mayAct, onClose, onAction, onCancelPending, onResult }: Props & { at: RowMenuAt }) {
  const client = useQueryClient();
  const recon = useReconciliation();
  const { row } = at;
  // Opened without a trigger: focus goes to its first enabled item (keyboard use, Escape),
  // and back to where it was (the grid) when it closes.
  const popover = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    popover.current?.querySelector<HTMLElement>('[role="menuitem"]:not([aria-disabled="true"])')?.focus();
    return () => before?.focus();
  }, []);
  const resubmittable = recon.data?.some((r) => r.machineId.toLowerCase() === row.id.toLowerCase() && r.resubmittable) === true;
  const run = (work: () => Promise<string>) =>
    void work().then(
      (note) => onResult({ note }),
      (e: unknown) => onResult({ error: ipc.toIpcError(e) }),
    );
  const target = {
    getBoundingClientRect: () => ({ x: at.x, y: at.y, left: at.x, top: at.y, right: at.x, bottom: at.y, width: 0, height: 0 }),
  };
  return (
    <Menu open onOpenChange={(_, d) => !d.open && onClose()} positioning={{ target, position: "below", align: "start" }}>
      <MenuPopover ref={popover} data-testid="row-menu" data-machine-id={row.id}>
        <MenuList aria-label={`Actions on ${row.name}`}>
          <MenuItem disabled={!mayAct || !canIsolate(row.state)} onClick={() => onAction(row, "isolate")} data-testid="row-menu-isolate">
            Isolate…
          </MenuItem>
          <MenuItem disabled={!mayAct || !canRelease(row.state)} onClick={() => onAction(row, "release")} data-testid="row-menu-release">
            {row.state === "release_stuck" ? "Release again…" : "Release…"}
          </MenuItem>
          <MenuItem disabled={!mayAct || !row.pending} onClick={() => onCancelPending(row)} data-testid="row-menu-cancel-pending">
            Cancel pending…
          </MenuItem>
          <MenuItem
            disabled={!mayAct || !resubmittable}
            data-testid="row-menu-resubmit"
            onClick={() =>
              run(async () => {
                const jobs = await ipc.resubmit([row.id], null);
                await Promise.all([
                  client.invalidateQueries({ queryKey: queryKeys.gridAll }),
                  client.invalidateQueries({ queryKey: queryKeys.recon }),
                ]);
                return jobs.length > 0 ? `${row.name}: resubmitted; follow it in the job panel.` : `${row.name}: nothing to resubmit.`;
              })
            }
          >
            Resubmit
          </MenuItem>
          <MenuDivider />
          <MenuItem
            data-testid="row-menu-copy-id"
            onClick={() => run(async () => ((await copyText(row.id)) ? `${row.name}: machine id copied.` : `Copy failed: the id is ${row.id}.`))}
          >
            Copy machine id
          </MenuItem>
          <MenuItem data-testid="row-menu-portal" onClick={() => run(async () => (await ipc.openInPortal(row.id), `${row.name}: opened in your browser.`))}>
            Open in Defender portal
          </MenuItem>
        </MenuList>
      </MenuPopover>
    </Menu>
  );
}

const useStyles = makeStyles({
  line: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalS },
  note: { color: tokens.colorNeutralForeground3 },
});

/** The last menu action's sentence (or error), until dismissed. */
export function RowResultLine({ result, onDismiss }: { result: RowResult | null; onDismiss: () => void }) {
  const s = useStyles();
  if (!result) return null;
  return (
    <div className={s.line}>
      {"note" in result ? (
        <Text className={s.note} role="status" data-testid="row-menu-note">
          {result.note}
        </Text>
      ) : (
        <IpcErrorMessage error={result.error} data-testid="row-menu-error" />
      )}
      <Button
        size="small"
        appearance="subtle"
        aria-label="Dismiss"
        onClick={onDismiss}
      >
        ✕
      </Button>
    </div>
  );
}
