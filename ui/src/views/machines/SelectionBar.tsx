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
}

/** The bulk bar of the Machines view: what the selection would release or isolate. */
export function SelectionBar({ counts, mayAct, onRelease, onIsolate, onClear }: Props) {
  const styles = useStyles();
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
      <Button appearance="subtle" size="small" onClick={onClear} data-testid="selection-clear">
        Clear selection
      </Button>
    </div>
  );
}
