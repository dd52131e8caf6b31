import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { Checkbox, makeStyles, mergeClasses, tokens } from "@fluentui/react-components";
import type { HeaderCheck, Selection } from "../../lib/selection";
import type { MachineRow } from "../../ipc";
import { MachineRowView, ROW_HEIGHT, useRowStyles } from "./MachineRowView";

const useStyles = makeStyles({
  grid: {
    flex: "1 1 auto",
    minHeight: 0,
    overflow: "auto",
    outlineStyle: "none",
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground1,
    ":focus-visible": { outline: `2px solid ${tokens.colorStrokeFocus2}` },
  },
  header: {
    position: "sticky",
    top: 0,
    zIndex: 1,
    backgroundColor: tokens.colorNeutralBackground3,
    fontWeight: tokens.fontWeightSemibold,
    borderBottom: `1px solid ${tokens.colorNeutralStroke1}`,
  },
  body: { position: "relative", width: "100%" },
  empty: { padding: tokens.spacingHorizontalL, color: tokens.colorNeutralForeground3 },
});

const COLUMNS = ["Name", "State", "Health", "Last full report", "OS", "Risk / exposure", "Tags", "Group"];

interface Props {
  rows: MachineRow[];
  now: Date;
  selectedId: string | null;
  onOpen: (row: MachineRow) => void;
  emptyText: string;
  /** The multi-row selection (checkbox column). */
  checked: Selection;
  headerCheck: HeaderCheck;
  onCheck: (row: MachineRow) => void;
  onCheckAll: () => void;
}

/**
 * The machines grid: only the visible rows (plus a small overscan) are in the DOM, so
 * it scrolls the same at 100 or 100,000 machines. Arrow keys, Page Up/Down, Home/End
 * move the active row; Enter opens it.
 */
export function MachineTable({ rows, now, selectedId, onOpen, emptyText, checked, headerCheck, onCheck, onCheckAll }: Props) {
  const styles = useStyles();
  const rowStyles = useRowStyles();
  const scrollRef = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(0);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    // The sticky header sits above row 0 inside the same scroll box: rows start below it,
    // and scrolling to a row keeps it out from under the header.
    scrollMargin: ROW_HEIGHT,
    scrollPaddingStart: ROW_HEIGHT,
    initialRect: { width: 1200, height: 720 },
    getItemKey: (i) => rows[i]?.id ?? i,
  });

  // Keep the active row inside the list when the filter shrinks it.
  useEffect(() => {
    if (active >= rows.length && rows.length > 0) setActive(rows.length - 1);
  }, [rows.length, active]);

  const move = useCallback(
    (to: number) => {
      if (rows.length === 0) return;
      const i = Math.max(0, Math.min(rows.length - 1, to));
      setActive(i);
      virtualizer.scrollToIndex(i, { align: "auto" });
    },
    [rows.length, virtualizer],
  );

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 600) / ROW_HEIGHT) - 1);
    switch (e.key) {
      case "ArrowDown":
        move(active + 1);
        break;
      case "ArrowUp":
        move(active - 1);
        break;
      case "PageDown":
        move(active + page);
        break;
      case "PageUp":
        move(active - page);
        break;
      case "Home":
        move(0);
        break;
      case "End":
        move(rows.length - 1);
        break;
      case "Enter": {
        const row = rows[active];
        if (row) onOpen(row);
        break;
      }
      case " ": {
        // Space selects, as in a list with checkboxes; Enter opens.
        const row = rows[active];
        if (row) onCheck(row);
        break;
      }
      default:
        return;
    }
    e.preventDefault();
  };

  const activeRow = rows[active];
  return (
    <div
      ref={scrollRef}
      className={styles.grid}
      role="grid"
      aria-label="Machines"
      aria-rowcount={rows.length + 1}
      aria-activedescendant={activeRow ? `machine-row-${activeRow.id}` : undefined}
      tabIndex={0}
      onKeyDown={onKeyDown}
      data-testid="machine-grid"
    >
      <div className={mergeClasses(rowStyles.row, styles.header)} role="row" aria-rowindex={1}>
        <div role="columnheader" className={mergeClasses(rowStyles.cell, rowStyles.check)}>
          <Checkbox
            checked={headerCheck === "all" ? true : headerCheck === "some" ? "mixed" : false}
            onChange={onCheckAll}
            disabled={rows.length === 0}
            aria-label="Select every machine shown"
            data-testid="check-all"
          />
        </div>
        {COLUMNS.map((c) => (
          <div key={c} role="columnheader" className={rowStyles.cell}>
            {c}
          </div>
        ))}
      </div>
      {rows.length === 0 ? (
        <div className={styles.empty} data-testid="no-rows">
          {emptyText}
        </div>
      ) : (
        <div className={styles.body} style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = rows[item.index];
            if (!row) return null;
            return (
              <MachineRowView
                key={item.key}
                row={row}
                index={item.index}
                top={item.start - ROW_HEIGHT}
                now={now}
                active={item.index === active}
                selected={row.id === selectedId}
                checked={checked.has(row.id)}
                onCheck={onCheck}
                onOpen={(r) => {
                  setActive(item.index);
                  onOpen(r);
                }}
              />
            );
          })}
        </div>
      )}
    </div>
  );
}
