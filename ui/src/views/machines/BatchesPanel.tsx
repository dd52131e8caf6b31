import {
  Button,
  Drawer,
  DrawerBody,
  DrawerHeader,
  DrawerHeaderTitle,
  Spinner,
  Text,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import type { IsolationGroup } from "../../ipc";
import { toIpcError } from "../../ipc";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";
import { exactTime, localTime, relativeTime } from "../../lib/time";
import { useGroups } from "../../queries";

const useStyles = makeStyles({
  list: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalM },
  card: {
    display: "flex",
    flexDirection: "column",
    gap: tokens.spacingVerticalXS,
    padding: tokens.spacingHorizontalM,
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
  },
  title: { fontWeight: tokens.fontWeightSemibold },
  facts: { color: tokens.colorNeutralForeground3, fontSize: tokens.fontSizeBase200 },
  line: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalS, flexWrap: "wrap" },
});

interface Props {
  open: boolean;
  now: Date;
  mayAct: boolean;
  onClose: () => void;
  onRelease: (group: IsolationGroup) => void;
  onSelect: (group: IsolationGroup) => void;
}

/** Isolations that share a cause: releasing a whole false-positive batch is one click. */
export function BatchesPanel({ open, now, mayAct, onClose, onRelease, onSelect }: Props) {
  const styles = useStyles();
  const groups = useGroups(open);
  return (
    <Drawer open={open} position="end" size="medium" onOpenChange={(_, d) => !d.open && onClose()} data-testid="batches">
      <DrawerHeader>
        <DrawerHeaderTitle
          action={
            <Button appearance="subtle" onClick={onClose} data-testid="close-batches">
              Close
            </Button>
          }
        >
          Batches of isolations
        </DrawerHeaderTitle>
      </DrawerHeader>
      <DrawerBody>
        {groups.isPending && <Spinner size="tiny" label="Grouping isolations…" />}
        {groups.error && <IpcErrorMessage error={toIpcError(groups.error)} />}
        {groups.data?.length === 0 && <Text>No machine is isolated as part of a batch.</Text>}
        <div className={styles.list}>
          {groups.data?.map((g) => (
            <div key={g.id} className={styles.card} data-testid="batch" data-batch-id={g.id} data-count={g.count}>
              <Text className={styles.title}>{g.title}</Text>
              <Text className={styles.facts} title={`${exactTime(g.firstAt)} – ${exactTime(g.lastAt)}`}>
                {g.count} isolated now · by {g.requestor} · {relativeTime(g.firstAt, now)} (
                {localTime(g.firstAt)} – {localTime(g.lastAt)})
              </Text>
              <Text className={styles.facts} title={g.comment}>
                “{g.comment}”
              </Text>
              <div className={styles.line}>
                {mayAct && (
                  <Button appearance="primary" size="small" disabled={g.count === 0} onClick={() => onRelease(g)} data-testid="batch-release">
                    Release the whole batch ({g.count})
                  </Button>
                )}
                <Button size="small" onClick={() => onSelect(g)} data-testid="batch-select">
                  Select in the grid
                </Button>
              </div>
            </div>
          ))}
        </div>
      </DrawerBody>
    </Drawer>
  );
}
