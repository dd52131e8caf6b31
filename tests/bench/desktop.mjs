// The desktop benchmark's WebDriver half (run by scripts/bench-desktop.sh, never by the
// e2e run or CI): the release app against mde-sim's scale tenant, through tauri-driver.
//
//   1. prepare: one session that waits until the first sync finished (the store is
//      then synced), closed;
//   2. measure: a relaunch on that store: launch → first rows painted (the UI's
//      `cordon:first-rows` mark), a typed search and the "Isolated now" filter (from
//      the input or click event to the new query's rows in the DOM), the grid's DOM
//      rows, the bytes the core sends the window over an idle sync round (the IPC
//      meter, ui/src/ipc/meter.ts), the memory of every process of the app after 60 s
//      idle, and the store's size on disk.
//
// Nothing here sleeps to measure: every figure is read from the page or /proc, and
// every wait polls a condition with a timeout.
import fs from "node:fs";
import path from "node:path";
import { remote } from "webdriverio";
import { waitFor } from "../e2e/session.mjs";

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`bench-desktop: ${k} is not set`);
  return v;
};
const APP = env("CORDON_BENCH_APP");
const PORT = Number(env("CORDON_BENCH_PORT"));
const DRIVER_PID = Number(env("CORDON_BENCH_DRIVER_PID"));
const SIM = env("CORDON_BENCH_SIM").replace(/\/$/, "");
const DATA_DIR = env("CORDON_DATA_DIR");
const MACHINES = Number(env("CORDON_BENCH_MACHINES"));
const CLK_TCK = Number(process.env.CORDON_BENCH_CLK_TCK || "100");
const SYNC_TIMEOUT_MS = Number(process.env.CORDON_BENCH_SYNC_TIMEOUT_S || "2400") * 1000;
const IDLE_MS = 60_000;

const log = (...a) => console.error("bench-desktop:", ...a);

// ---------------------------------------------------------------- /proc

/** pid → { ppid, comm } of every process now. */
function processes() {
  const out = new Map();
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const fields = stat.slice(close + 2).split(" ");
      out.set(Number(name), { ppid: Number(fields[1]), comm, starttime: Number(fields[19]) });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function descendants(root, procs = processes()) {
  const found = [];
  const queue = [root];
  while (queue.length) {
    const p = queue.shift();
    for (const [pid, info] of procs) {
      if (info.ppid === p) {
        found.push(pid);
        queue.push(pid);
      }
    }
  }
  return found;
}

/** The app under the driver (cordon-desktop), or undefined. */
function appPid() {
  const procs = processes();
  return descendants(DRIVER_PID, procs).find((pid) => procs.get(pid)?.comm === "cordon-desktop");
}

/** When `pid` started, in epoch ms (to the clock tick: 10 ms). */
function startedAtMs(pid) {
  const info = processes().get(pid);
  if (!info) throw new Error(`process ${pid} is gone`);
  const uptime = Number(fs.readFileSync("/proc/uptime", "utf8").split(" ")[0]);
  const now = Date.now();
  return now - (uptime - info.starttime / CLK_TCK) * 1000;
}

/** kB of a `Key:` line of smaps_rollup. */
function rollup(pid) {
  const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN);
  return { rss: kb("Rss"), pss: kb("Pss") };
}

// ---------------------------------------------------------------- simulator

async function simRequests() {
  const r = await fetch(`${SIM}/_sim/requests`);
  if (!r.ok) throw new Error(`GET /_sim/requests: ${r.status}`);
  return r.json();
}

// ---------------------------------------------------------------- WebDriver

async function session() {
  return remote({
    hostname: "127.0.0.1",
    port: PORT,
    logLevel: "warn",
    connectionRetryTimeout: 600_000,
    capabilities: {
      browserName: "wry",
      "tauri:options": { application: APP },
      "wdio:enforceWebDriverClassic": true,
    },
  });
}

async function closeSession(browser, pid) {
  await browser.deleteSession();
  await waitFor("the app to exit", () => !fs.existsSync(`/proc/${pid}`), 60_000);
}

const gridState = (browser) =>
  browser.execute(() => {
    const grid = document.querySelector('[data-testid="machine-grid"]');
    const sync = document.querySelector('[data-testid="synced-at"]');
    return {
      total: grid ? Number(grid.getAttribute("data-total")) : null,
      pending: grid?.getAttribute("data-pending") === "true",
      sync: sync?.getAttribute("data-sync") ?? null,
      rows: document.querySelectorAll('[data-testid="machine-row"]').length,
      pendingRows: document.querySelectorAll('[data-testid="machine-row-pending"]').length,
    };
  });

