// Settings end to end: a read-only profile (the simulator's reader app) is added on
// the in-app demo simulator, its connection test shows read permissions only, and once
// in use the Machines drawer offers no isolate/release and says why. Secrets are kept
// in memory, chosen explicitly with --demo --secret-store=memory (and stated as such).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { openDemo, screenshot, waitFor } from "./session.mjs";

const TENANT = "11111111-1111-1111-1111-111111111111";
const READER = "33333333-3333-3333-3333-333333333333";
const READER_SECRET = "demo-reader-secret";
const NAME = "Reader (e2e)";
let browser;
let simBase;

const $ = (sel) => browser.$(sel);
const $$rows = async () => (await browser.$$('[data-testid="machine-row"]')).length;
const row = () => $(`[data-testid="profile-row"][data-name="${NAME}"]`);

const shot = (name) => screenshot(browser, name);

before(async () => {
  ({ browser, simBase } = await openDemo(["--demo", "--secret-store=memory"]));
  assert.match(simBase, /^http:\/\/127\.0\.0\.1:\d+$/);
});

after(async () => {
  if (browser) await browser.deleteSession();
});

test("a read-only profile is added, tested and shows read permissions only", async () => {
  await (await $('[data-testid="nav-settings"]')).click();
  await (await $('[data-testid="settings-view"]')).waitForDisplayed({ timeout: 10000 });
  const storage = await $('[data-testid="secret-storage"]');
  assert.equal(await storage.getAttribute("data-kind"), "memory");
  assert.match(await storage.getText(), /in-memory \(demo\)/);
  assert.ok(await (await $('[data-testid="demo-entry"] [data-testid="active-badge"]')).isExisting(), "the demo is in use");

  // Validation first: nothing is saved without a tenant id.
  await (await $('[data-testid="profile-name"]')).setValue(NAME);
  await (await $('[data-testid="profile-save"]')).click();
  await (await $('[data-testid="field-error-tenantId"]')).waitForDisplayed({ timeout: 5000 });

  await (await $('[data-testid="profile-cloud"]')).selectByAttribute("value", "custom");
  await (await $('[data-testid="profile-tenant"]')).setValue(TENANT);
  await (await $('[data-testid="profile-client"]')).setValue(READER);
  await (await $('[data-testid="profile-authority"]')).setValue(simBase);
  await (await $('[data-testid="profile-api-base"]')).setValue(simBase);
  // Browser sign-in is the default; an app secret is an explicit choice.
  await browser.execute(() => document.querySelector('[data-testid="auth-mode-clientSecret"]').click());
  await (await $('[data-testid="profile-secret"]')).waitForExist({ timeout: 5000 });
  await (await $('[data-testid="profile-secret"]')).setValue(READER_SECRET);
  await (await $('[data-testid="profile-save"]')).click();

  await (await row()).waitForExist({ timeout: 10000 });
  assert.equal(await (await (await row()).$('[data-testid="profile-credential"]')).getText(), "A secret is stored");
  assert.ok(!(await (await $('[data-testid="profile-secret"]')).isExisting()), "the form forgets the secret (back to browser sign-in)");
  assert.equal(await (await $('[data-testid="profile-name"]')).getValue(), "", "the form is cleared");
  const html = await browser.getPageSource();
  assert.ok(!html.includes(READER_SECRET), "the secret is nowhere in the page");

  await (await (await row()).$('[data-testid="profile-test"]')).click();
  const verdict = await (await row()).$('[data-testid="connection-verdict"]');
  await verdict.waitForDisplayed({ timeout: 30000 });
  assert.match(await verdict.getText(), /Read-only/);
  const badges = await (await row()).$$('[data-testid="permission"]');
  const perms = [];
  for (const b of badges) perms.push(await b.getText());
  assert.ok(perms.includes("Machine.Read.All"), perms.join(","));
  assert.ok(!perms.includes("Machine.Isolate"), perms.join(","));
  await shot("20-settings");
});

test("in use, the read-only profile hides release and says why", async () => {
  await (await (await row()).$('[data-testid="profile-use"]')).click();
  await waitFor("the profile is in use", async () => (await row()).$('[data-testid="active-badge"]').then((b) => b.isExisting()), 15000);
  await waitFor("the header names the profile", async () =>
    (await (await $('[data-testid="tenant-label"]')).getText()) === NAME, 15000);

  await (await $('[data-testid="nav-machines"]')).click();
  assert.ok(!(await (await $('[data-testid="demo-banner"]')).isExisting()), "no demo banner on a profile");
  const filter = await $('[data-testid="filter-isolated-now"]');
  await filter.waitForDisplayed({ timeout: 30000 });
  await waitFor("the reader's first sync", async () => (await $$rows()) > 0);
  await filter.click();
  const isolated = await waitFor("an isolated machine is listed", async () => {
    const r = await $('[data-testid="machine-row"][data-state="isolated"]');
    return (await r.isExisting()) ? r : false;
  });
  await isolated.click();
  await (await $('[data-testid="machine-detail"]')).waitForDisplayed({ timeout: 10000 });
  const note = await $('[data-testid="no-permission"]');
  await note.waitForDisplayed({ timeout: 30000 });
  assert.match(await note.getText(), /lacks Machine\.Isolate: it is read-only/);
  assert.ok(!(await (await $('[data-testid="action-release"]')).isExisting()), "no release button");
  assert.ok(!(await (await $('[data-testid="action-isolate"]')).isExisting()), "no isolate button");
  await shot("21-readonly");
  await (await $('[data-testid="close-detail"]')).click();
  await filter.click();

  // Back to the demo tenant: the analyst app may act again.
  await (await $('[data-testid="nav-settings"]')).click();
  await (await $('[data-testid="use-demo"]')).click();
  await waitFor("the demo is in use again", async () =>
    (await $('[data-testid="demo-entry"] [data-testid="active-badge"]')).isExisting(), 15000);
});
