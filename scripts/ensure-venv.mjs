#!/usr/bin/env node
// Creates or reuses the Python virtual environment used by the golden tests.
//
//   node scripts/ensure-venv.mjs [--venv DIR] [--requirements FILE] [--python EXE]
//
// Defaults: DIR = <repo>/.venv (git-ignored), FILE = scripts/python-requirements.txt, EXE = $PYTHON or python3.
// KERAS2TORCH_VENV overrides the default DIR.
//
// - No venv: `python -m venv DIR`, then `pip install -r FILE` (PIP_RETRIES=0 so an unreachable index
//   fails at once instead of retrying for minutes).
// - A venv whose stamp (DIR/.keras2torch-requirements.sha256) holds the hash of FILE: reused as is.
// - A venv without a matching stamp: the installed versions are compared with the pins; if they all
//   match, the stamp is written and the venv reused; otherwise `pip install -r FILE` brings it in line.
// Exits non-zero with a message on stderr when anything fails.

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync, renameSync, statfsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const STAMP_NAME = ".keras2torch-requirements.sha256";

function parseArgs(argv) {
  const opts = {
    venv: process.env.KERAS2TORCH_VENV
      ? path.resolve(process.env.KERAS2TORCH_VENV)
      : path.join(repoRoot, ".venv"),
    requirements: path.join(repoRoot, "scripts", "python-requirements.txt"),
    python: process.env.PYTHON || "python3",
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) fail(`missing value after ${a}`);
      return argv[++i];
    };
    if (a === "--venv") opts.venv = path.resolve(next());
    else if (a === "--requirements") opts.requirements = path.resolve(next());
    else if (a === "--python") opts.python = next();
    else if (a === "-h" || a === "--help") {
      console.log("usage: node scripts/ensure-venv.mjs [--venv DIR] [--requirements FILE] [--python EXE]");
      process.exit(0);
    } else fail(`unknown argument: ${a}`);
  }
  return opts;
}

function log(msg) {
  console.log(`[ensure-venv] ${msg}`);
}

function fail(msg) {
  console.error(`[ensure-venv] ERROR: ${msg}`);
  process.exit(1);
}

function venvPython(venv) {
  return process.platform === "win32"
    ? path.join(venv, "Scripts", "python.exe")
    : path.join(venv, "bin", "python");
}

/** Parses `name==version` lines; anything else (comments, blanks) is ignored, other specifiers rejected. */
function readPins(file) {
  const pins = [];
  for (const raw of readFileSync(file, "utf8").split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, "").trim();
    if (!line) continue;
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;]+)$/.exec(line);
    if (!m) fail(`${file}: every requirement must be pinned exactly as name==version, got: ${line}`);
    pins.push({ name: m[1], version: m[2] });
  }
  return pins;
}

function run(cmd, args, { env, capture } = {}) {
  const r = spawnSync(cmd, args, {
    env: env ?? process.env,
    stdio: capture ? ["ignore", "pipe", "pipe"] : "inherit",
    encoding: "utf8",
  });
  return r;
}

const PIP_ENV = {
  ...process.env,
  PIP_RETRIES: "0",
  PIP_DISABLE_PIP_VERSION_CHECK: "1",
  PIP_NO_INPUT: "1",
  // The installed venv is what takes the disk; a second copy of every wheel in pip's cache would not help.
  PIP_NO_CACHE_DIR: "1",
};

// What the pinned packages take once installed (TensorFlow 1.3 GB, torch 0.75 GB, the rest 0.45 GB), plus
// room for pip's unpacking.
const VENV_BYTES_NEEDED = 3 * 1024 ** 3;

