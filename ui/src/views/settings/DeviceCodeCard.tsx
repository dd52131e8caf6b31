import { useState } from "react";
import { Button, MessageBar, MessageBarBody, MessageBarTitle, makeStyles, tokens } from "@fluentui/react-components";
import type { DeviceCodePrompt } from "../../ipc";

const useStyles = makeStyles({
  code: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase500, letterSpacing: "0.1em" },
  line: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalS, flexWrap: "wrap" },
});

/** The device code and where to type it. The URL is text to copy: the web view never opens it. */
export function DeviceCodeCard({ prompt }: { prompt: DeviceCodePrompt }) {
  const styles = useStyles();
  const [copied, setCopied] = useState<"" | "ok" | "failed">("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(prompt.userCode);
      setCopied("ok");
    } catch {
      setCopied("failed");
    }
  };
  const minutes = Math.max(1, Math.round(prompt.expiresInSecs / 60));
  return (
    <MessageBar intent="info" data-testid="device-code" layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>Sign in to “{prompt.profile}” with a device code</MessageBarTitle>
        <div className={styles.line}>
          Open <span data-testid="device-code-url">{prompt.verificationUri}</span> in a browser and enter
          <span className={styles.code} data-testid="device-code-value">
            {prompt.userCode}
          </span>
          <Button size="small" data-testid="copy-device-code" onClick={() => void copy()}>
            {copied === "ok" ? "Copied" : "Copy code"}
          </Button>
          {copied === "failed" && <span>Could not copy: select the code instead.</span>}
        </div>
        <div>The code expires in about {minutes} min. Cordon waits for the sign-in to finish.</div>
      </MessageBarBody>
    </MessageBar>
  );
}
