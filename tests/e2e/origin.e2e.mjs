// T-6 at run time: a page served from loopback under another host name
// (`cordon-t6.test`, an /etc/hosts entry scripts/e2e.sh makes) cannot call a command
// of the app. The page tries `invoke("app_info")` and reports what happened to the
// loopback server that serves it; the server must hear no successful call (two layers
// stop it: the navigation lock keeps the page out of the window, and the app's
// capabilities grant commands to the app's own origin only). The positive control:
// the same call from the app's own page answers, so the test can fail.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import dns from "node:dns/promises";
import { openDemo, waitFor } from "./session.mjs";

const HOST = "cordon-t6.test";

let browser;
let server;
let port;
const beacons = [];

const PAGE = `<!doctype html><html><body><p id="t6">t6</p><script>
  const report = (what) => fetch("/beacon?what=" + encodeURIComponent(what)).catch(() => {});
  report("loaded");
  try {
    const ipc = window.__TAURI_INTERNALS__;
    if (!ipc) { report("no-ipc"); }
    else ipc.invoke("app_info").then(
      (v) => report("invoked:" + JSON.stringify(v).slice(0, 80)),
      (e) => report("refused:" + String(e).slice(0, 120)));
  } catch (e) { report("threw:" + String(e).slice(0, 120)); }
</script></body></html>`;

before(async () => {
  const resolved = await dns.lookup(HOST).catch(() => null);
  assert.ok(resolved && resolved.address === "127.0.0.1", `${HOST} resolves to 127.0.0.1 (scripts/e2e.sh adds it to /etc/hosts)`);
  server = http.createServer((req, res) => {
    const url = new URL(req.url, `http://${HOST}`);
    if (url.pathname === "/beacon") {
      beacons.push(url.searchParams.get("what"));
      res.writeHead(204).end();
    } else {
      res.writeHead(200, { "content-type": "text/html" }).end(PAGE);
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  port = server.address().port;
  ({ browser } = await openDemo(["--demo"]));
});

after(async () => {
  if (browser) await browser.deleteSession();
  if (server) server.close();
});

test("the app's own page may call a command (positive control)", async () => {
  const info = await browser.executeAsync((done) => {
    window.__TAURI_INTERNALS__.invoke("app_info").then((v) => done({ ok: v }), (e) => done({ err: String(e) }));
  });
  assert.ok(info.ok, `app_info answers from the app's origin: ${JSON.stringify(info)}`);
  assert.equal(info.ok.demo, true);
});

test("a page under another host name cannot call a command", async () => {
  const foreign = `http://${HOST}:${port}/`;
  // The navigation may be refused (the lock) or time out in the driver: either way
  // the app must not end up running that page with access to its commands.
  await Promise.race([
    browser.url(foreign).catch(() => {}),
    new Promise((r) => setTimeout(r, 8000)),
  ]);
  // Give a loaded page time to report.
  await new Promise((r) => setTimeout(r, 3000));
  const invoked = beacons.filter((b) => b && b.startsWith("invoked:"));
  assert.deepEqual(invoked, [], `no command answered the foreign page (beacons: ${JSON.stringify(beacons)})`);
  const where = await browser.getUrl();
  assert.ok(!where.includes(HOST) || beacons.every((b) => !b.startsWith("invoked")), `the window stays on the app (${where}, beacons ${JSON.stringify(beacons)})`);
  // The app itself still answers after the attempt.
  await waitFor("the app's page", async () => {
    const r = await browser.executeAsync((done) => {
      const ipc = window.__TAURI_INTERNALS__;
      if (!ipc) return done(false);
      ipc.invoke("app_info").then(() => done(true), () => done(false));
    });
    return r;
  }, 15000);
});
