import { describe, expect, it } from "vitest";
import { buildIndex, filterMachines, searchTerms } from "./filter";
import { hexId, makeRow } from "../test/fixtures";

const rows = [
  makeRow({ id: "a".repeat(40), name: "WEB-01.contoso.local", ip: "10.1.0.5", state: "isolated" }),
  makeRow({ id: "b".repeat(40), name: "db-01.contoso.local", ip: "10.1.0.9" }),
  makeRow({ id: "c".repeat(40), name: "web-02.fabrikam.local", ip: null, state: "releasing" }),
];
const index = buildIndex(rows);
const names = (q: string, f: Parameters<typeof filterMachines>[2] = "all") =>
  filterMachines(index, q, f).map((r) => r.name);

describe("search", () => {
  it("splits the query into lower-case terms", () => {
    expect(searchTerms("  Web   CONTOSO ")).toEqual(["web", "contoso"]);
    expect(searchTerms("   ")).toEqual([]);
  });

  it("matches names case-insensitively", () => {
    expect(names("web")).toEqual(["WEB-01.contoso.local", "web-02.fabrikam.local"]);
  });

  it("matches machine ids and IPs", () => {
    expect(names("bbbbbbbb")).toEqual(["db-01.contoso.local"]);
    expect(names("10.1.0.9")).toEqual(["db-01.contoso.local"]);
  });

  it("requires every term to match", () => {
    expect(names("web contoso")).toEqual(["WEB-01.contoso.local"]);
    expect(names("web nowhere")).toEqual([]);
  });

  it("returns the same array when nothing filters", () => {
    expect(filterMachines(index, "  ", "all")).toBe(rows);
  });

  it("combines with the state filter", () => {
    expect(names("web", "isolatedNow")).toEqual(["WEB-01.contoso.local", "web-02.fabrikam.local"]);
    expect(names("web", "releasing")).toEqual(["web-02.fabrikam.local"]);
    expect(names("db", "isolatedNow")).toEqual([]);
  });

  // Speed is a benchmark's business (quality.md): this checks the answer at scale only.
  it("finds the right rows among 100,000", () => {
    const many = Array.from({ length: 100_000 }, (_, i) =>
      makeRow({ id: hexId(i), name: `pc-${i}.corp.local`, ip: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}` }),
    );
    const big = buildIndex(many);
    const hits = filterMachines(big, "pc-9999", "all");
    expect(hits.map((r) => r.name).slice(0, 2)).toEqual(["pc-9999.corp.local", "pc-99990.corp.local"]);
    expect(hits).toHaveLength(11);
  });
});
