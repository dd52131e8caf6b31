import { describe, expect, it, vi } from "vitest";
import { render, screen } from "@testing-library/react";
import { FluentProvider, webLightTheme } from "@fluentui/react-components";
import { ErrorBoundary } from "./ErrorBoundary";
import { StateBadge } from "./StateBadge";

function Boom(): never {
  throw new Error("row renderer broke");
}

describe("ErrorBoundary", () => {
  it("shows the failure as a sentence instead of blanking the window", () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    render(
      <FluentProvider theme={webLightTheme}>
        <p data-testid="sibling">still here</p>
        <ErrorBoundary area="The Machines view">
          <Boom />
        </ErrorBoundary>
      </FluentProvider>,
    );
    const crash = screen.getByTestId("crash");
    expect(crash.textContent).toContain("The Machines view could not be shown.");
    expect(crash.textContent).toContain("row renderer broke");
    expect(screen.getByTestId("sibling").textContent).toBe("still here");
  });

  it("renders its children when nothing fails", () => {
    render(
      <FluentProvider theme={webLightTheme}>
        <ErrorBoundary area="x">
          <StateBadge state="release_stuck" reason="Release pending 5 h" />
        </ErrorBoundary>
      </FluentProvider>,
    );
    const badge = screen.getByTestId("state-badge");
    expect(badge.textContent).toBe("Release stuck");
    expect(badge.getAttribute("data-state")).toBe("release_stuck");
    expect(badge.getAttribute("title")).toBe("Release pending 5 h");
    expect(screen.queryByTestId("crash")).toBeNull();
  });
});
