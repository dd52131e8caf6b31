// The grid at scale (issue 15): the real app on a 10,000-machine tenant (the simulator's
// `scale` scenario, started by scripts/e2e.sh behind the third driver) sorts, filters
// and selects "all N matching" through the core, and the bulk preview counts exactly
// the filter's matches. The grid keeps only a window of rows in the page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { remote } from "webdriverio";
import { screenshot, waitFor } from "./session.mjs";

const MACHINES = 10000;
let browser;

const grid = () => browser.$('[data-testid="machine-grid"]');
const total = async () => Number(await (await grid()).getAttribute("data-total"));
async function settled() {
  await waitFor("the grid's window", async () => (await (await grid()).getAttribute("data-pending")) === "false", 20000, 50);
}
/** The names of the rows in the page, in grid order (a virtual list: by aria-rowindex). */
const names = () =>
  browser.execute(() =>
    [...document.querySelectorAll('[data-testid="machine-row"]')]
      .map((r) => ({ i: Number(r.getAttribute("aria-rowindex")), name: r.getAttribute("data-machine-name") }))
      .sort((a, b) => a.i - b.i)
      .map((r) => r.name),
  );

before(async () => {
  browser = await remote({
    hostname: "127.0.0.1",
    // The third driver: a tenant on the simulator's 10,000-machine scenario.
    port: 4448,
    logLevel: "warn",
    capabilities: {
      browserName: "wry",
      "tauri:options": { application: process.env.CORDON_E2E_APP },
      "wdio:enforceWebDriverClassic": true,
    },
  });
  const nav = await browser.$('[data-testid="nav-machines"]');
  await nav.waitForExist({ timeout: 30000 });
  await nav.click();
});

after(async () => {
  if (browser) await browser.deleteSession();
});

test("10,000 machines: the first sync fills the grid, which holds only a window of rows", async () => {
  await waitFor("the whole fleet in the grid", async () => (await total()) === MACHINES, 120000, 250);
  await settled();
  const shown = (await browser.$$('[data-testid="machine-row"]')).length;
  assert.ok(shown > 0 && shown < 200, `a window of rows, not the fleet (${shown} in the page)`);
});

test("sorting by name descending asks the core: the first rows are the last names", async () => {
  const before = await names();
  await (await browser.$('[data-testid="sort-name"]')).click();
  await settled();
  await waitFor("the sort applied", async () => (await names())[0] !== before[0], 10000);
  const after = await names();
  // The scenario's names are lower-case ASCII: the store's order is the code-unit order.
  const sorted = [...after].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  assert.deepEqual(after, sorted, "rows are in descending name order");
  assert.ok(after[0] > before[0], `${after[0]} sorts after ${before[0]}`);
  await (await browser.$('[data-testid="sort-name"]')).click();
  await settled();
});

test("isolated now, select all matching: the bulk preview counts the filter's total", async () => {
  await (await browser.$('[data-testid="filter-isolated-now"]')).click();
  await settled();
  const matches = await waitFor("a filtered total", async () => {
    const t = await total();
    return t > 0 && t < MACHINES ? t : 0;
  });
  for (const r of await browser.$$('[data-testid="machine-row"]')) {
    assert.ok(["isolated", "releasing", "release_stuck"].includes(await r.getAttribute("data-state")));
  }
  // One row picked, then the whole query.
  await (await browser.$('[data-testid="row-check"]')).click();
  await (await browser.$('[data-testid="selection-all-matching"]')).click();
  const count = await browser.$('[data-testid="selection-count"]');
  assert.equal(await count.getText(), `All ${matches.toLocaleString("en-US")} matching selected`);
  const release = await browser.$('[data-testid="bulk-release"]');
  await waitFor("the bulk bar counts the matches", async () => release.isEnabled(), 15000);
  await release.click();
  const dialog = await browser.$('[data-testid="bulk-dialog"]');
  await dialog.waitForDisplayed({ timeout: 15000 });
  // The core resolved the filter at preview time: sent plus left out is every match.
  await waitFor(
    "preview count == the filter's total",
    async () => {
      const c = await browser.$('[data-testid="preview-count"]');
      if (!(await c.isExisting())) return false;
      const sent = Number(await c.getAttribute("data-count"));
      const excluded = await browser.$('[data-testid="preview-excluded"]');
      const left = (await excluded.isExisting()) ? Number(await excluded.getAttribute("data-count")) : 0;
      return sent + left === matches;
    },
    30000,
  );
  await screenshot(browser, "30-scale-select-all-matching");
  await (await browser.$('[data-testid="bulk-cancel"]')).click();
});
