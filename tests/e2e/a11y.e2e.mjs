// Accessibility, checked by axe-core in the real window: its source is injected over
// WebDriver (the app ships no test code) and run on every view, the machine drawer and
// Settings in high contrast. No serious or critical finding is allowed; every finding,
// minor ones too, is written to <screenshots>/a11y-<view>.json for a person to read.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { SHOTS, openDemo, screenshot, waitFor } from "./session.mjs";

const require = createRequire(import.meta.url);
const AXE = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

let browser;
const $ = (sel) => browser.$(sel);

before(async () => {
  ({ browser } = await openDemo(["--demo"]));
});

after(async () => {
  if (browser) await browser.deleteSession();
});

/** Runs axe over the document; returns its violations (id, impact, help, targets). */
async function axe(name) {
  const ready = await browser.execute("return typeof window.axe !== 'undefined';");
  if (!ready) await browser.execute(AXE);
  const json = await browser.executeAsync((done) => {
    // Tabster's focus sentinels (<i data-tabster-dummy>, Fluent's focus management)
    // are aria-hidden by design and hand focus on at once: not content.
    window.axe
      .run({ exclude: [["[data-tabster-dummy]"]] }, { resultTypes: ["violations"] })
      .then((r) =>
        done(
          JSON.stringify(
            r.violations.map((v) => ({
              id: v.id,
              impact: v.impact,
              help: v.help,
              nodes: v.nodes.map((n) => ({ target: n.target, html: n.html, summary: n.failureSummary })),
            })),
          ),
        ),
      )
      .catch((e) => done(JSON.stringify([{ id: "axe-error", impact: "critical", help: String(e), nodes: [] }])));
  });
  const violations = JSON.parse(json);
  fs.writeFileSync(path.join(SHOTS, `a11y-${name}.json`), JSON.stringify(violations, null, 2));
  return violations;
}

/** Fails on serious or critical findings, naming each with where it is. */
async function check(name) {
  const violations = await axe(name);
  const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const said = bad.map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
  assert.deepEqual(said, [], `${name}: axe found serious or critical issues`);
}

const VIEWS = [
  ["machines", '[data-testid="machine-grid"]'],
  ["automation", '[data-testid="automation-view"]'],
  ["reconciliation", '[data-testid="reconciliation-view"]'],
  ["history", '[data-testid="history-view"]'],
  ["audit", '[data-testid="audit-view"]'],
  ["settings", '[data-testid="settings-view"]'],
];

for (const [view, ready] of VIEWS) {
  test(`the ${view} view has no serious or critical accessibility issue`, async () => {
    await (await $(`[data-testid="nav-${view}"]`)).click();
    await (await $(ready)).waitForExist({ timeout: 30000 });
    // Let the view's data arrive (rows, charts) before looking.
    await browser.pause(1500);
    await check(view);
  });
}

test("the machine drawer has no serious or critical accessibility issue", async () => {
  await (await $('[data-testid="nav-machines"]')).click();
  const row = await waitFor("a machine row", async () => {
    const r = await $('[data-testid="machine-row"]');
    return (await r.isExisting()) ? r : false;
  });
  await row.click();
  await (await $('[data-testid="properties"]')).waitForExist({ timeout: 15000 });
  await browser.pause(1000);
  await check("drawer");
  await screenshot(browser, "50-a11y-drawer");
  await browser.keys("Escape");
});

test("Settings in high contrast has no serious or critical accessibility issue", async () => {
  await (await $('[data-testid="nav-settings"]')).click();
  const hc = await $('[data-testid="theme-highContrast"]');
  await hc.waitForExist({ timeout: 15000 });
  // Fluent's radio input sits under its styled indicator: a click on the element
  // itself (what the label does for a person).
  await browser.execute(() => document.querySelector('[data-testid="theme-highContrast"]').click());
  await waitFor("the high-contrast theme", async () => (await (await $('[data-theme="highContrast"]')).isExisting()));
  // Fluent's buttons fade to the new theme's colours: axe looking mid-fade reads a
  // blend of both themes (grey on pale blue), not what a person sees once it settles.
  await browser.pause(1000);
  await check("settings-high-contrast");
  await screenshot(browser, "51-a11y-high-contrast");
  // Back to the system's theme for the tests after this one.
  await browser.execute(() => document.querySelector('[data-testid="theme-system"]').click());
});
