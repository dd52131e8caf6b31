// Builds the `cordon` command line and puts it where Tauri's `bundle > externalBin`
// (tauri.windows.conf.json) looks for it: src-tauri/binaries/cordon-<target triple>.exe.
// The installers then ship it next to the app, and the NSIS installer puts that folder
// on the user's PATH (src-tauri/windows/installer-hooks.nsh).
//
// Run on Windows by `npx tauri build` (beforeBuildCommand, every time) and `npx tauri
// dev` (beforeDevCommand, with --if-missing: only when nothing is staged yet, so the
// dev server starts at once). Tauri's build script copies the staged file when the app
// is compiled, so it must exist before then, also for a plain `cargo build` of the app
// on Windows (run this script once first). The Linux cross-build stages its own copy
// (scripts/windows-build.sh). Release profile unless Tauri builds a debug app.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const host = /^host: (\S+)$/m.exec(execFileSync("rustc", ["-vV"], { encoding: "utf8" }))?.[1];
if (!host) throw new Error("stage-cli: `rustc -vV` names no host triple");
const triple = process.env.TAURI_ENV_TARGET_TRIPLE || host;
const profile = process.env.TAURI_ENV_DEBUG === "true" ? "debug" : "release";
const exe = triple.includes("windows") ? ".exe" : "";
const dir = join("src-tauri", "binaries");
const staged = join(dir, `cordon-${triple}${exe}`);
if (process.argv.includes("--if-missing") && existsSync(staged)) {
  console.log(`stage-cli: ${staged} is there (delete it, or run without --if-missing, to rebuild)`);
  process.exit(0);
}

const args = ["build", "--locked", "-p", "cordon-cli"];
if (profile === "release") args.push("--release");
if (triple !== host) args.push("--target", triple);
execFileSync("cargo", args, { stdio: "inherit" });

const targetDir = process.env.CARGO_TARGET_DIR || "target";
const built = join(targetDir, ...(triple === host ? [] : [triple]), profile, `cordon${exe}`);
mkdirSync(dir, { recursive: true });
copyFileSync(built, staged);
console.log(`stage-cli: ${built} -> ${staged}`);
