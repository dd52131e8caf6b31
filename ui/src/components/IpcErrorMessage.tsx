import { useId, useState } from "react";
import { Button, makeStyles, tokens } from "@fluentui/react-components";
import type { IpcError } from "../ipc";
import { errorDetails } from "../lib/errors";

const useStyles = makeStyles({
  root: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXS },
  line: { display: "flex", alignItems: "baseline", gap: tokens.spacingHorizontalS, flexWrap: "wrap" },
  message: { color: tokens.colorPaletteRedForeground1 },
  details: {
    display: "grid",
    gridTemplateColumns: "max-content 1fr",
    columnGap: tokens.spacingHorizontalM,
    rowGap: tokens.spacingVerticalXXS,
    margin: 0,
    fontSize: tokens.fontSizeBase200,
    fontFamily: tokens.fontFamilyMonospace,
  },
  term: { color: tokens.colorNeutralForeground3 },
  value: { margin: 0, wordBreak: "break-all" },
});

interface Props {
  error: IpcError;
  "data-testid"?: string;
}

/** An error as a sentence, with status, code and correlation id behind "Details". */
export function IpcErrorMessage({ error, "data-testid": testId = "ipc-error" }: Props) {
  const styles = useStyles();
  const [open, setOpen] = useState(false);
  const detailsId = useId();
  const details = errorDetails(error);
  return (
    <div className={styles.root} data-testid={testId} data-error-kind={error.kind} role="alert">
      <div className={styles.line}>
        <span className={styles.message} data-testid="error-message">
          {error.message}
        </span>
        <Button
          appearance="transparent"
          size="small"
          aria-expanded={open}
          aria-controls={detailsId}
          data-testid="error-details-toggle"
          onClick={() => setOpen((o) => !o)}
        >
          {open ? "Hide details" : "Details"}
        </Button>
      </div>
      {open && (
        <dl id={detailsId} className={styles.details} data-testid="error-details">
          {details.map((d) => (
            <div key={d.label} style={{ display: "contents" }}>
              <dt className={styles.term}>{d.label}</dt>
              <dd className={styles.value}>{d.value}</dd>
            </div>
          ))}
        </dl>
      )}
    </div>
  );
}
