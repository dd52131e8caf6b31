import { Badge } from "@fluentui/react-components";
import type { IsolationState } from "../ipc";
import { STATE_LABEL, STATE_LOOK } from "../lib/states";

interface Props {
  state: IsolationState;
  reason?: string;
  size?: "small" | "medium" | "large";
}

export function StateBadge({ state, reason, size = "medium" }: Props) {
  const look = STATE_LOOK[state];
  return (
    <Badge
      data-testid="state-badge"
      data-state={state}
      appearance={look.appearance}
      color={look.color}
      size={size}
      shape="rounded"
      title={reason}
    >
      {STATE_LABEL[state]}
    </Badge>
  );
}