/** Session 1: the first sync into an empty store, to its end. */
export async function prepare() {
  const t0 = Date.now();
  const browser = await session();
  const pid = await waitFor("the app's process", appPid, 60_000);
  const nav = await browser.$('[data-testid="nav-machines"]');
  await nav.waitForExist({ timeout: 120_000 });
  await nav.click(); // the relaunch then opens on Machines
  let last = 0;
  await waitFor(
    `the first sync of ${MACHINES} machines`,
    async () => {
      const s = await gridState(browser);
      if (Date.now() - last > 30_000) {
        last = Date.now();
        log(`first sync: ${Math.round((Date.now() - t0) / 1000)} s, grid total ${s.total}, sync ${s.sync}`);
      }
      return s.sync === "ok" && s.total === MACHINES && !s.pending;
    },
    SYNC_TIMEOUT_MS,
    1000,
  );
  const took = Date.now() - t0;
  log(`first sync done in ${(took / 1000).toFixed(1)} s`);
  await closeSession(browser, pid);
  return took;
}

/**
 * Watches the page from now on: every input and click (capture phase, so first) and
 * every DOM change after which `cond` holds (its first moment of holding is kept).
 */
async function watch(browser, cond, arg) {
  await browser.execute(
    (cond, arg) => {
      const conditions = {
        search: (text) => {
          const grid = document.querySelector('[data-testid="machine-grid"]');
          if (!grid || grid.getAttribute("data-pending") === "true") return false;
          if (document.querySelector('[data-testid="machine-row-pending"]')) return false;
          const rows = [...grid.querySelectorAll('[data-testid="machine-row"]')];
          return rows.length > 0 && rows.every((r) => (r.textContent ?? "").toLowerCase().includes(text));
        },
        total: (n) => {
          const grid = document.querySelector('[data-testid="machine-grid"]');
          if (!grid || grid.getAttribute("data-pending") === "true") return false;
          if (document.querySelector('[data-testid="machine-row-pending"]')) return false;
          return Number(grid.getAttribute("data-total")) === n && grid.querySelectorAll('[data-testid="machine-row"]').length > 0;
        },
      };
      const w = { actions: [], hits: [], holding: false };
      const check = () => {
        const now = performance.now();
        const ok = conditions[cond](arg);
        if (ok && !w.holding) w.hits.push(now);
        w.holding = ok;
      };
      const act = () => w.actions.push(performance.now());
      document.addEventListener("input", act, true);
      document.addEventListener("click", act, true);
      const observer = new MutationObserver(check);
      observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
      w.stop = () => {
        observer.disconnect();
        document.removeEventListener("input", act, true);
        document.removeEventListener("click", act, true);
      };
      window.__benchWatch = w;
    },
    cond,
    arg,
  );
}

/** The watched change's latency: last input/click → first DOM state where `cond` held. */
async function watched(browser, what) {
  const r = await waitFor(
    what,
    () =>
      browser.execute(() => {
        const w = window.__benchWatch;
        const last = w.actions.at(-1);
        if (last === undefined || !w.holding) return null;
        const hit = w.hits.find((t) => t >= last);
        if (hit === undefined) return null;
        const calls = (window.__CORDON_BENCH__?.log ?? []).filter((e) => !e.event && e.start >= last);
        w.stop();
        return { ms: hit - last, firstCall: calls.length ? calls[0].start - last : null, inputs: w.actions.length };
      }),
    60_000,
    100,
  );
  return r;
}

function pad(s, n) {
  return String(s).padEnd(n);
}

