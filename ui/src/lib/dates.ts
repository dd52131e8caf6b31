// Day fields of the History and Audit filters (Fluent's date picker, `DayPicker`, which
// also takes a typed "YYYY-MM-DD"; not the browser's date input: WebKitGTK shows today's
// date in an empty one, which reads as a filter that is not there).

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** True for an empty field or a valid day. */
export function dayValid(text: string): boolean {
  const t = text.trim();
  return t === "" || (DAY.test(t) && !Number.isNaN(Date.parse(`${t}T00:00:00Z`)));
}

/** The day to send, or null when the field is empty or not a day yet (still typing). */
export function dayOrNull(text: string): string | null {
  const t = text.trim();
  return t !== "" && dayValid(t) ? t : null;
}
