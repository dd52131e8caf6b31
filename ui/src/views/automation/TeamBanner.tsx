import { MessageBar, MessageBarBody, MessageBarTitle, Text, makeStyles, tokens } from "@fluentui/react-components";
import { useQuery } from "@tanstack/react-query";
import * as ipc from "../../ipc";
import type { TeamStatus } from "../../ipc";

const useStyles = makeStyles({
  line: { color: tokens.colorNeutralForeground2 },
});

/** The team's state, read every 30 s (heartbeats come every 30 s). */
export function useTeamStatus() {
  return useQuery<TeamStatus, Error>({ queryKey: ["team"], queryFn: ipc.teamStatus, refetchInterval: 30_000 });
}

/**
 * Where the automation runs ("Automation runs on agent soc-1, last round 2 min ago."),
 * and a warning when a team store has no agent alive. The words are the core's.
 */
export function TeamBanner({ status }: { status: TeamStatus }) {
  const s = useStyles();
  return (
    <div data-testid="team-banner">
      {status.warning && (
        <MessageBar intent="warning" data-testid="team-warning">
          <MessageBarBody>
            <MessageBarTitle>No agent</MessageBarTitle>
            {status.warning}
          </MessageBarBody>
        </MessageBar>
      )}
      <Text className={s.line} data-testid="team-summary">
        {status.summary}
        {status.shared ? ` Team store: ${status.store}.` : ""}
      </Text>
    </div>
  );
}
