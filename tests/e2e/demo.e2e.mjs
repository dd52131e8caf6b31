// End-to-end journeys of the real Cordon binary in demo mode, driven through
// tauri-driver + WebKitWebDriver under Xvfb. The simulator's own view of the tenant
// (its control API, /_sim/state) is the truth the app is checked against.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { openDemo, screenshot, waitFor } from "./session.mjs";

let browser;
let simBase;

const shot = (name) => screenshot(browser, name);

async function simState() {
  const res = await fetch(`${simBase}/_sim/state`);
  assert.equal(res.status, 200);
  return res.json();
}

async function counter(name) {
  const el = await browser.$(`[data-testid="counter-${name}-value"]`);
  return Number((await el.getText()).trim());
}

before(async () => {
  ({ browser, simBase } = await openDemo(["--demo"]));
  assert.match(simBase, /^http:\/\/127\.0\.0\.1:\d+$/);
});

after(async () => {
  if (browser) await browser.deleteSession();
});

test("the demo opens with a clear banner and the isolated counter matches the simulator", async () => {
  const bannerText = await (await browser.$('[data-testid="demo-banner"]')).getText();
  assert.match(bannerText, /Demo tenant \(simulated\)/);
  // Machines keep moving in the demo (isolations finish): compare until they agree.
  const agreed = await waitFor("isolated counter == simulator's isolated count", async () => {
    const [shown, truth] = [await counter("isolated"), (await simState()).isolatedCount];
    return shown > 0 && shown === truth ? { shown, truth } : false;
  });
  assert.ok(agreed.shown >= 60, `the storm isolated ~80 machines, saw ${agreed.shown}`);
  assert.equal(await counter("total"), (await simState()).machines.length);
  await shot("01-machines");
});

/** Waits until the grid shows the window of the query asked last (the core answers it). */
async function gridSettled() {
  await waitFor("the grid's window", async () =>
    (await (await browser.$('[data-testid="machine-grid"]')).getAttribute("data-pending")) === "false", 10000, 50);
}

test("the isolated-now filter is one click", async () => {
  await (await browser.$('[data-testid="filter-isolated-now"]')).click();
  await gridSettled();
  const rows = await browser.$$('[data-testid="machine-row"]');
  assert.ok(rows.length > 0);
  for (const r of rows) {
    assert.ok(
      ["isolated", "releasing", "release_stuck"].includes(await r.getAttribute("data-state")),
      "only machines isolated right now are listed",
    );
  }
  // The core counts the matches: the grid's total is the isolated-now counter (the demo
  // keeps moving, so until a sync lands both).
  await waitFor("grid total == isolated counter", async () =>
    Number(await (await browser.$('[data-testid="machine-grid"]')).getAttribute("data-total")) === (await counter("isolated")), 15000);
  await shot("02-isolated-now");
  await (await browser.$('[data-testid="filter-isolated-now"]')).click();
  await gridSettled();
});

test("select all N matching: the bulk preview counts the filter's total", async () => {
  await (await browser.$('[data-testid="filter-isolated-now"]')).click();
  await gridSettled();
  const total = Number(await (await browser.$('[data-testid="machine-grid"]')).getAttribute("data-total"));
  assert.ok(total > 0);
  await (await browser.$('[data-testid="select-all-matching"]')).click();
  assert.match(await (await browser.$('[data-testid="selection-count"]')).getText(), /^All [\d,]+ matching selected$/);
  const release = await browser.$('[data-testid="bulk-release"]');
  await waitFor("the bulk bar counts the matches", async () => release.isEnabled(), 10000);
  await release.click();
  const dialog = await browser.$('[data-testid="bulk-dialog"]');
  await dialog.waitForDisplayed({ timeout: 10000 });
  // What the core resolved from the filter: sent plus left out is every match (the
  // grid's total read again, should a sync have moved it meanwhile).
  await waitFor("preview count == the filter's total", async () => {
    const c = await browser.$('[data-testid="preview-count"]');
    if (!(await c.isExisting())) return false;
    const sent = Number(await c.getAttribute("data-count"));
    const left = (await browser.$$('[data-testid="excluded-machine"]')).length;
    const now = Number(await (await browser.$('[data-testid="machine-grid"]')).getAttribute("data-total"));
    return sent + left === now || sent + left === total;
  }, 15000);
  await shot("02b-select-all-matching");
  await (await browser.$('[data-testid="bulk-cancel"]')).click();
  await (await browser.$('[data-testid="selection-clear"]')).click();
  await (await browser.$('[data-testid="filter-isolated-now"]')).click();
  await gridSettled();
});

