// Automation end to end, on the demo tenant (signed in as the Demo Analyst, a person):
// the analyst switches the isolation rule to automatic with K = 5 isolations per
// window, confirming after the dry-run record; a High alert storm hits 30 machines;
// "Run now" isolates exactly 5 and queues 25, and the breaker opens. The analyst
// approves two of the queued machines (the rule proposed them: a person decides) and
// they are isolated. The simulator's ledger shows the 7 isolations; the audit log lists the rule's, the breaker's and the
// approvals' entries. The simulator's own records (/_sim/…) are the truth.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { openDemo, screenshot, waitFor } from "./session.mjs";

const LEAD = "lead@contoso.example";
const STORM = 30;
const K = 5;

let browser;
let simBase;

const $ = (sel) => browser.$(sel);
const $$ = (sel) => browser.$$(sel);

async function sim(pathname, body) {
  const res = await fetch(`${simBase}${pathname}`, body === undefined ? {} : {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.ok(res.ok, `${pathname}: ${res.status}`);
  return res.json();
}

/** Clicks through the DOM (Fluent's radios and checkboxes hide their inputs). */
const click = async (el) => browser.execute((e) => e.click(), el);

async function shot(name) {
  await browser.pause(800);
  await screenshot(browser, name);
}

before(async () => {
  ({ browser, simBase } = await openDemo(["--demo"]));
  await waitFor("first sync", async () => {
    const shown = Number((await (await $('[data-testid="counter-isolated-value"]')).getText()).trim());
    return shown > 0 && shown === (await sim("/_sim/state")).isolatedCount;
  });
  // The screenshot in the README is of a laptop-sized window.
  await browser.setWindowSize(1366, 768).catch(() => {});
});

after(async () => {
  if (browser) await browser.deleteSession();
});

/** The waiting proposals shown in the queue: [{id, machine, by}]. */
async function queueRows() {
  const out = [];
  for (const r of await $$('[data-testid="proposal-row"]')) {
    out.push({
      el: r,
      id: await r.getAttribute("data-proposal-id"),
      machine: (await r.getAttribute("data-machine-id")).toLowerCase(),
      by: await r.getAttribute("data-proposed-by"),
    });
  }
  return out;
}

test("automatic with K = 5: a 30-machine storm isolates 5, queues 25, opens the breaker; approvals and the audit log follow", async () => {
  const actionsAtStart = (await sim("/_sim/state")).actionCount;
  await (await $('[data-testid="nav-automation"]')).click();
  await (await $('[data-testid="rule-status"]')).waitForExist({ timeout: 20000 });
  assert.equal(await (await $('[data-testid="rule-status"]')).getAttribute("data-mode"), "dry-run", "the demo starts in dry run");

  // The demo's lead proposed two isolations; the badge counts them.
  const leads = await waitFor("the lead's two proposals", async () => {
    const rows = (await queueRows()).filter((r) => r.by === LEAD);
    return rows.length === 2 ? rows : false;
  }, 30000);
  assert.equal(await (await $('[data-testid="nav-automation-badge"]')).getText(), "2");

  // Take in what arrived since the demo's week of dry run (still in dry run).
  await (await $('[data-testid="run-now"]')).click();
  await (await $('[data-testid="run-result"]')).waitForExist({ timeout: 20000 });

  // Automatic, K = 5, confirmed after the dry-run record.
  await click(await $('[data-testid="rule-mode-automatic"]'));
  const k = await $('[data-testid="rail-maxPerWindow"]');
  await k.clearValue();
  await k.setValue(String(K));
  await (await $('[data-testid="rule-save"]')).click();
  const dialog = await $('[data-testid="promotion-dialog"]');
  await dialog.waitForDisplayed({ timeout: 10000 });
  const record = await (await $('[data-testid="promotion-record"]')).getText();
  assert.match(record, /would have isolated \d+, queued \d+, skipped \d+ in the last \d+ days? \(\d+ evaluations\)/);
  assert.ok(Number(await (await $('[data-testid="promotion-record"]')).getAttribute("data-would-isolate")) > 0, record);
  await shot("60-automation-confirm");
  await (await $('[data-testid="promotion-confirm"]')).click();
  await waitFor("the rule is automatic", async () =>
    (await (await $('[data-testid="rule-status"]')).getAttribute("data-mode")) === "automatic", 15000);

  // The storm: High alerts on 30 online machines, neither isolated nor busy nor proposed.
  const busy = new Set(
    (await sim("/_sim/actions"))
      .filter((a) => a.status === "Pending" || a.status === "InProgress")
      .map((a) => a.machineId.toLowerCase()),
  );
  const proposed = new Set(leads.map((r) => r.machine));
  const targets = (await sim("/_sim/state")).machines
    .filter((m) => m.online && !m.isolated && !busy.has(m.id.toLowerCase()) && !proposed.has(m.id.toLowerCase()))
    .slice(0, STORM)
    .map((m) => m.id.toLowerCase());
  assert.equal(targets.length, STORM);
  const raised = await sim(
    "/_sim/alerts",
    targets.map((machineId) => ({ machineId, severity: "High", title: "Beaconing to a known command and control host", detectorId: "cordon-e2e-storm" })),
  );
  assert.equal(raised.alerts.length, STORM);
  const ours = new Set(raised.alerts);

  await (await $('[data-testid="run-now"]')).click();
  const decisions = await waitFor("the storm's decisions", async () => {
    const out = [];
    for (const d of await $$('[data-testid="run-decision"]')) {
      if (ours.has(await d.getAttribute("data-alert-id"))) out.push(await d.getAttribute("data-decision"));
    }
    return out.length === STORM ? out : false;
  }, 30000);
  assert.equal(decisions.filter((d) => d === "isolated").length, K, decisions.join(","));
  assert.equal(decisions.filter((d) => d === "queued").length, STORM - K, decisions.join(","));
  await waitFor("the breaker shown open", async () =>
    (await (await $('[data-testid="breaker"]')).getAttribute("data-open")) === "true", 15000);
  assert.match(await (await $('[data-testid="breaker-reason"]')).getText(), /wait for approval/);
  await waitFor("the queue and the badge grow", async () => (await queueRows()).length === 2 + STORM - K, 20000);
  assert.equal(await (await $('[data-testid="nav-automation-badge"]')).getText(), String(2 + STORM - K));
  await shot("61-automation-storm");

  // Two of the storm's queued machines: approved by the analyst (a person; the rule
  // proposed them, so four eyes hold), then isolated.
  const rows = await queueRows();
  const picked = rows.filter((r) => targets.includes(r.machine)).slice(0, 2);
  assert.equal(picked.length, 2, "two queued storm machines are in the queue");
  for (const r of picked) await click(await (await $(`[data-proposal-id="${r.id}"]`)).$('[data-testid="proposal-check"]'));
  const comment = await $('[data-testid="verdict-comment"]');
  await comment.clearValue();
  await comment.setValue("Approved: beaconing confirmed");
  await (await $('[data-testid="approve-selected"]')).click();
  await waitFor("2 approved", async () => /^2 approved/.test(await (await $('[data-testid="verdict-summary"]')).getText()), 15000);
  const journey = new Set(targets);
  const isolations = await waitFor("7 isolations sent and done", async () => {
    const acts = (await sim(`/_sim/actions?since=${actionsAtStart}`)).filter(
      (a) => a.type === "Isolate" && journey.has(a.machineId.toLowerCase()),
    );
    return acts.length === K + 2 && acts.every((a) => a.status === "Succeeded") ? acts : false;
  }, 60000);
  const isolatedNow = new Set((await sim("/_sim/state")).machines.filter((m) => m.isolated).map((m) => m.id.toLowerCase()));
  for (const r of picked) assert.ok(isolatedNow.has(r.machine), `the approved ${r.machine} is isolated`);
  assert.equal(isolations.length, 7);
  await waitFor("the queue shrinks", async () => (await queueRows()).length === STORM - K, 20000);
  await browser.execute(() => document.querySelector("main")?.scrollTo(0, 0));
  await shot("62-automation");

  // The audit log tells the story.
  await (await $('[data-testid="nav-audit"]')).click();
  const filter = await $('[data-testid="audit-filter"]');
  await filter.waitForExist({ timeout: 10000 });
  for (const event of ["rule.isolated", "rule.queued", "breaker.opened", "approval.approved"]) {
    await filter.clearValue();
    await filter.setValue(event);
    // Read in the page at once: the log refreshes while the filter settles, and element
    // by element a re-render can take a row away mid-read.
    await waitFor(`audit entries ${event}`, async () => {
      const events = await browser.execute(() =>
        [...document.querySelectorAll('[data-testid="audit-row"]')].map((r) => r.getAttribute("data-event")),
      );
      return events.length > 0 && events.every((e) => e === event);
    }, 15000);
  }
  await shot("63-automation-audit");
});
