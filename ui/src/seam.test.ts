// Guards of the front end's architecture, checked on the source itself.
import { describe, expect, it } from "vitest";

const raw = import.meta.glob<string>(["./**/*.ts", "./**/*.tsx"], { query: "?raw", import: "default", eager: true });
const files = Object.entries(raw).map(([path, text]) => ({ rel: path.replace(/^\.\//, ""), text }));
const others = files.filter((f) => f.rel !== "seam.test.ts");

describe("front-end seams", () => {
  it("finds the sources", () => {
    expect(files.map((f) => f.rel)).toContain("ipc/bindings.ts");
    expect(files.length).toBeGreaterThan(20);
  });

  it("imports @tauri-apps/* only inside src/ipc/", () => {
    const offenders = others
      .filter((f) => !f.rel.startsWith("ipc/") && /from\s+["']@tauri-apps\//.test(f.text))
      .map((f) => f.rel);
    expect(offenders).toEqual([]);
  });

  it("renders API data as text only", () => {
    const offenders = others.filter((f) => /dangerouslySetInnerHTML|\.innerHTML\s*=/.test(f.text)).map((f) => f.rel);
    expect(offenders).toEqual([]);
  });

  it("loads nothing from the network", () => {
    const offenders = others
      .filter((f) => /@import\s+url\(|fonts\.googleapis|cdn\.|unpkg\.com|jsdelivr/.test(f.text))
      .map((f) => f.rel);
    expect(offenders).toEqual([]);
  });
});
