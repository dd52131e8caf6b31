// When Defender cannot be reached, Cordon says so, offers a retry, and does not crash.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { remote } from "webdriverio";

let browser;

before(async () => {
  browser = await remote({
    hostname: "127.0.0.1",
    // The second driver, started with a tenant on a port where nothing listens.
    port: 4446,
    logLevel: "warn",
    capabilities: {
      browserName: "wry",
      "tauri:options": { application: process.env.CORDON_E2E_APP },
      "wdio:enforceWebDriverClassic": true,
    },
  });
});

after(async () => {
  if (browser) await browser.deleteSession();
});

test("an unreachable tenant shows a sentence and a retry, and the app stays up", async () => {
  // Cordon reopens on the last view used: start on Machines.
  const nav = await browser.$('[data-testid="nav-machines"]');
  await nav.waitForExist({ timeout: 30000 });
  await nav.click();
  const banner = await browser.$('[data-testid="sync-error"]');
  await banner.waitForDisplayed({ timeout: 30000 });
  assert.match(await banner.getText(), /could not be reached/i);
  await browser.saveScreenshot(path.join(process.env.CORDON_E2E_SCREENSHOTS, "10-unreachable.png"));
  await (await browser.$('[data-testid="retry"]')).click();
  await new Promise((r) => setTimeout(r, 1500));
  assert.ok(await banner.isDisplayed(), "still explains the failure after a retry");
  assert.equal(await (await browser.$('[data-testid="demo-banner"]')).isExisting(), false);
});
