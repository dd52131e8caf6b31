import { describe, expect, it, vi } from "vitest";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { FluentProvider, webLightTheme } from "@fluentui/react-components";
import { DayPicker, dayText, parseDay } from "./DayPicker";

describe("day picker", () => {
  it("reads and writes local days", () => {
    expect(parseDay("2026-02-28")?.getDate()).toBe(28);
    expect(parseDay("2026-02-30")).toBeNull();
    expect(parseDay("")).toBeNull();
    expect(dayText(new Date(2026, 0, 5))).toBe("2026-01-05");
  });

  it("takes a typed day and a day picked in the calendar", async () => {
    const onChange = vi.fn();
    const user = userEvent.setup();
    render(
      <FluentProvider theme={webLightTheme}>
        <DayPicker label="From" value="2026-11-10" onChange={onChange} testId="since" />
      </FluentProvider>,
    );
    const input = screen.getByLabelText("From") as HTMLInputElement;
    expect(input.value).toBe("2026-11-10");
    await user.clear(input);
    await user.type(input, "2026-11-03{Enter}");
    expect(onChange).toHaveBeenLastCalledWith("2026-11-03");

    // The calendar (open while the field has focus) shows the month; picking the 20th
    // gives that local day.
    await user.click(await screen.findByRole("button", { name: /20, November, 2026/ }));
    expect(onChange).toHaveBeenLastCalledWith("2026-11-20");
  });
});
