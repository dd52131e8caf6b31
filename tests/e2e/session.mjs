// What every e2e file shares: the app under test, where screenshots go, polling until a
// condition holds, and a WebDriver session on the real binary in demo mode. Not a test
// file itself (scripts/e2e.sh runs tests/e2e/*.e2e.mjs only).
import path from "node:path";
import { remote } from "webdriverio";

export const APP = process.env.CORDON_E2E_APP;
export const SHOTS = process.env.CORDON_E2E_SCREENSHOTS;

/** Saves a screenshot of `browser` as `<SHOTS>/<name>.png`. */
export async function screenshot(browser, name) {
  await browser.saveScreenshot(path.join(SHOTS, `${name}.png`));
}

/** Polls `fn` until it returns something truthy (returned), or throws after `timeout` ms. */
export async function waitFor(what, fn, timeout = 30000, interval = 250) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`timed out waiting for ${what} (last: ${last})`);
}

/**
 * Starts the app with `args` (through tauri-driver on :4444), waits for the demo banner
 * and returns the session and the in-app simulator's base URL (no trailing slash).
 */
export async function openDemo(args) {
  const browser = await remote({
    hostname: "127.0.0.1",
    port: 4444,
    logLevel: "warn",
    capabilities: {
      browserName: "wry",
      "tauri:options": { application: APP, args },
      "wdio:enforceWebDriverClassic": true,
    },
  });
  // Cordon reopens on the last view used (kept between sessions of one e2e run):
  // every test starts on Machines.
  const nav = await browser.$('[data-testid="nav-machines"]');
  await nav.waitForExist({ timeout: 30000 });
  await nav.click();
  const banner = await browser.$('[data-testid="demo-banner"]');
  await banner.waitForExist({ timeout: 30000 });
  const simBase = (await banner.getAttribute("data-api-base")).replace(/\/$/, "");
  return { browser, simBase };
}
