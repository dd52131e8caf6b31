// Bulk work end to end, on the demo tenant: the on-call analyst releases last night's
// false-positive batch (~80 machines) with one click, one comment and the typed
// confirmation, and watches it complete; a release that timed out on an offline laptop
// shows in Reconciliation with its cause; once that laptop is back online (the
// simulator's control API), auto-reconcile resubmits the release and the row goes.
// The simulator's own records (/_sim/state, /_sim/requests) are the truth.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { openDemo, screenshot, waitFor } from "./session.mjs";

let browser;
let simBase;

const $ = (sel) => browser.$(sel);

async function shot(name) {
  // WebKit paints a moment after the DOM settles (a new view, a finished job).
  await browser.pause(800);
  await screenshot(browser, name);
}

async function sim(pathname, body) {
  const res = await fetch(`${simBase}${pathname}`, body === undefined ? {} : {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.ok(res.ok, `${pathname}: ${res.status}`);
  return res.json();
}

const requests = async () => {
  const log = await sim("/_sim/requests");
  return Array.isArray(log) ? log : (log.requests ?? []);
};

before(async () => {
  ({ browser, simBase } = await openDemo(["--demo"]));
  // The first sync is done when the counter agrees with the simulator.
  await waitFor("first sync", async () => {
    const shown = Number((await (await $('[data-testid="counter-isolated-value"]')).getText()).trim());
    return shown > 0 && shown === (await sim("/_sim/state")).isolatedCount;
  });
});

after(async () => {
  if (browser) await browser.deleteSession();
});

test("the false-positive batch is released with one click, one comment and the typed confirmation", async () => {
  await (await $('[data-testid="open-batches"]')).click();
  const cards = await waitFor("batches listed", async () => {
    const c = await browser.$$('[data-testid="batch"]');
    return c.length > 0 ? c : false;
  });
  // The storm's batch is the biggest one.
  let storm;
  let stormCount = -1;
  for (const c of cards) {
    const n = Number(await c.getAttribute("data-count"));
    if (n > stormCount) [storm, stormCount] = [c, n];
  }
  assert.ok(stormCount >= 60, `the storm batch has ~80 machines isolated, saw ${stormCount}`);
  await shot("30-batches");

  const before = await sim("/_sim/state");
  const reqsBefore = (await requests()).length;
  await (await storm.$('[data-testid="batch-release"]')).click();
  const dialog = await $('[data-testid="bulk-dialog"]');
  await dialog.waitForDisplayed({ timeout: 10000 });
  const count = await $('[data-testid="preview-count"]');
  await count.waitForExist({ timeout: 15000 });
  const n = Number(await count.getAttribute("data-count"));
  assert.ok(n > 25 && n <= stormCount, `the preview sends most of the batch (${n} of ${stormCount})`);
  const comment = await (await $('[data-testid="bulk-comment"]')).getValue();
  assert.match(comment, /^False positive: /, "the comment is pre-filled for a false-positive batch");
  const confirm = await $('[data-testid="bulk-confirm"]');
  assert.equal(await confirm.isEnabled(), false, "above 25 machines the phrase must be typed first");
  const phraseInput = await $('[data-testid="bulk-confirm-phrase"]');
  const phrase = await phraseInput.getAttribute("data-phrase");
  assert.ok(phrase, "the typed confirmation names its phrase");
  await phraseInput.setValue(phrase);
  await waitFor("confirm enabled", () => confirm.isEnabled(), 5000, 100);
  await shot("31-bulk-confirm");
  await confirm.click();

  const panel = await $('[data-testid="job-progress"]');
  await panel.waitForExist({ timeout: 15000 });
  const jobCount = await $('[data-testid="job-count"]');
  await waitFor("progress N of N", async () => {
    const [f, t] = [await jobCount.getAttribute("data-finished"), await jobCount.getAttribute("data-total")];
    return Number(t) === n && Number(f) === n;
  }, 90000, 250);
  await waitFor("job done", async () => (await panel.getAttribute("data-job-state")) === "done", 15000);
  // Past "sent": Defender's statuses, followed on each sync, every machine counted.
  const defender = await $('[data-testid="job-defender"]');
  await defender.waitForExist({ timeout: 30000 });
  const counts = await waitFor("Defender's counts", async () => {
    const c = ["data-succeeded", "data-failed", "data-waiting"];
    const [ok, bad, wait] = await Promise.all(c.map(async (a) => Number(await defender.getAttribute(a))));
    return ok + bad + wait === n && ok > 0 ? { ok, bad, wait } : false;
  }, 60000);
  assert.match(await defender.getText(), new RegExp(`^In Defender: .*${counts.ok} succeeded`));
  await shot("32-bulk-done");

  // Each machine got at most one release request that Defender accepted or answered
  // with the pending one (429s are refused before anything is created).
  const posts = (await requests())
    .slice(reqsBefore)
    .filter((r) => r.method === "POST" && r.path.endsWith("/unisolate") && r.status !== 429 && !r.fault);
  const perPath = new Map();
  for (const r of posts) perPath.set(r.path, (perPath.get(r.path) ?? 0) + 1);
  const dups = [...perPath].filter(([, k]) => k > 1);
  assert.deepEqual(dups, [], "no machine was sent its release twice");
  assert.ok(perPath.size <= n, `at most one request per machine (${perPath.size} for ${n})`);

  // Online machines (not behind a full-tunnel VPN) are released for real.
  const ids = [...perPath.keys()].map((p) => p.split("/").at(-2));
  const reachable = new Set(before.machines.filter((m) => m.online && !m.fullTunnelVpn && m.isolated).map((m) => m.id));
  const expectedDrop = ids.filter((id) => reachable.has(id)).length;
  assert.ok(expectedDrop > 40, `most of the batch is online (${expectedDrop})`);
  await waitFor("the simulator's isolated count drops", async () => {
    const s = await sim("/_sim/state");
    return s.isolatedCount === before.isolatedCount - expectedDrop;
  }, 60000, 500);
  await (await $('[data-testid="job-close"]')).click();
});

test("an offline laptop's timed-out release is stuck in Reconciliation with its cause", async () => {
  await (await $('[data-testid="nav-reconciliation"]')).click();
  const row = await waitFor("a timed-out release row", async () => {
    const rows = await browser.$$('[data-testid="recon-row"][data-cause="timed_out"][data-kind="release"]');
    return rows.length > 0 ? rows[0] : false;
  });
  const id = await row.getAttribute("data-machine-id");
  const text = await (await row.$('[data-testid="recon-cause-text"]')).getText();
  assert.match(text, /timed out/i, `the cause is stated: ${text}`);
  const truth = (await sim("/_sim/state")).machines.find((m) => m.id === id);
  assert.equal(truth.online, false, "the machine is offline in the simulator");
  assert.equal(truth.isolated, true, "and still isolated");
  assert.equal(await row.getAttribute("data-next-step"), "auto_resubmit");
  await shot("33-reconciliation");

  // Back online: auto-reconcile resubmits the release, Defender delivers it, the row goes.
  await sim(`/_sim/machines/${id}/online`, { online: true });
  await waitFor("the machine is released", async () => !(await sim("/_sim/state")).machines.find((m) => m.id === id).isolated, 120000, 1000);
  await waitFor("the row leaves Reconciliation", async () =>
    (await browser.$$(`[data-testid="recon-row"][data-machine-id="${id}"]`)).length === 0, 60000, 500);
  await shot("34-reconciled");

  // Every step is in the audit log.
  await (await $('[data-testid="nav-audit"]')).click();
  await (await $('[data-testid="audit-filter"]')).setValue(id);
  await waitFor("audit rows of the machine", async () => (await browser.$$('[data-testid="audit-row"]')).length > 0, 15000);
  await shot("35-audit");

  // The History view: every isolation action, with the per-day chart.
  await (await $('[data-testid="nav-history"]')).click();
  const chart = await $('[data-testid="day-chart"]');
  await chart.waitForExist({ timeout: 15000 });
  assert.ok(Number(await chart.getAttribute("data-days")) >= 7, "weeks of history are charted");
  await shot("36-history");
});
