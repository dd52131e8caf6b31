import type { ReactNode } from "react";
import { Text, makeStyles, mergeClasses, tokens } from "@fluentui/react-components";
import { useAppInfo } from "../queries";

const useStyles = makeStyles({
  root: { display: "flex", flexDirection: "column", height: "100%", minHeight: 0 },
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
  main: {
    display: "flex",
    flexDirection: "column",
    gap: tokens.spacingVerticalM,
    padding: tokens.spacingHorizontalL,
    flex: "1 1 auto",
    minHeight: 0,
  },
  /** A body that scrolls as a whole (forms, cards), with more air between sections. */
  scroll: { overflowY: "auto", gap: tokens.spacingVerticalL },
});

/** The header (title, navigation, tenant) and the body of the views other than Machines. */
export function ViewFrame({
  nav,
  children,
  testId,
  bodyTestId,
  scroll = false,
}: {
  nav?: ReactNode;
  children: ReactNode;
  testId?: string;
  bodyTestId?: string;
  scroll?: boolean;
}) {
  const styles = useStyles();
  const info = useAppInfo();
  return (
    <div className={styles.root} data-testid={testId}>
      <header className={styles.header}>
        <Text as="h1" className={styles.title}>
          Cordon
        </Text>
        {nav}
        {info.data && (
          <Text className={styles.tenant} data-testid="tenant-label" title={info.data.apiBase}>
            {info.data.demo ? "Demo tenant (simulated)" : info.data.tenantLabel}
          </Text>
        )}
      </header>
      <main className={mergeClasses(styles.main, scroll && styles.scroll)} data-testid={bodyTestId}>
        {children}
      </main>
    </div>
  );
}
