// A day field with Fluent's date picker (a calendar, or typed as YYYY-MM-DD), for the
// History and Audit filters. The day is the person's local day; the views send its
// local bounds (`localDayBound`) to the back end.
import { Field } from "@fluentui/react-components";
import { DatePicker } from "@fluentui/react-datepicker-compat";
import { dayValid } from "../lib/dates";

const pad = (n: number): string => String(n).padStart(2, "0");

/** A local date as "YYYY-MM-DD". */
export function dayText(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** "YYYY-MM-DD" as a local date (midnight); null when it is not a day. */
export function parseDay(text: string): Date | null {
  const t = text.trim();
  if (t === "" || !dayValid(t)) return null;
  const [y, m, d] = t.split("-").map(Number) as [number, number, number];
  const date = new Date(y, m - 1, d);
  return date.getMonth() === m - 1 ? date : null;
}

export function DayPicker({
  label,
  value,
  onChange,
  testId,
  className,
}: {
  label: string;
  /** "YYYY-MM-DD" or "" (no bound). */
  value: string;
  onChange: (day: string) => void;
  testId: string;
  className?: string;
}) {
  return (
    <Field label={label} validationMessage={dayValid(value) ? undefined : "YYYY-MM-DD"}>
      <DatePicker
        className={className}
        allowTextInput
        placeholder="YYYY-MM-DD"
        value={parseDay(value)}
        formatDate={(d) => (d ? dayText(d) : "")}
        parseDateFromString={parseDay}
        onSelectDate={(d) => onChange(d ? dayText(d) : "")}
        data-testid={testId}
        input={{ "aria-label": label }}
        showCloseButton
      />
    </Field>
  );
}
