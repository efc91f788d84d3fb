#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the `prepare` script).
import { setFlagsFromString } from "node:v8";

// `weights` runs WASM (tree-sitter, ruff, h5wasm) once, briefly: V8's background optimisation of those
// modules would cost more CPU than it saves, and the process waits for it before exiting (over a
// second for ruff's). Set before the CLI is loaded, as the modules compile when they are imported.
if (process.argv[2] === "weights") setFlagsFromString("--liftoff-only");
const { main } = await import("../dist/cli/main.js");

process.exitCode = await main(process.argv.slice(2));
