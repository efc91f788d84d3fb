#!/usr/bin/env node
// Makes sure a Chromium is installed for the review-page test (test/review.test.ts), which drives a
// real headless Chromium with playwright-core.
//
//   node scripts/ensure-chromium.mjs
//
// Looks for $KERAS2TORCH_CHROMIUM, then `chromium`, `chromium-browser`, `google-chrome` on PATH. When
// none is there and this runs as root on a Debian-like system, installs Debian's `chromium` package with
// apt-get (running `apt-get update` first if the package is not known yet). Otherwise it exits non-zero
// and says how to install one. `npm test` runs it before the tests.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

/** The path of a Chromium executable, or null. */
export function findChromium() {
  const own = process.env.KERAS2TORCH_CHROMIUM;
  if (own && existsSync(own)) return own;
  for (const name of NAMES) {
    const r = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
    const path = r.status === 0 ? r.stdout.trim() : "";
    if (path) return path;
  }
  return null;
}

function aptInstall() {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () => spawnSync("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], { stdio: "inherit", env }).status === 0;
  if (install()) return true;
  if (spawnSync("apt-get", ["update"], { stdio: "inherit", env }).status !== 0) return false;
  return install();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  let found = findChromium();
  if (!found) {
    const root = typeof process.getuid === "function" && process.getuid() === 0;
    const apt = spawnSync("sh", ["-c", "command -v apt-get"]).status === 0;
    if (root && apt) {
      console.error("ensure-chromium: no Chromium found; installing Debian's chromium package");
      if (aptInstall()) found = findChromium();
    }
    if (!found) {
      console.error(
        "ensure-chromium: no Chromium found, and it could not be installed here.\n" +
          "Install one (Debian/Ubuntu: `sudo apt-get install chromium`) or set KERAS2TORCH_CHROMIUM to its executable.",
      );
      process.exit(1);
    }
  }
  console.error(`ensure-chromium: ${found}`);
}
