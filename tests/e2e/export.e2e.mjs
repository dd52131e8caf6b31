// Exports end to end, on the demo tenant: History's CSV, the audit log's CSV and JSON
// and the Machines view's CSV (its filter applied) are made by the core and written by
// Rust (no download in the web view). The
// native save dialog cannot be driven over WebDriver, so scripts/e2e.sh gives the demo
// app CORDON_SAVE_DIR (the test seam: no dialog, the file goes into that folder under
// its suggested name); this test reads the files back from disk.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { openDemo, screenshot, waitFor } from "./session.mjs";

const SAVE_DIR = process.env.CORDON_E2E_SAVE_DIR;
const BOM = "\uFEFF";

let browser;

const $ = (sel) => browser.$(sel);

before(async () => {
  assert.ok(SAVE_DIR, "scripts/e2e.sh sets CORDON_E2E_SAVE_DIR");
  ({ browser } = await openDemo(["--demo"]));
});

after(async () => {
  if (browser) await browser.deleteSession();
});

/** Clicks `button`, waits for "Saved to <path>" naming a new file, returns the path. */
async function exportVia(button, ext, saved = "export-saved") {
  const before = await $(`[data-testid="${saved}"]`);
  const old = (await before.isExisting()) ? await before.getText() : "";
  await (await $(`[data-testid="${button}"]`)).click();
  const text = await waitFor(`"Saved to" after ${button}`, async () => {
    const el = await $(`[data-testid="${saved}"]`);
    if (!(await el.isExisting())) return false;
    const t = await el.getText();
    return t !== old && t.endsWith(`.${ext}`) ? t : false;
  }, 15000);
  assert.equal(await (await $('[data-testid="export-error"]')).isExisting(), false, "no export error");
  const file = text.replace(/^Saved to /, "");
  assert.equal(path.dirname(file), SAVE_DIR, "written into the seam's folder");
  assert.match(path.basename(file), new RegExp(`^cordon-[a-z]+-\\d{4}-\\d{2}-\\d{2}\\.${ext}$`));
  return file;
}

test("History exports its rows as CSV, written by Rust", async () => {
  await (await $('[data-testid="nav-history"]')).click();
  await waitFor("history rows", async () => {
    const count = await $('[data-testid="history-count"]');
    return (await count.isExisting()) && Number.parseInt(await count.getText(), 10) > 0;
  }, 30000);
  const file = await exportVia("history-export", "csv");
  assert.match(path.basename(file), /^cordon-history-/);
  const csv = fs.readFileSync(file, "utf8");
  assert.ok(csv.startsWith(BOM), "the CSV starts with the UTF-8 BOM");
  const lines = csv.slice(BOM.length).split(/\r?\n/).filter((l) => l !== "");
  assert.match(lines[0], /^"created","updated","type",/);
  assert.ok(lines.length >= 2, `at least one data row (got ${lines.length - 1})`);
  await screenshot(browser, "40-history-exported");
});

test("the audit log exports as CSV and as JSON, written by Rust", async () => {
  await (await $('[data-testid="nav-audit"]')).click();
  await (await $('[data-testid="audit-view"]')).waitForExist({ timeout: 15000 });
  const csvFile = await exportVia("audit-export-csv", "csv");
  assert.match(path.basename(csvFile), /^cordon-audit-/);
  const csv = fs.readFileSync(csvFile, "utf8");
  assert.ok(csv.startsWith(BOM), "the CSV starts with the UTF-8 BOM");
  assert.ok(csv.length > BOM.length, "the CSV has at least its header");

  const jsonFile = await exportVia("audit-export-json", "json");
  assert.match(path.basename(jsonFile), /^cordon-audit-/);
  const entries = JSON.parse(fs.readFileSync(jsonFile, "utf8"));
  assert.ok(Array.isArray(entries), "the JSON is an array of entries");
  await screenshot(browser, "41-audit-exported");
});

test("the Machines view exports the rows shown (Isolated now) as CSV, written by Rust", async () => {
  await (await $('[data-testid="nav-machines"]')).click();
  // The "isolated now" list of a manager's report: the counter's filter, then Export.
  const isolated = await $('[data-testid="filter-isolated-now"]');
  await isolated.waitForExist({ timeout: 15000 });
  await isolated.click();
  const shown = await waitFor("the isolated machines", async () => {
    const count = await $('[data-testid="row-count"]');
    const m = /^(\d+) of (\d+) machines$/.exec(await count.getText());
    return m && Number(m[1]) > 0 ? Number(m[1]) : false;
  }, 30000);
  const file = await exportVia("machines-export", "csv", "machines-export-saved");
  assert.match(path.basename(file), /^cordon-machines-/);
  const csv = fs.readFileSync(file, "utf8");
  assert.ok(csv.startsWith(BOM), "the CSV starts with the UTF-8 BOM");
  const lines = csv.slice(BOM.length).split(/\r?\n/).filter((l) => l !== "");
  assert.match(lines[0], /^"name","id","state","isolatedNow",/);
  assert.equal(lines.length - 1, shown, "one row per machine shown");
  for (const line of lines.slice(1)) assert.match(line, /^"[^"]+","[0-9a-f]{40}","[a-z_]+","yes",/, line);
  await screenshot(browser, "42-machines-exported");
});
