import { describe, expect, it } from "vitest";
import { mayIsolate } from "./permissions";

describe("mayIsolate", () => {
  it("offers the actions while the permissions are unknown", () => {
    expect(mayIsolate(undefined)).toBe(true);
    expect(mayIsolate([])).toBe(true);
  });
  it("needs Machine.Isolate once the permissions are known", () => {
    expect(mayIsolate(["Machine.Read.All", "Alert.Read.All"])).toBe(false);
    expect(mayIsolate(["Machine.Read.All", "machine.isolate"])).toBe(true);
  });
});
