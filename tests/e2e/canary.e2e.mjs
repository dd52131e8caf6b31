// K-4 in the web view: after a session that signs in (the demo person's delegated
// sign-in), isolates and releases, no secret or token is in the web view's storage —
// neither what the page can read (localStorage, sessionStorage, cookies, IndexedDB,
// Cache Storage) nor what WebKit wrote to disk under XDG_DATA_HOME / XDG_CACHE_HOME
// (scripts/e2e.sh points both at fresh folders). The canaries: the simulator's app
// secrets, any JWT (`eyJ…`), and the word `refresh_token`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { openDemo, waitFor } from "./session.mjs";

const CANARIES = ["demo-analyst-secret", "demo-reader-secret", "demo-automation-secret", "refresh_token", "eyJ"];
/** A JWT: base64url header and payload, each followed by a dot. */
const JWT = /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./;

let browser;
let simBase;

before(async () => {
  ({ browser, simBase } = await openDemo(["--demo"]));
});

after(async () => {
  if (browser) await browser.deleteSession();
});

/** Every regular file under `dir` (missing folder: none). */
function files(dir) {
  if (!dir || !fs.existsSync(dir)) return [];
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

test("no secret or token in the web view's storage after isolating and releasing", async () => {
  // Work that signs in and acts: isolate then release one online machine.
  await waitFor("machines", async () => (await browser.$$('[data-testid="machine-row"]')).length > 0, 60000).catch(() => true);
  const state = await (await fetch(`${simBase}/_sim/state`)).json();
  const m = state.machines.find((x) => x.online && !x.isolated);
  assert.ok(m, "an online machine that is not isolated");
  const invoke = (cmd, args) =>
    browser.executeAsync((c, a, done) => {
      window.__TAURI_INTERNALS__.invoke(c, a).then((v) => done({ ok: v }), (e) => done({ err: e }));
    }, cmd, args);
  const iso = await invoke("isolate", { request: { machineIds: [m.id], comment: "K-4 canary", isolationType: "Full" } });
  assert.ok(iso.ok, `isolate answered: ${JSON.stringify(iso)}`);
  const rel = await invoke("release", { request: { machineIds: [m.id], comment: "K-4 canary" } });
  assert.ok(rel.ok, `release answered: ${JSON.stringify(rel)}`);

  const seen = await browser.executeAsync((done) => {
    (async () => {
      const dump = [];
      for (const s of [localStorage, sessionStorage]) {
        for (let i = 0; i < s.length; i++) dump.push(s.key(i) + "=" + s.getItem(s.key(i)));
      }
      dump.push(document.cookie);
      try {
        const dbs = indexedDB.databases ? await indexedDB.databases() : [];
        dump.push(JSON.stringify(dbs));
      } catch (e) { dump.push("idb:" + e); }
      try {
        if (self.caches) dump.push(JSON.stringify(await caches.keys()));
      } catch (e) { dump.push("caches:" + e); }
      done(dump.join("\n"));
    })();
  });
  for (const c of CANARIES) {
    assert.ok(!seen.includes(c), `the page's storage holds no ${c}`);
  }
  // On disk, binary files (WebKit's caches, the GPU driver's shader cache) hold the
  // three bytes "eyJ" by chance: a token there is the JWT's shape, as the IPC tests
  // look for it (header, payload, a dot after each).
  const onDisk = [...files(process.env.XDG_DATA_HOME), ...files(process.env.XDG_CACHE_HOME)];
  for (const f of onDisk) {
    const bytes = fs.readFileSync(f);
    for (const c of CANARIES.filter((c) => c !== "eyJ")) {
      assert.equal(bytes.indexOf(Buffer.from(c)), -1, `${f} holds no ${c}`);
    }
    assert.doesNotMatch(bytes.toString("latin1"), JWT, `${f} holds no JWT`);
  }
});
