import { useEffect, useRef, useState } from "react";
import { useMutation } from "@tanstack/react-query";
import { Button, Input, Spinner, makeStyles, tokens } from "@fluentui/react-components";
import * as ipc from "../../ipc";
import type { IpcError, MachineRef, MachineRow } from "../../ipc";

const useStyles = makeStyles({
  root: { position: "relative", width: "340px" },
  input: { width: "100%" },
  popup: {
    position: "absolute",
    top: "calc(100% + 4px)",
    right: 0,
    width: "460px",
    zIndex: 10,
    padding: tokens.spacingHorizontalM,
    backgroundColor: tokens.colorNeutralBackground1,
    boxShadow: tokens.shadow16,
    borderRadius: tokens.borderRadiusMedium,
    display: "flex",
    flexDirection: "column",
    gap: tokens.spacingVerticalS,
  },
  message: { color: tokens.colorPaletteRedForeground1 },
  list: { listStyleType: "none", margin: 0, padding: 0, display: "flex", flexDirection: "column", gap: "2px" },
  candidate: {
    width: "100%",
    flexDirection: "column",
    alignItems: "flex-start",
    justifyContent: "flex-start",
    textAlign: "left",
    whiteSpace: "nowrap",
  },
  id: { color: tokens.colorNeutralForeground3, fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase100, fontWeight: tokens.fontWeightRegular },
});

interface Props {
  /** Opens a machine found by name or id (a full row) or picked among candidates. */
  onOpen: (id: string, row?: MachineRow) => void;
}

/** "Go to machine": a 40-hex id or a DNS name, resolved by the back end. */
export function GotoMachine({ onOpen }: Props) {
  const styles = useStyles();
  const [query, setQuery] = useState("");
  const find = useMutation<MachineRow, Error, string>({
    mutationFn: ipc.findMachine,
    onSuccess: (row) => {
      setQuery("");
      onOpen(row.id, row);
    },
  });
  const error: IpcError | null = find.error ? ipc.toIpcError(find.error) : null;
  const rootRef = useRef<HTMLDivElement>(null);
  const { reset } = find;

  // A click anywhere else dismisses the message.
  const open = error !== null;
  useEffect(() => {
    if (!open) return;
    const onDown = (e: PointerEvent) => {
      if (rootRef.current && e.target instanceof Node && !rootRef.current.contains(e.target)) reset();
    };
    document.addEventListener("pointerdown", onDown);
    return () => document.removeEventListener("pointerdown", onDown);
  }, [open, reset]);

  const pick = (c: MachineRef) => {
    find.reset();
    setQuery("");
    onOpen(c.id);
  };

  return (
    <div className={styles.root} ref={rootRef}>
      <Input
        className={styles.input}
        data-testid="goto-machine"
        data-shortcut="goto"
        placeholder="Go to machine (Ctrl+K): id or DNS name, then Enter"
        aria-label="Go to machine by id or DNS name"
        value={query}
        contentAfter={find.isPending ? <Spinner size="extra-tiny" /> : undefined}
        onChange={(_, d) => {
          setQuery(d.value);
          if (find.error) find.reset();
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter" && query.trim() !== "") {
            e.preventDefault();
            find.mutate(query.trim());
          } else if (e.key === "Escape") {
            find.reset();
          }
        }}
      />
      {error && (
        <div className={styles.popup} data-testid="goto-error" data-error-kind={error.kind} role="alert">
          <span className={styles.message}>{error.message}</span>
          {error.kind === "ambiguous" && (
            <ul className={styles.list} aria-label="Matching machines">
              {error.candidates.map((c) => (
                <li key={c.id}>
                  <Button
                    className={styles.candidate}
                    appearance="subtle"
                    data-testid="goto-candidate"
                    data-machine-id={c.id}
                    onClick={() => pick(c)}
                  >
                    {c.name}
                    <span className={styles.id}>{c.id}</span>
                  </Button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
