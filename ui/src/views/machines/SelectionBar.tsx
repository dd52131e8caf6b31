import { useState, type ReactNode } from "react";
import { Button, Text, makeStyles, tokens } from "@fluentui/react-components";
import type { BulkCounts } from "../../lib/selection";

const useStyles = makeStyles({
  bar: {
    display: "flex",
    alignItems: "center",
    gap: tokens.spacingHorizontalM,
    padding: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalM}`,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorBrandBackground2,
  },
  count: { fontWeight: tokens.fontWeightSemibold },
});

interface Props {
  counts: BulkCounts;
  /** The selection is "all matching the filter" (the core resolves it at preview time). */
  allMatching: boolean;
  /** Offered when some rows are picked and more match: select the whole query instead. */
  onSelectAllMatching?: () => void;
  matchingTotal: number;
  mayAct: boolean;
  onRelease: () => void;
  onIsolate: () => void;
  /** Cancels the selection's pending isolations and releases (offered when some are pending). */
  onCancelPending: () => void;
  onClear: () => void;
  /** Copies the selected machines' ids (one a line); resolves to whether it worked. */
  onCopyIds?: () => Promise<boolean>;
  /** More actions on the selection, after the bulk ones (e.g. Resubmit). */
  children?: ReactNode;
}

/** The bulk bar of the Machines view: what the selection would release or isolate. */
export function SelectionBar({ counts, allMatching, onSelectAllMatching, matchingTotal, mayAct, onRelease, onIsolate, onCancelPending, onClear, onCopyIds, children }: Props) {
  const n = (v: number) => v.toLocaleString("en-US");
  const styles = useStyles();
  const [copied, setCopied] = useState<string | null>(null);
  return (
    <div className={styles.bar} data-testid="selection-bar" role="toolbar" aria-label="Selected machines">
      <Text className={styles.count} data-testid="selection-count" data-all-matching={allMatching}>
        {allMatching ? `All ${n(counts.selected)} matching selected` : `${n(counts.selected)} selected`}
      </Text>
      {!allMatching && onSelectAllMatching && matchingTotal > counts.selected && (
        <Button size="small" appearance="transparent" onClick={onSelectAllMatching} data-testid="selection-all-matching">
          Select all {n(matchingTotal)} matching
        </Button>
      )}
      {mayAct && (
        <>
          <Button appearance="primary" size="small" disabled={counts.releasable === 0} onClick={onRelease} data-testid="bulk-release">
            Release {n(counts.releasable)}
          </Button>
          <Button size="small" disabled={counts.isolatable === 0} onClick={onIsolate} data-testid="bulk-isolate">
            Isolate {n(counts.isolatable)}
          </Button>
          {counts.pending > 0 && (
            <Button size="small" onClick={onCancelPending} data-testid="bulk-cancel-pending">
              Cancel pending ({n(counts.pending)})…
            </Button>
          )}
          {children}
        </>
      )}
      {onCopyIds && (
        <Button
          size="small"
          data-testid="selection-copy-ids"
          onClick={() => void onCopyIds().then((ok) => setCopied(ok ? "Ids copied" : "Copy failed"))}
        >
          {copied ?? `Copy ${counts.selected} id${counts.selected === 1 ? "" : "s"}`}
        </Button>
      )}
      <Button appearance="subtle" size="small" onClick={onClear} data-testid="selection-clear">
        Clear selection
      </Button>
    </div>
  );
}