/** Free bytes on the file system that holds `dir` (or its nearest existing parent), or null if unknown. */
function freeBytes(dir) {
  let d = dir;
  while (!existsSync(d) && path.dirname(d) !== d) d = path.dirname(d);
  try {
    const s = statfsSync(d);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

const gib = (bytes) => `${(bytes / 1024 ** 3).toFixed(1)} GB`;

/** Returns the list of pins that the venv's installed packages do not satisfy (empty = all match). */
function mismatchedPins(py, pins) {
  const code = `
import json, sys, importlib.metadata as md
out = {}
for name in json.loads(sys.argv[1]):
    try:
        out[name] = md.version(name)
    except md.PackageNotFoundError:
        out[name] = None
print(json.dumps(out))
`;
  const r = run(py, ["-c", code, JSON.stringify(pins.map((p) => p.name))], { capture: true });
  if (r.status !== 0) {
    return pins.map((p) => ({ ...p, installed: `(cannot query: ${(r.stderr || r.error || "").toString().trim()})` }));
  }
  const installed = JSON.parse(r.stdout.trim().split("\n").pop());
  const bad = [];
  for (const p of pins) {
    const v = installed[p.name];
    // A local version label (torch 2.13.0+cpu) satisfies `==2.13.0`, as in pip.
    if (v == null || v.replace(/\+.*$/, "") !== p.version.replace(/\+.*$/, "")) {
      bad.push({ ...p, installed: v });
    }
  }
  return bad;
}

function writeStamp(stampPath, hash) {
  const tmp = `${stampPath}.tmp-${process.pid}`;
  writeFileSync(tmp, `${hash}\n`);
  renameSync(tmp, stampPath);
}

function pipInstall(py, requirements, venv) {
  const free = freeBytes(venv);
  log(
    `installing ${path.relative(process.cwd(), requirements) || requirements} (PIP_RETRIES=0); ` +
      `${free === null ? "free disk space unknown" : `${gib(free)} free`}, about ${gib(VENV_BYTES_NEEDED)} needed...`,
  );
  const t0 = Date.now();
  const r = run(py, ["-m", "pip", "install", "-r", requirements], { env: PIP_ENV });
  if (r.error) fail(`could not run pip: ${r.error.message}`);
  if (r.status !== 0) {
    // pip deletes its unpacked files when it fails, so the space free before it started is what tells.
    if (free !== null && free < VENV_BYTES_NEEDED) {
      fail(
        `pip install -r ${requirements} failed (exit ${r.status}) with ${gib(free)} free on the disk that holds ` +
          `${venv}; the pinned packages need about ${gib(VENV_BYTES_NEEDED)}. Free some space, or set KERAS2TORCH_VENV ` +
          "to a folder on a larger disk.",
      );
    }
    fail(
      `pip install -r ${requirements} failed (exit ${r.status}). ` +
        "The pinned wheels must be reachable: a package index, or a local wheel store configured for pip " +
        "(PIP_FIND_LINKS / pip.conf).",
    );
  }
  log(`pip install finished in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(opts.requirements)) fail(`requirements file not found: ${opts.requirements}`);
  const reqText = readFileSync(opts.requirements);
  const hash = createHash("sha256").update(reqText).digest("hex");
  const pins = readPins(opts.requirements);
  const py = venvPython(opts.venv);
  const stampPath = path.join(opts.venv, STAMP_NAME);

  let created = false;
  if (!existsSync(py)) {
    const verb = existsSync(opts.venv) ? "recreating (no Python interpreter inside)" : "creating";
    log(`${verb} venv at ${opts.venv} with ${opts.python}`);
    const args = ["-m", "venv"];
    if (existsSync(opts.venv)) args.push("--clear");
    args.push(opts.venv);
    const r = run(opts.python, args);
    if (r.error) fail(`could not run ${opts.python}: ${r.error.message}. Set PYTHON to a Python 3 interpreter.`);
    if (r.status !== 0 || !existsSync(py)) fail(`${opts.python} -m venv ${opts.venv} failed (exit ${r.status})`);
    created = true;
  }

  // The interpreter must run (a venv copied from another machine may point at a missing base Python).
  const probe = run(py, ["-c", "import sys; print(sys.version.split()[0])"], { capture: true });
  if (probe.status !== 0) {
    fail(
      `the venv interpreter ${py} does not run: ${(probe.stderr || probe.error || "").toString().trim()}. ` +
        `Delete ${opts.venv} and run this script again.`,
    );
  }
  const pyVersion = probe.stdout.trim();

  if (!created && existsSync(stampPath) && readFileSync(stampPath, "utf8").trim() === hash) {
    log(`reusing venv at ${opts.venv} (Python ${pyVersion}; stamp matches the requirements)`);
    return;
  }

  if (!created) {
    const bad = mismatchedPins(py, pins);
    if (bad.length === 0) {
      writeStamp(stampPath, hash);
      log(`reusing venv at ${opts.venv} (Python ${pyVersion}; all ${pins.length} pins installed; stamp written)`);
      return;
    }
    log(
      `venv at ${opts.venv} does not match the pins: ` +
        bad.map((b) => `${b.name}==${b.version} (installed: ${b.installed ?? "none"})`).join(", "),
    );
  }

  pipInstall(py, opts.requirements, opts.venv);
  const bad = mismatchedPins(py, pins);
  if (bad.length > 0) {
    fail(
      "after pip install, these pins are still not satisfied: " +
        bad.map((b) => `${b.name}==${b.version} (installed: ${b.installed ?? "none"})`).join(", "),
    );
  }
  writeStamp(stampPath, hash);
  log(`${created ? "created" : "updated"} venv at ${opts.venv} (Python ${pyVersion}; ${pins.length} pins installed)`);
}

main();