/** Session 2: the relaunch on the synced store, measured. */
export async function measure(prepared) {
  const browser = await session();
  const pid = await waitFor("the app's process", appPid, 60_000);
  const startMs = startedAtMs(pid);

  // Launch → first rows: the UI's mark, read against the page's and the process's start.
  const mark = await waitFor(
    "the first rows (cordon:first-rows)",
    () =>
      browser.execute(() => {
        const e = performance.getEntriesByName("cordon:first-rows")[0];
        return e ? { at: e.startTime, origin: performance.timeOrigin } : null;
      }),
    600_000,
    100,
  );
  const paintFromProcess = mark.origin + mark.at - startMs;
  const paintFromPage = mark.at;
  await browser.execute(() => {
    window.__CORDON_BENCH__ = { bytes: 0, calls: 0, events: 0, log: [] };
  });
  const firstRows = await gridState(browser);

  // The launch's own sync round settles before the interactions are timed.
  await waitFor("the grid to settle after launch", async () => {
    const s = await gridState(browser);
    return s.sync === "ok" && !s.pending && s.total === MACHINES && s.pendingRows === 0 ? s : null;
  }, 300_000, 200);

  // A typed search: "-04242" names ten machines of a 100,000 fleet (names are
  // "<role>-<6 digits>"; ids are hex and IPs dotted, so only names match).
  const digits = String(Math.floor(MACHINES * 0.4242)).padStart(6, "0").slice(0, 5);
  const text = `-${digits}`;
  const search = await browser.$('[data-testid="search"]');
  await watch(browser, "search", text);
  await search.addValue(text);
  const typed = await watched(browser, `the rows of the search "${text}"`);
  const searchState = await gridState(browser);

  // Cleared again: the whole fleet.
  await watch(browser, "total", MACHINES);
  await browser.execute(() => {
    const input = document.querySelector('[data-testid="search"]');
    const el = input instanceof HTMLInputElement ? input : input?.querySelector("input");
    if (!el) throw new Error("no search box");
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set.call(el, "");
    el.dispatchEvent(new Event("input", { bubbles: true }));
  });
  const cleared = await watched(browser, "the rows of the whole fleet");

  // The "Isolated now" filter.
  const isolatedText = await (await browser.$('[data-testid="counter-isolated-value"]')).getText();
  const isolated = Number(isolatedText.replace(/\D/g, ""));
  await watch(browser, "total", isolated);
  await (await browser.$('[data-testid="filter-isolated-now"]')).click();
  const filtered = await watched(browser, `the ${isolated} isolated machines`);
  const filterState = await gridState(browser);

  // Back to every machine, scrolled to the middle: the DOM keeps a window of rows.
  await watch(browser, "total", MACHINES);
  await (await browser.$('[data-testid="filter-all"]')).click();
  await watched(browser, "the whole fleet again");
  await browser.execute(() => {
    const grid = document.querySelector('[data-testid="machine-grid"]');
    grid.scrollTop = grid.scrollHeight / 2;
    grid.dispatchEvent(new Event("scroll"));
  });
  const middle = await waitFor("the middle of the list", async () => {
    const s = await gridState(browser);
    return !s.pending && s.pendingRows === 0 && s.rows > 0 ? s : null;
  }, 60_000, 100);
  const domRows = Math.max(firstRows.rows + firstRows.pendingRows, searchState.rows, filterState.rows + filterState.pendingRows, middle.rows + middle.pendingRows);

  // Idle: no input from here. The window spans one sync round that lists the machines
  // (every 2 min) and ends when the next round starts (its predecessor is then merged).
  const idleStart = Date.now();
  const before = await browser.execute(() => ({ ...window.__CORDON_BENCH__, log: window.__CORDON_BENCH__.log.length }));
  const seen = (await simRequests()).length;
  const round = await waitFor(
    "an idle sync round (machines listed, then the next round)",
    async () => {
      const reqs = (await simRequests()).slice(seen).filter((r) => r.method === "GET");
      const listed = reqs.findIndex((r) => r.path === "/api/machines");
      if (listed < 0) return null;
      const after = reqs.slice(listed).filter((r) => r.path === "/api/machineactions");
      // The listing round's actions request, then the next round's.
      if (after.length < 2) return null;
      const paths = {};
      for (const r of reqs) paths[r.path] = (paths[r.path] ?? 0) + 1;
      return { requests: reqs.length, paths };
    },
    300_000,
    1000,
  );
  const idle = await browser.execute((from) => {
    const m = window.__CORDON_BENCH__;
    const entries = m.log.slice(from);
    const events = {};
    for (const e of entries.filter((e) => e.event)) {
      const k = (events[e.event] ??= { n: 0, bytes: 0 });
      k.n += 1;
      k.bytes += e.bytes;
    }
    const answers = entries.filter((e) => !e.event).map((e) => e.bytes).sort((a, b) => b - a);
    return { bytes: entries.reduce((s, e) => s + e.bytes, 0), calls: answers.length, events: entries.length - answers.length, byEvent: events, largest: answers.slice(0, 8) };
  }, before.log);
  const idleSecs = (Date.now() - idleStart) / 1000;

  // Memory after at least 60 s idle, every process of the app.
  await waitFor("60 s idle", () => Date.now() - idleStart >= IDLE_MS, IDLE_MS + 10_000, 500);
  const procs = processes();
  const tree = [pid, ...descendants(pid, procs)];
  const mem = tree.map((p) => ({ pid: p, comm: procs.get(p)?.comm ?? "?", ...rollup(p) }));
  const memIdleSecs = (Date.now() - idleStart) / 1000;
  const pss = mem.reduce((s, m) => s + m.pss, 0) / 1024;
  const rss = mem.reduce((s, m) => s + m.rss, 0) / 1024;

  await closeSession(browser, pid);

  // The store on disk (the database and its write-ahead log).
  const files = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(db|sqlite|sqlite3)(-wal)?$/.test(e.name)) files.push({ name: path.relative(DATA_DIR, p), bytes: fs.statSync(p).size });
    }
  };
  walk(DATA_DIR);
  const live = files.filter((f) => !f.name.split(path.sep).includes("backups"));
  const storeMb = live.reduce((s, f) => s + f.bytes, 0) / 1e6;

  const ms = (v) => (v === null || v === undefined ? "–" : `${Math.round(v)} ms`);
  const rows = [
    ["launch → first rows painted (from process start)", ms(paintFromProcess), "≤ 1.5 s", paintFromProcess <= 1500],
    ["  the same, from the page's navigation start", ms(paintFromPage), "", null],
    [`typed search "${text}" → its ${searchState.total} rows (incl. the 150 ms debounce)`, ms(typed.ms), "≤ 100 ms", typed.ms <= 100],
    ["  of which: core + render after the debounce fired", ms(typed.firstCall === null ? null : typed.ms - typed.firstCall), "", null],
    [`search cleared → ${MACHINES} rows (incl. debounce)`, ms(cleared.ms), "≤ 100 ms", cleared.ms <= 100],
    [`"Isolated now" filter → its ${filterState.total} rows`, ms(filtered.ms), "≤ 100 ms", filtered.ms <= 100],
    [`DOM rows in the grid (max of top, search, filter, middle of ${MACHINES})`, String(domRows), "bounded (< 100)", domRows < 100],
    [`IPC bytes, idle sync round (${idle.calls} calls, ${idle.events} events, ${idleSecs.toFixed(0)} s)`, `${(idle.bytes / 1024).toFixed(1)} KB`, "≤ 10 KB", idle.bytes <= 10 * 1024],
    [`memory after ${memIdleSecs.toFixed(0)} s idle (≥ 60), ${mem.length} processes: PSS`, `${pss.toFixed(0)} MB`, "≤ 250 MB", pss <= 250],
    ["  RSS (summed; shared pages counted in each)", `${rss.toFixed(0)} MB`, "", null],
    ["store on disk (db + wal; backups apart, below)", `${storeMb.toFixed(1)} MB`, "", null],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const lines = [
    `| ${pad("measure", w0)} | figure | target | met |`,
    `|${"-".repeat(w0 + 2)}|---|---|---|`,
    ...rows.map(([a, b, c, d]) => `| ${pad(a, w0)} | ${b} | ${c} | ${d === null ? "" : d ? "yes" : "**no**"} |`),
  ];
  console.log(lines.join("\n"));
  console.log("");
  console.log(`first sync into an empty store (prepare): ${(prepared / 1000).toFixed(1)} s`);
  console.log("processes: " + mem.map((m) => `${m.comm}[${m.pid}] PSS ${(m.pss / 1024).toFixed(0)} MB RSS ${(m.rss / 1024).toFixed(0)} MB`).join("; "));
  console.log("store files: " + files.map((f) => `${f.name} ${(f.bytes / 1e6).toFixed(1)} MB`).join("; "));
  console.log(`idle window: ${round.requests} simulator requests (${Object.entries(round.paths).map(([p, n]) => `${p} ×${n}`).join(", ")})`);
  console.log(`idle IPC: events ${Object.entries(idle.byEvent).map(([k, v]) => `${k} ×${v.n} ${(v.bytes / 1024).toFixed(1)} KB`).join(", ") || "none"}; largest answers (bytes) ${idle.largest.join(", ") || "none"}`);
}

const prepared = await prepare();
await measure(prepared);
