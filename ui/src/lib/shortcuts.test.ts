import { describe, expect, it } from "vitest";
import { shortcutFor } from "./shortcuts";

const keys = (key: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean }> = {}) => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

describe("shortcutFor", () => {
  it("maps Ctrl+F, Ctrl+K (Cmd too) and F5", () => {
    expect(shortcutFor(keys("f", { ctrlKey: true }))).toBe("find");
    expect(shortcutFor(keys("F", { ctrlKey: true }))).toBe("find");
    expect(shortcutFor(keys("k", { ctrlKey: true }))).toBe("goto");
    expect(shortcutFor(keys("k", { metaKey: true }))).toBe("goto");
    expect(shortcutFor(keys("F5"))).toBe("refresh");
  });

  it("leaves other keys and modifier mixes alone", () => {
    expect(shortcutFor(keys("f"))).toBeNull();
    expect(shortcutFor(keys("k"))).toBeNull();
    expect(shortcutFor(keys("f", { ctrlKey: true, shiftKey: true }))).toBeNull();
    expect(shortcutFor(keys("f", { ctrlKey: true, altKey: true }))).toBeNull();
    expect(shortcutFor(keys("F5", { ctrlKey: true }))).toBeNull();
    expect(shortcutFor(keys("c", { ctrlKey: true }))).toBeNull();
    expect(shortcutFor(keys("Escape"))).toBeNull();
  });
});
