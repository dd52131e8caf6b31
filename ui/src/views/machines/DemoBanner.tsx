import { MessageBar, MessageBarBody, MessageBarTitle } from "@fluentui/react-components";

/** Says, in the window itself, that nothing here touches a real tenant. */
export function DemoBanner({ apiBase }: { apiBase: string }) {
  return (
    <MessageBar intent="warning" data-testid="demo-banner" data-api-base={apiBase}>
      <MessageBarBody>
        <MessageBarTitle>Demo tenant (simulated)</MessageBarTitle>
        Every action runs against Cordon's built-in Defender simulator at {apiBase}, not a real
        tenant.
      </MessageBarBody>
    </MessageBar>
  );
}
