import { useState } from "react";
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
  mayAct: boolean;
  onRelease: () => void;
  onIsolate: () => void;
  onClear: () => void;
  /** Copies the selected machines' ids (one a line); resolves to whether it worked. */
  onCopyIds?: () => Promise<boolean>;
}

/** The bulk bar of the Machines view: what the selection would release or isolate. */
export function SelectionBar({ counts, mayAct, onRelease, onIsolate, onClear, onCopyIds }: Props) {
  const styles = useStyles();
  const [copied, setCopied] = useState<string | null>(null);
  return (
    <div className={styles.bar} data-testid="selection-bar" role="toolbar" aria-label="Selected machines">
      <Text className={styles.count} data-testid="selection-count">
        {counts.selected} selected
      </Text>
      {mayAct && (
        <>
          <Button appearance="primary" size="small" disabled={counts.releasable === 0} onClick={onRelease} data-testid="bulk-release">
            Release {counts.releasable}
          </Button>
          <Button size="small" disabled={counts.isolatable === 0} onClick={onIsolate} data-testid="bulk-isolate">
            Isolate {counts.isolatable}
          </Button>
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
