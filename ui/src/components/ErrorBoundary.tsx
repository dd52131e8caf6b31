import { Component, type ErrorInfo, type ReactNode } from "react";
import { Button, MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle } from "@fluentui/react-components";

interface Props {
  /** What failed, in words: "The Machines view", "This machine's details". */
  area: string;
  children: ReactNode;
}

interface State {
  error: Error | null;
}

/** Keeps a rendering fault in one part of the window from blanking the whole app. */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error(`${this.props.area} failed to render`, error, info.componentStack);
  }

  private readonly reset = (): void => this.setState({ error: null });

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <MessageBar intent="error" data-testid="crash" layout="multiline">
        <MessageBarBody>
          <MessageBarTitle>{this.props.area} could not be shown.</MessageBarTitle>
          {error.message}
        </MessageBarBody>
        <MessageBarActions>
          <Button onClick={this.reset}>Try again</Button>
        </MessageBarActions>
      </MessageBar>
    );
  }
}
