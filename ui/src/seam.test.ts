// Guards of the front end's architecture, checked on the source itself.
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

const SRC = join(process.cwd(), "ui", "src");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

const files = sources(SRC).map((path) => ({ rel: relative(SRC, path).split(sep).join("/"), text: readFileSync(path, "utf8") }));

describe("front-end seams", () => {
  it("finds the sources", () => {
    expect(files.map((f) => f.rel)).toContain("ipc/bindings.ts");
    expect(files.length).toBeGreaterThan(20);
  });

  it("imports @tauri-apps/* only inside src/ipc/", () => {
    const offenders = files
      .filter((f) => !f.rel.startsWith("ipc/") && /from\s+["']@tauri-apps\//.test(f.text))
      .map((f) => f.rel);
    expect(offenders).toEqual([]);
  });

  it("renders API data as text only", () => {
    const offenders = files
      .filter((f) => f.rel !== "seam.test.ts" && /dangerouslySetInnerHTML|\.innerHTML\s*=/.test(f.text))
      .map((f) => f.rel);
    expect(offenders).toEqual([]);
  });

  it("loads nothing from the network", () => {
    const offenders = files
      .filter((f) => f.rel !== "seam.test.ts" && /@import\s+url\(|fonts\.googleapis|cdn\.|unpkg\.com|jsdelivr/.test(f.text))
      .map((f) => f.rel);
    expect(offenders).toEqual([]);
  });
});