test("an unknown machine id gets a clear message", async () => {
  const input = await browser.$('[data-testid="goto-machine"]');
  await input.setValue("ffffffffffffffffffffffffffffffffffffffff");
  await browser.keys("Enter");
  const err = await browser.$('[data-testid="goto-error"]');
  await err.waitForDisplayed({ timeout: 10000 });
  assert.match(await err.getText(), /No machine/);
  await input.clearValue();
});

test("an analyst releases one machine with a comment and sees it through", async () => {
  const state = await simState();
  // An isolated, online machine (the simulator's truth), found as a person would in a
  // windowed grid: by its name in the search (only the rows on screen are in the DOM).
  const candidates = state.machines.filter((m) => m.online && m.isolated && !m.fullTunnelVpn);
  assert.ok(candidates.length > 0, "the demo has isolated, online machines");
  const { id: target, computerDnsName: name } = candidates[0];
  await (await browser.$('[data-testid="search"]')).setValue(name);
  const row = await browser.$(`[data-testid="machine-row"][data-machine-id="${target}"]`);
  await row.waitForExist({ timeout: 10000 });
  await row.click();
  await (await browser.$('[data-testid="machine-detail"]')).waitForDisplayed({ timeout: 10000 });
  // The drawer slides in: a click during the animation can land beside the button,
  // so click until the form is there.
  await waitFor("the release form", async () => {
    if (await (await browser.$('[data-testid="action-form"]')).isExisting()) return true;
    await (await browser.$('[data-testid="action-release"]')).click();
    return (await browser.$('[data-testid="action-form"]')).isExisting();
  }, 15000);

  // An empty comment is refused, and nothing is sent.
  const before = (await (await fetch(`${simBase}/_sim/requests`)).json());
  await (await browser.$('[data-testid="confirm-action"]')).click();
  const formErr = await browser.$('[data-testid="form-error"]');
  await formErr.waitForDisplayed({ timeout: 5000 });
  const afterReqs = (await (await fetch(`${simBase}/_sim/requests`)).json());
  const posts = (log) => (Array.isArray(log) ? log : log.requests ?? []).filter((r) => r.method === "POST" && r.path.includes("/unisolate")).length;
  assert.equal(posts(afterReqs), posts(before), "no release request for an empty comment");

  await (await browser.$('[data-testid="comment"]')).setValue("False positive: e2e release");
  await shot("03-release-form");
  await (await browser.$('[data-testid="confirm-action"]')).click();

  await waitFor("row shows releasing", async () =>
    (await row.getAttribute("data-state")) === "releasing", 15000, 100);
  await shot("04-releasing");
  await waitFor("row shows not isolated", async () =>
    (await row.getAttribute("data-state")) === "not_isolated", 60000);
  await shot("05-released");
  const truth = (await simState()).machines.find((m) => m.id === target);
  assert.equal(truth.isolated, false, "the simulator agrees the machine is released");
});

