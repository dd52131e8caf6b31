import type { ReactNode } from "react";
import { Text, makeStyles, tokens } from "@fluentui/react-components";
import type { AppInfo, MachineRow, SyncStatus } from "../../ipc";
import { GotoMachine } from "./GotoMachine";
import { SyncIndicator } from "./SyncIndicator";

const useStyles = makeStyles({
  header: {
    display: "flex",
    alignItems: "center",
    gap: tokens.spacingHorizontalL,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalL}`,
    backgroundColor: tokens.colorNeutralBackground3,
    borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
  },
  title: { fontWeight: tokens.fontWeightSemibold, fontSize: tokens.fontSizeBase400, margin: 0 },
  tenant: { color: tokens.colorNeutralForeground2 },
  spacer: { flex: "1 1 auto" },
});

interface Props {
  info: AppInfo | undefined;
  sync: SyncStatus | undefined;
  onOpen: (id: string, row?: MachineRow) => void;
  /** The top-level navigation. */
  nav?: ReactNode;
}

export function AppHeader({ info, sync, onOpen, nav }: Props) {
  const styles = useStyles();
  return (
    <header className={styles.header}>
      <Text as="h1" className={styles.title}>
        Cordon
      </Text>
      {nav}
      {info && (
        <Text className={styles.tenant} data-testid="tenant-label" title={info.apiBase}>
          {info.demo ? "Demo tenant (simulated)" : info.tenantLabel}
        </Text>
      )}
      <span className={styles.spacer} />
      <GotoMachine onOpen={onOpen} />
      <SyncIndicator sync={sync} />
    </header>
  );
}