test("a row's context menu, and Cancel pending (N) of two machines with pending releases", async () => {
  // The drawer of the release before may still be open over the grid.
  const drawer = await browser.$('[data-testid="machine-detail"]');
  if (await drawer.isDisplayed()) {
    await (await browser.$('[data-testid="close-detail"]')).click();
    await drawer.waitForDisplayed({ timeout: 10000, reverse: true });
  }
  // The search of the release before: emptied as a person would (React sees the keys).
  const search = await browser.$('[data-testid="search"]');
  await search.click();
  await browser.keys(["Control", "a"]);
  await browser.keys("Backspace");
  await waitFor("the search is empty", async () => (await search.getValue()) === "", 5000);
  // The demo's storm left releases Pending on offline laptops: releasing, or stuck by now.
  let rows = [];
  for (const chip of ["filter-releasing", "filter-stuck"]) {
    await (await browser.$(`[data-testid="${chip}"]`)).click();
    await gridSettled();
    rows = await waitFor("the chip's rows", async () => {
      const found = await browser.$$('[data-testid="machine-row"]');
      return found.length >= 2 ? found : false;
    }, 5000).catch(() => []);
    if (rows.length >= 2) break;
  }
  await shot("06-pending");
  assert.ok(rows.length >= 2, "the demo has machines with a pending release");

  // Which releases are still pending (a stuck one may have timed out instead).
  const pending = [];
  const ended = [];
  for (const r of rows) {
    const reason = await (await r.$('[data-testid="state-reason"]')).getProperty("textContent");
    (/pending/i.test(reason) ? pending : ended).push(r);
  }
  assert.ok(pending.length >= 2, "two machines with a pending release");

  // WebKitWebDriver's right click sends no `contextmenu` event: the event a right click
  // makes, at the row. The menu offers only what applies.
  const menu = await browser.$('[data-testid="row-menu"]');
  const menuOf = async (row) => {
    await browser.execute((el) => {
      const box = el.getBoundingClientRect();
      el.dispatchEvent(new MouseEvent("contextmenu", { bubbles: true, cancelable: true, clientX: box.left + 60, clientY: box.top + 20 }));
    }, row);
    await menu.waitForDisplayed({ timeout: 5000 });
    assert.equal(await menu.getAttribute("data-machine-id"), await row.getAttribute("data-machine-id"));
    const off = async (item) => (await (await browser.$(`[data-testid="row-menu-${item}"]`)).getAttribute("aria-disabled")) === "true";
    return { isolate: !(await off("isolate")), cancel: !(await off("cancel-pending")) };
  };
  const close = async () => {
    await browser.keys("Escape");
    await menu.waitForDisplayed({ timeout: 5000, reverse: true });
  };
  assert.deepEqual(await menuOf(pending[0]), { isolate: false, cancel: true }, "a pending release: cancel, no isolate");
  await shot("06-row-menu");
  await close();
  if (ended.length > 0) {
    assert.deepEqual(await menuOf(ended[0]), { isolate: false, cancel: false }, "a timed-out release: nothing to cancel");
    await close();
  }

  // Pick two with a pending release, cancel them with one comment.
  const ids = [];
  for (const r of pending.slice(0, 2)) {
    ids.push(await r.getAttribute("data-machine-id"));
    await (await r.$('[data-testid="row-check"]')).click();
  }
  const bulk = await browser.$('[data-testid="bulk-cancel-pending"]');
  await bulk.waitForDisplayed({ timeout: 5000 });
  assert.equal(await bulk.getProperty("textContent"), "Cancel pending (2)…");
  await bulk.click();
  await (await browser.$('[data-testid="cancel-pending-dialog"]')).waitForDisplayed({ timeout: 5000 });
  await (await browser.$('[data-testid="cancel-pending-comment"]')).setValue("e2e: wrong batch");
  await (await browser.$('[data-testid="confirm-cancel-pending"]')).click();
  const summary = await browser.$('[data-testid="cancel-pending-summary"]');
  await summary.waitForDisplayed({ timeout: 15000 });
  assert.equal(await summary.getProperty("textContent"), "2 cancelled.");
  await shot("07-cancel-pending");
  // Defender's record (the simulator's): each machine's newest release is Cancelled.
  const actions = await (await fetch(`${simBase}/_sim/actions`)).json();
  for (const m of ids) {
    const releases = actions
      .filter((a) => a.machineId === m && a.type === "Unisolate")
      .sort((a, b) => String(a.creationDateTimeUtc).localeCompare(String(b.creationDateTimeUtc)));
    assert.equal(releases.at(-1)?.status, "Cancelled", `${m}: ${JSON.stringify(releases.at(-1))}`);
    assert.equal(releases.at(-1)?.cancellationComment, "e2e: wrong batch");
  }
  await (await browser.$('[data-testid="cancel-pending-close"]')).click();
});
