#!/usr/bin/env node
// Seeded mutation fuzzer of the `keras2torch` command line (docs/reliability.md, "The fuzz suite").
//
//   node scripts/fuzz.mjs [N] [--seed S] [--batch 100] [--out DIR] [--timeout SEC] [--minimize-seconds SEC]
//                         [--max-repros K] [--sample]
//
// It mutates the golden sources (golden/*/src/**/*.py) and the examples (examples/*.py) with named
// operators, writes each batch of mutated files into a temporary folder and runs the real CLI on it as a
// child process, twice (`--jobs 2` and `--jobs 1`), with a timeout. Every run must hold every invariant
// (INVARIANTS below). A failing batch is bisected down to the offending file(s); each is minimised by
// line-deletion delta debugging (bounded time) and saved under DIR (default test/fuzz-cases/) as
// `<operator>-<hash>.py` with a JSON sidecar saying what failed. A failure whose signature a saved
// reproducer already has is counted, not saved again.
//
// Case i of seed S is the same whatever N and the batch size are: `--seed 7` case 1234 can be replayed.
// `--sample` runs the fixed sample that `npm test` runs (test/fuzz.test.ts) and rewrites
// test/fuzz-cases/sample-known.json, the sample cases that fail today (excluded from the test's assertions).
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const BIN = join(ROOT, "bin", "keras2torch.js");
export const CASES_DIR = join(ROOT, "test", "fuzz-cases");

/** The fixed sample of `npm test`: seed, size, and the sources it draws from (pinned, so that a new golden case does not shift it). */
export const SAMPLE = {
  seed: 20261201,
  count: 300,
  batch: 100,
  // Each infinite loop costs the compiler's whole evaluation budget (2-5 s): fewer of them keep `npm test` short.
  weights: { infinite_loop: 0.5, long_line: 0.5 },
};

/** What every run must hold. */
export const INVARIANTS = {
  crash: "the process ends by itself with exit 0 or 1: no signal, no V8 fatal error (out of memory), no top-level `internal error`",
  hang: "the run finishes within the timeout",
  "stack-trace": "no JavaScript stack frame in stdout or stderr",
  "internal-error": "no `internal-error` diagnostic in the manifest",
  "exit-code": "exit code 0 or 1 (2 is for usage errors, and a batch of readable .py files has none)",
  manifest: "OUT/keras2torch.json exists, parses, and has exactly one entry per input file; the module and weights script it names exist",
  "outside-write": "nothing is written outside -o (the work folder holds only the inputs and the output folders afterwards)",
  "input-changed": "no input file is changed, removed or overwritten",
  nondeterministic: "the output folder and the terminal output are byte-identical across runs and --jobs values",
};

// ---------------------------------------------------------------------------------------------------
// Deterministic PRNG (mulberry32), one stream per case.

export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const r = {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    chance: (p) => next() < p,
  };
  return r;
}

const caseSeed = (seed, index) => {
  const h = createHash("sha256").update(`${seed}:${index}`).digest();
  return h.readUInt32LE(0);
};

// ---------------------------------------------------------------------------------------------------
// Sources.

export function sourcePaths() {
  const out = [];
  const walk = (dir) => {
    for (const item of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, item.name);
      if (item.isDirectory()) walk(path);
      else if (item.name.endsWith(".py")) out.push(relative(ROOT, path).split(sep).join("/"));
    }
  };
  for (const c of readdirSync(join(ROOT, "golden")).sort()) if (existsSync(join(ROOT, "golden", c, "src"))) walk(join(ROOT, "golden", c, "src"));
  for (const f of readdirSync(join(ROOT, "examples")).sort()) if (f.endsWith(".py")) out.push(`examples/${f}`);
  return out;
}

/** The sources of the fixed sample: the list pinned in test/fuzz-cases/sample-sources.txt (written by `--sample` when missing). */
export function sampleSources(dir = CASES_DIR) {
  const pinned = join(dir, "sample-sources.txt");
  if (!existsSync(pinned)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(pinned, sourcePaths().join("\n") + "\n");
  }
  return loadSources(readFileSync(pinned, "utf8").split("\n").filter(Boolean));
}

export function loadSources(paths = sourcePaths()) {
  return paths.filter((p) => existsSync(join(ROOT, p))).map((path) => ({ path, text: readFileSync(join(ROOT, path), "utf8") }));
}

// ---------------------------------------------------------------------------------------------------
// Mutation operators. Each takes (text, r) and returns the mutated text (a string, or a Buffer for bytes
// that are not valid UTF-8).

const lines = (t) => t.split("\n");
const indentOf = (line) => /^[ \t]*/.exec(line)[0];

/** A line before which a statement can go: not inside brackets or a continuation, as far as a glance tells. */
function statementSlot(ls, r) {
  const ok = [];
  for (let i = 0; i <= ls.length; i++) {
    const prev = i > 0 ? ls[i - 1].trimEnd() : "";
    const cur = i < ls.length ? ls[i] : "";
    if (/[,([{\\]$/.test(prev) || /^\s*[)\]}]/.test(cur)) continue;
    if (i < ls.length && cur.trim() === "") continue;
    ok.push(i);
  }
  const i = ok.length ? r.pick(ok) : ls.length;
  const indent = i < ls.length ? indentOf(ls[i]) : "";
  return { i, indent };
}

function insertStatement(text, r, snippet) {
  const ls = lines(text);
  const { i, indent } = r.chance(0.5) ? { i: ls.length, indent: "" } : statementSlot(ls, r);
  const block = snippet.split("\n").map((l) => indent + l);
  ls.splice(i, 0, ...block);
  return ls.join("\n");
}

const numberRe = /(?<![\w.])\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w.])/gi;

function replaceRandomMatch(text, re, r, replacement) {
  const matches = [...text.matchAll(re)];
  if (!matches.length) return null;
  const m = r.pick(matches);
  return text.slice(0, m.index) + replacement(m) + text.slice(m.index + m[0].length);
}

const TOKENS = ["(", ")", "[", "]", "{", "}", ":", ",", ".", "=", "==", "**", "*", "->", "@", "\\", "'", '"', '"""', "#", ";", "...", "lambda", "yield", "await", "async", "return", "del", "global x", "nonlocal", "class", "def", "if", "else", "elif", "while", "for", "in", "not", "is", "None", "True", "False", "pass", "break", "import", "from", "as", "with", "try:", "except", "raise", "\t", "\n", "\n    ", "0", "-1", "1e999", "0x", "1_", "f'{", "b''", "u'", "r'\\", "`", "$", "?", "!", ":=", "*args", "**kw", "[::0]", "[::-1]", "~"];

const UNICODE = ["é", "ñ", "日本", "😀", "👩‍👩‍👧", "\u0301", "\u200b", "\u200d", "\u202e", "\u2066", "\u2028", "\u2029", "\ufeff", "\u00a0", "\u3000", "ı", "İ", "ß", "Ω", "а" /* Cyrillic */, "ｋｅｒａｓ", "𝔨", "\u{10ffff}", "\ufffd", "\r", "\f", "\v", "\x1b[31m", "\u0000"];

const LONG_LINES = [
  (n) => `x_long = ${"1 + ".repeat(n)}1`,
  (n) => `s_long = "${"a".repeat(n * 4)}"`,
  (n) => `${"v".repeat(n * 4)} = 1`,
  (n) => `l_long = [${"0, ".repeat(n)}]`,
  (n) => `# ${"comment ".repeat(n)}`,
  (n) => `t_long = (${"layers, ".repeat(n)})`,
  (n) => `a_long = keras${".layers".repeat(n)}`,
  (n) => `c_long = ${"f(".repeat(Math.min(n, 50))}1${")".repeat(Math.min(n, 50))} if False else ${"'x' ".repeat(n)}`,
];

const NESTS = [
  (d) => `n_deep = ${"(".repeat(d)}1${")".repeat(d)}`,
  (d) => `n_deep = ${"[".repeat(d)}${"]".repeat(d)}`,
  (d) => `n_deep = ${"{'k': ".repeat(d)}0${"}".repeat(d)}`,
  (d) => `n_deep = ${"-".repeat(d)}1`,
  (d) => `n_deep = ${"not ".repeat(d)}True`,
  (d) => `n_deep = ${"lambda: ".repeat(d)}0`,
  (d) => `n_deep = ${"1 if True else (".repeat(d)}0${")".repeat(d)}`,
  (d) => `n_deep = ${"abs(".repeat(d)}1${")".repeat(d)}`,
  (d) => `n_deep = ${"keras.layers.Dense(1)(".repeat(d)}keras.Input(shape=(4,))${")".repeat(d)}`,
  (d) => {
    const n = Math.min(d, 400);
    return Array.from({ length: n }, (_, k) => `${" ".repeat(k)}if True:`).join("\n") + `\n${" ".repeat(n)}pass`;
  },
  (d) => {
    const n = Math.min(d, 300);
    return Array.from({ length: n }, (_, k) => `${"    ".repeat(k)}def f${k}():`).join("\n") + `\n${"    ".repeat(n)}return 0`;
  },
];

const EXTREME_NUMBERS = ["0", "-0", "-1", "-999999999999", "10**1000", "1e309", "-1e309", "1e-400", "2**63", "2**64 + 1", "9".repeat(5000), "0x7fffffffffffffff", "1_000_000_000_000", "float('nan')", "float('inf')", "-float('inf')", "1j", "0.0", "True", "None", "3.5", "1/0", "0**-1", "10**10**10", "~0", "(1 << 100000)"];

const LAYER_ARGS = ["0", "-1", "10**12", "2**31", "None", "'abc'", "True", "1.5", "float('nan')", "(0, 0)", "(10**6, 10**6)", "()", "[]", "{}", "(-1, 3)", "(3, 3, 3, 3, 3)", "units=0", "units=-5", "filters=10**9", "kernel_size=0", "kernel_size=(0, 0)", "kernel_size=10**6", "strides=0", "strides=-1", "strides=(0, 1)", "padding='bogus'", "padding=None", "rate=2.0", "rate=-1", "axis=99", "axis=-99", "activation='nonexistent'", "activation=5", "name=''", "name='a/b:c'", "name='\\u0000'", `name='${"n".repeat(10_000)}'`, "dilation_rate=-1", "groups=0", "pool_size=0", "target_shape=(-1, -1)", "target_shape=(0,)", "shape=(0,)", "shape=(10**9, 10**9, 3)", "shape=(None, None, None, None, None, None, None)", "shape=-1", "batch_size=0", "input_shape=(1e9,)", "use_bias='yes'", "momentum=10**300", "epsilon=-1", "*[]", "**{}", "**{'units': 0}"];

const INFINITE_LOOPS = [
  "while True:\n    pass",
  "while 1:\n    x_loop = 0",
  "i_loop = 0\nwhile i_loop >= 0:\n    i_loop += 1",
  "while True:\n    continue",
  "for _ in iter(int, 1):\n    pass",
  "x_loop = [1, 2, 3][::0]",
  "r_loop = list(range(0, 10, 0))",
  "acc = []\nwhile True:\n    acc.append(acc)",
  "n_loop = 1\nwhile n_loop:\n    n_loop = n_loop * 2",
  "while not False:\n    units = 3",
  "for i_loop in range(10**18):\n    pass",
  "k_loop = 0\nfor i_loop in range(10**9):\n    k_loop += i_loop",
];

const RECURSIONS = [
  "def f_rec(n):\n    return f_rec(n + 1)\nf_rec(0)",
  "def even(n):\n    return odd(n)\ndef odd(n):\n    return even(n)\neven(1)",
  "def build_rec():\n    return build_rec()\nmodel = build_rec()",
  "def block_rec(x):\n    return block_rec(keras.layers.Dense(4)(x))\nmodel = block_rec(keras.Input(shape=(4,)))",
  "f_rec = lambda n: f_rec(n)\nf_rec(1)",
  "a_rec = []\na_rec.append(a_rec)\nprint(a_rec)",
  "class R:\n    def __init__(self):\n        self.r = R()\nR()",
  "def fact(n):\n    return n * fact(n - 1)\nunits = fact(10)",
  "def g_rec(n):\n    return g_rec(n) + g_rec(n)\nunits = g_rec(3)",
  "d_rec = {}\nd_rec['self'] = d_rec\nstr(d_rec)",
];

const ALLOCATIONS = [
  "x_big = [0] * 10**9",
  "s_big = 'a' * 10**12",
  "s_big = 'ab' * (2**62)",
  "l_big = list(range(10**10))",
  "d_big = {i: i for i in range(10**9)}",
  "b_big = bytes(10**12)",
  "m_big = [[0] * 10**5] * 10**5",
  "t_big = (1,) * 10**9",
  "p_big = 2 ** 10**8",
  "p_big = 10 ** 10 ** 10",
  "s_big = sum(range(10**12))",
  "units = 10**12",
  "big = [x for x in range(10**8)]",
  "s_big = ''.join(['x'] * 10**9)",
  "s_big = 'x' * 10**6\nfor _ in range(40):\n    s_big = s_big + s_big",
  "l_big = [0]\nfor _ in range(64):\n    l_big = l_big + l_big",
];

const IMPORT_RENAMES = [
  [/\bimport keras\b(?! as)/, "import keras as k2"],
  [/\bimport keras\b(?! as)/, "import kears as keras"],
  [/\bfrom tensorflow import keras\b/, "from tensorflow import kerass as keras"],
  [/\bfrom tensorflow import keras\b/, "import torch as keras"],
  [/\bfrom keras import layers\b/, "from keras import layers as L"],
  [/\bfrom keras import layers\b/, "from keras import models as layers"],
  [/\bfrom tensorflow\.keras import layers\b/, "from tensorflow.keras import activations as layers"],
  [/\bimport tensorflow as tf\b/, "import tensorflow as keras"],
  [/\bfrom keras import layers\b/, "from keras.layers import *"],
  [/^(import|from) .*$/m, ""],
  [/^(import|from) .*$/m, "$&\nkeras = None"],
  [/^(import|from) .*$/m, "$&\nlayers = 5"],
  [/^(import|from) .*$/m, "from . import keras"],
  [/^(import|from) .*$/m, "from .. import layers"],
  [/^(import|from) .*$/m, "from model import *"],
  [/\bkeras\b/g, "keras_"],
  [/\blayers\b/g, "Layers"],
];

export const OPERATORS = {
  truncate(t, r) {
    return t.slice(0, r.int(0, Math.max(0, t.length - 1)));
  },
  delete_lines(t, r) {
    const ls = lines(t);
    const start = r.int(0, ls.length - 1);
    ls.splice(start, r.int(1, r.chance(0.7) ? 3 : 12));
    return ls.join("\n");
  },
  duplicate_lines(t, r) {
    const ls = lines(t);
    const start = r.int(0, ls.length - 1);
    const block = ls.slice(start, start + r.int(1, 6));
    ls.splice(r.chance(0.5) ? start : r.int(0, ls.length), 0, ...block);
    return ls.join("\n");
  },
  swap_lines(t, r) {
    const ls = lines(t);
    const a = r.int(0, ls.length - 1);
    const b = r.chance(0.5) ? Math.min(ls.length - 1, a + 1) : r.int(0, ls.length - 1);
    [ls[a], ls[b]] = [ls[b], ls[a]];
    return ls.join("\n");
  },
  random_tokens(t, r) {
    const idents = [...new Set(t.match(/[A-Za-z_]\w*/g) ?? ["x"])];
    let out = t;
    for (let k = r.int(1, 6); k > 0; k--) {
      const token = r.chance(0.7) ? r.pick(TOKENS) : r.pick(idents);
      const at = r.int(0, out.length);
      out = out.slice(0, at) + (r.chance(0.5) ? ` ${token} ` : token) + out.slice(at);
    }
    return out;
  },
  unicode(t, r) {
    let out = r.chance(0.15) ? "\ufeff" + t : t;
    for (let k = r.int(1, 5); k > 0; k--) {
      const at = r.int(0, out.length);
      out = out.slice(0, at) + r.pick(UNICODE) + out.slice(at);
    }
    if (r.chance(0.2)) out = out.replace(/\n/g, r.pick(["\r\n", "\r"]));
    return out;
  },
  nul_bytes(t, r) {
    const bytes = [...Buffer.from(t, "utf8")];
    const junk = [[0], [0, 0, 0], [0xff], [0xfe, 0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x80], [0xf4, 0x90, 0x80, 0x80]];
    for (let k = r.int(1, 4); k > 0; k--) bytes.splice(r.int(0, bytes.length), 0, ...r.pick(junk));
    return Buffer.from(bytes);
  },
  long_line(t, r) {
    const n = r.pick([2_000, 20_000, 100_000, 250_000]);
    return insertStatement(t, r, r.pick(LONG_LINES)(n));
  },
  deep_nesting(t, r) {
    const d = r.pick([50, 200, 1_000, 5_000, 20_000]);
    return insertStatement(t, r, r.pick(NESTS)(d));
  },
  extreme_numbers(t, r) {
    let out = t;
    for (let k = r.int(1, 3); k > 0; k--) out = replaceRandomMatch(out, numberRe, r, () => r.pick(EXTREME_NUMBERS)) ?? insertStatement(out, r, `units = ${r.pick(EXTREME_NUMBERS)}`);
    return out;
  },
  extreme_layer_args(t, r) {
    const calls = /\b(?:layers|keras\.layers|L|nn)\.[A-Z]\w*\(/g;
    let out = t;
    for (let k = r.int(1, 2); k > 0; k--) {
      const arg = r.pick(LAYER_ARGS);
      const next =
        r.chance(0.5)
          ? replaceRandomMatch(out, calls, r, (m) => `${m[0]}${arg}, `)
          : replaceRandomMatch(out, /\b(units|filters|kernel_size|strides|pool_size|rate|shape|axis|padding|activation|name|target_shape|input_shape)=([^,)\n]+)/g, r, (m) => `${m[1]}=${arg.includes("=") ? arg.split("=").slice(1).join("=") : arg}`);
      out = next ?? insertStatement(out, r, `model_x = keras.layers.Dense(${arg})`);
    }
    return out;
  },
  renamed_imports(t, r) {
    const [re, by] = r.pick(IMPORT_RENAMES);
    const out = t.replace(re, by);
    return out === t ? `import keras as keras_renamed\n${t.replace(/\bkeras\b/, "keras_renamed")}` : out;
  },
  infinite_loop(t, r) {
    return insertStatement(t, r, r.pick(INFINITE_LOOPS));
  },
  runaway_recursion(t, r) {
    return insertStatement(t, r, r.pick(RECURSIONS));
  },
  huge_allocation(t, r) {
    return insertStatement(t, r, r.pick(ALLOCATIONS));
  },
};
export const OPERATOR_NAMES = Object.keys(OPERATORS);

/** An operator drawn with `weights` (default 1 each). */
function weighted(r, weights) {
  const w = OPERATOR_NAMES.map((op) => weights[op] ?? 1);
  let x = r.next() * w.reduce((a, b) => a + b, 0);
  for (const [k, op] of OPERATOR_NAMES.entries()) if ((x -= w[k]) < 0) return op;
  return OPERATOR_NAMES[OPERATOR_NAMES.length - 1];
}

/** Case `index` of `seed`: a source, one operator (sometimes a second one on top), the bytes. */
export function generateCase(seed, index, sources, weights) {
  const r = rng(caseSeed(seed, index));
  const source = r.pick(sources);
  const op = weights ? weighted(r, weights) : r.pick(OPERATOR_NAMES);
  const ops = [op];
  let data = OPERATORS[op](source.text, r);
  if (r.chance(0.25)) {
    const second = r.pick(OPERATOR_NAMES);
    ops.push(second);
    data = OPERATORS[second](Buffer.isBuffer(data) ? data.toString("latin1") : data, r);
    if (typeof data === "string" && ops.includes("nul_bytes")) data = Buffer.from(data, "latin1");
  }
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data, "utf8");
  const hash = createHash("sha1").update(bytes).digest("hex").slice(0, 10);
  return { index, seed, op, ops, source: source.path, bytes, hash, name: `c${String(index).padStart(5, "0")}_${op}.py` };
}

export function generateCases(seed, from, count, sources = loadSources(), weights = undefined) {
  return Array.from({ length: count }, (_, k) => generateCase(seed, from + k, sources, weights));
}

// ---------------------------------------------------------------------------------------------------
// Running the CLI on a batch and checking the invariants.

/** A JavaScript stack frame, e.g. `    at run (file:///…/main.js:12:3)`. */
export const STACK = /^\s+at .+:\d+:\d+\)?$/m;

/**
 * The CLI's heap in the fuzzer's runs (MB; FUZZ_HEAP_MB to change). A runaway allocation then fails in a
 * second or two instead of after growing to V8's default (about 4 GB here), which keeps bisection fast; a
 * normal batch of 100 files needs far less.
 */
/** FUZZ_BIN: another CLI to run instead (the harness's own test uses a fake one). */
let bin = process.env.FUZZ_BIN ?? BIN;

/**
 * Copies the built CLI (bin, dist, templates, grammars) to a private folder under node_modules/.cache and
 * runs that copy from then on, so that a rebuild of dist/ during a long run (other work in the same tree)
 * cannot make two runs of one batch disagree. Returns a function that removes the copy.
 */
export function snapshotCli() {
  if (process.env.FUZZ_BIN) return () => {};
  const dir = join(ROOT, "node_modules", ".cache", `keras2torch-fuzz-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  for (const item of ["bin", "dist", "templates", "grammars", "package.json"]) if (existsSync(join(ROOT, item))) cpSync(join(ROOT, item), join(dir, item), { recursive: true });
  bin = join(dir, "bin", "keras2torch.js");
  return () => {
    bin = BIN;
    rmSync(dir, { recursive: true, force: true });
  };
}

export const HEAP_MB = Number(process.env.FUZZ_HEAP_MB ?? 1024);

function runCli(args, cwd, timeoutMs) {
  return new Promise((done) => {
    const started = Date.now();
    const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, bin, ...args], { cwd, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const out = [];
    const err = [];
    let size = 0;
    const cap = (chunks) => (c) => {
      size += c.length;
      if (size < 64 * 1024 * 1024) chunks.push(c);
    };
    child.stdout.on("data", cap(out));
    child.stderr.on("data", cap(err));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, timeoutMs);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      done({ status, signal, timedOut, ms: Date.now() - started, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
  });
}

/** Every file under `dir` → sha1, relative paths with `/`. */
function snapshot(dir, skip = new Set()) {
  const files = new Map();
  const visit = (d) => {
    for (const item of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, item.name);
      const rel = relative(dir, path).split(sep).join("/");
      if (skip.has(rel)) continue;
      if (item.isDirectory()) visit(path);
      else files.set(rel, createHash("sha1").update(readFileSync(path)).digest("hex"));
    }
  };
  if (existsSync(dir)) visit(dir);
  return files;
}

const firstLine = (s, re) => (s.split("\n").find((l) => re.test(l)) ?? "").trim().slice(0, 300);

/** Checks one CLI run; returns failures `{invariant, file?, detail}`. */
function checkRun(run, names, work, outName, before) {
  const failures = [];
  const add = (invariant, detail, file) => failures.push({ invariant, detail: String(detail).slice(0, 500), ...(file ? { file } : {}) });
  const all = run.stdout + run.stderr;
  if (run.timedOut) {
    add("hang", `no exit after ${run.ms} ms`);
    return failures;
  }
  if (run.signal) add("crash", `killed by ${run.signal}: ${firstLine(all, /FATAL|error|Error/) || all.slice(-300)}`);
  else if (/FATAL ERROR|heap out of memory|Maximum call stack/.test(all)) add("crash", firstLine(all, /FATAL ERROR|heap out of memory|Maximum call stack/));
  else if (/^keras2torch: internal error/m.test(run.stderr)) add("crash", firstLine(run.stderr, /internal error/));
  else if (run.status !== 0 && run.status !== 1) add("exit-code", `exit ${run.status}: ${all.slice(0, 300)}`);
  if (STACK.test(all)) add("stack-trace", firstLine(all, STACK));
  const out = join(work, outName);
  const manifestPath = join(out, "keras2torch.json");
  if (!run.signal && (run.status === 0 || run.status === 1)) {
    let manifest = null;
    try {
      manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    } catch (error) {
      add("manifest", `no readable manifest: ${error.message}`);
    }
    if (manifest) {
      const seen = new Map();
      for (const f of manifest.files ?? []) seen.set(f.input, (seen.get(f.input) ?? 0) + 1);
      for (const name of names) if (seen.get(name) !== 1) add("manifest", `${seen.get(name) ?? 0} manifest entries for ${name}`, name);
      for (const f of manifest.files ?? []) {
        for (const d of f.diagnostics ?? []) if (d.code === "internal-error") add("internal-error", d.message, f.input);
        for (const p of [f.module, f.weights_script]) if (p !== undefined && !existsSync(join(out, p))) add("manifest", `${f.input}: names ${p}, which was not written`, f.input);
      }
    }
  }
  // Nothing outside -o; inputs untouched.
  const after = snapshot(work, new Set(["out_a", "out_b"]));
  for (const [path, hash] of before) {
    if (!after.has(path)) add("input-changed", `${path} removed`, path.replace(/^in\//, ""));
    else if (after.get(path) !== hash) add("input-changed", `${path} changed`, path.replace(/^in\//, ""));
  }
  for (const path of after.keys()) if (!before.has(path)) add("outside-write", `${path} written`);
  for (const path of snapshot(out).keys()) if (/\.tmp$/.test(path)) add("outside-write", `temporary file left: ${outName}/${path}`);
  // The processes' temporary folders (src/cli/output.ts) are removed at the end of the run.
  for (const name of existsSync(out) ? readdirSync(out) : []) if (name.startsWith(".keras2torch-tmp-")) add("outside-write", `temporary folder left: ${outName}/${name}`);
  return failures;
}

function compareTrees(work) {
  const a = snapshot(join(work, "out_a"));
  const b = snapshot(join(work, "out_b"));
  const diffs = [];
  for (const [p, h] of a) if (b.get(p) !== h) diffs.push(p);
  for (const p of b.keys()) if (!a.has(p)) diffs.push(p);
  return diffs;
}

/**
 * Runs the CLI on `cases` (objects with `name` and `bytes`) in a fresh temporary folder: once with
 * `--jobs 2`, then (unless `determinism` is false or the first run failed to finish) with `--jobs 1`,
 * and compares the two. Returns `{failures, runs}`.
 */
export async function checkBatch(cases, { timeoutMs = 120_000, determinism = true, keep = false } = {}) {
  const work = mkdtempSync(join(tmpdir(), "keras2torch-fuzz-"));
  try {
    mkdirSync(join(work, "in"));
    for (const c of cases) writeFileSync(join(work, "in", c.name), c.bytes);
    const names = cases.map((c) => c.name);
    const before = snapshot(work);
    const runs = [];
    const failures = [];
    const a = await runCli(["convert", "in", "-o", "out_a", "--jobs", "2"], work, timeoutMs);
    runs.push(a);
    failures.push(...checkRun(a, names, work, "out_a", before));
    if (determinism && !a.timedOut) {
      const b = await runCli(["convert", "in", "-o", "out_b", "--jobs", "1"], work, timeoutMs);
      runs.push(b);
      const fb = checkRun(b, names, work, "out_b", before);
      for (const f of fb) if (!failures.some((g) => g.invariant === f.invariant && g.file === f.file)) failures.push(f);
      if (!b.timedOut && [0, 1].includes(a.status) && [0, 1].includes(b.status)) {
        const diffs = compareTrees(work);
        if (diffs.length) failures.push({ invariant: "nondeterministic", detail: `outputs differ between --jobs 2 and --jobs 1: ${diffs.slice(0, 5).join(", ")}` });
        // The summary's time line is the one part of the terminal output that may differ.
        const norm = (s) => s.replace(/out_[ab]/g, "OUT").replace(/^  time +.*$/m, "");
        if (a.status !== b.status || norm(a.stderr) !== norm(b.stderr) || a.stdout !== b.stdout) {
          failures.push({ invariant: "nondeterministic", detail: `terminal output or exit code differs between --jobs 2 and --jobs 1 (exit ${a.status} / ${b.status})` });
        }
      }
    }
    return { failures, runs, work: keep ? work : undefined };
  } finally {
    if (!keep) rmSync(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------
// Bisection, minimisation, reproducers.

/** A failure's identity for de-duplication: the invariant and its message without numbers, names or quoted code. */
export function signature(f, op) {
  const detail = f.detail
    .replace(/c\d{5}_\w+\.py/g, "FILE")
    .replace(/`[^`]*`/g, "`…`")
    .replace(/after \d+ ms/, "")
    .replace(/\d+/g, "N")
    .slice(0, 160);
  // Every runaway allocation dies with the same V8 message: the operator tells the kinds apart.
  return `${f.invariant}: ${["crash", "hang", "exit-code"].includes(f.invariant) && op ? `[${op}] ` : ""}${detail}`;
}

/** Timeout for a sub-batch of `n` files while bisecting or minimising. */
const subTimeout = (n, batchTimeout) => Math.min(batchTimeout, 10_000 + 300 * n);

/** The files of `cases` that fail `invariant` on their own (recursive halving; all of them if it only fails together). */
async function bisect(cases, invariant, batchTimeout) {
  if (cases.length === 1) return cases;
  const half = Math.ceil(cases.length / 2);
  const found = [];
  for (const part of [cases.slice(0, half), cases.slice(half)]) {
    const { failures } = await checkBatch(part, { timeoutMs: subTimeout(part.length, batchTimeout), determinism: invariant === "nondeterministic" });
    if (failures.some((f) => f.invariant === invariant)) found.push(...(await bisect(part, invariant, batchTimeout)));
  }
  return found.length ? found : cases.length <= 8 ? cases : [];
}

/** ddmin over `units` (the file's lines, or its characters): the smallest list found in `budgetMs` for which `fails` holds. */
async function ddmin(units, fails, deadline) {
  let n = 2;
  while (units.length >= 2 && Date.now() < deadline) {
    const size = Math.ceil(units.length / n);
    let reduced = false;
    for (let k = 0; k < n && Date.now() < deadline; k++) {
      const complement = [...units.slice(0, k * size), ...units.slice((k + 1) * size)];
      if (complement.length && (await fails(complement))) {
        units = complement;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (n >= units.length) break;
      n = Math.min(units.length, n * 2);
    }
  }
  return units;
}

export async function minimise(c, failure, { budgetMs = 60_000, batchTimeout = 120_000 } = {}) {
  const sig = signature(failure, c.op);
  const deadline = Date.now() + budgetMs;
  // A hang is known once the run takes a few seconds longer than a normal one; a short timeout keeps ddmin fast.
  const timeoutMs = failure.invariant === "hang" ? 8_000 : subTimeout(1, batchTimeout);
  const determinism = failure.invariant === "nondeterministic";
  let tests = 0;
  const fails = async (text) => {
    tests++;
    const { failures } = await checkBatch([{ name: c.name, bytes: Buffer.from(text, "latin1") }], { timeoutMs, determinism });
    return failures.some((f) => signature(f, c.op) === sig || (f.invariant === failure.invariant && failure.invariant !== "internal-error"));
  };
  let text = c.bytes.toString("latin1");
  const byLines = await ddmin(text.split("\n"), (ls) => fails(ls.join("\n")), deadline);
  text = byLines.join("\n");
  if (text.length > 2_000 && Date.now() < deadline) {
    // A long line stays long under line deletion: cut it down in chunks of characters.
    const chunks = text.match(/[\s\S]{1,64}/g);
    text = (await ddmin(chunks, (cs) => fails(cs.join("")), deadline)).join("");
  }
  return { bytes: Buffer.from(text, "latin1"), tests };
}

export function loadReproducers(dir = CASES_DIR) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json") && f !== "sample-known.json" && existsSync(join(dir, f.replace(/\.json$/, ".py"))))
    .sort()
    .map((f) => ({ file: f.replace(/\.json$/, ".py"), sidecar: JSON.parse(readFileSync(join(dir, f), "utf8")) }));
}

function saveReproducer(dir, c, failure, bytes, extra) {
  mkdirSync(dir, { recursive: true });
  const hash = createHash("sha1").update(bytes).digest("hex").slice(0, 10);
  const base = `${c.op}-${hash}`;
  writeFileSync(join(dir, `${base}.py`), bytes);
  const sidecar = {
    operator: c.op,
    operators: c.ops,
    source: c.source,
    seed: c.seed,
    case: c.index,
    invariant: failure.invariant,
    detail: failure.detail,
    signature: signature(failure, c.op),
    known: true,
    note: "fails on the compiler of the date below; set `known` to false once it is fixed, and fuzz.test.ts then asserts the invariants on it",
    found: new Date().toISOString().slice(0, 10),
    original_bytes: c.bytes.length,
    bytes: bytes.length,
    ...extra,
  };
  writeFileSync(join(dir, `${base}.json`), JSON.stringify(sidecar, null, 2) + "\n");
  return `${base}.py`;
}

// ---------------------------------------------------------------------------------------------------
// The run.

function parseCli(argv) {
  const o = { count: 1000, seed: 1, batch: 100, out: CASES_DIR, summary: null, timeout: 120, minimizeSeconds: 60, maxRepros: 25, sample: false, from: 0 };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    const val = () => argv[++k];
    if (a === "--seed") o.seed = Number(val());
    else if (a === "--batch") o.batch = Number(val());
    else if (a === "--out") o.out = resolve(val());
    else if (a === "--timeout") o.timeout = Number(val());
    else if (a === "--minimize-seconds") o.minimizeSeconds = Number(val());
    else if (a === "--max-repros") o.maxRepros = Number(val());
    else if (a === "--from") o.from = Number(val());
    else if (a === "--sample") o.sample = true;
    else if (a === "--summary") o.summary = resolve(val());
    else if (/^\d+$/.test(a)) o.count = Number(a);
    else {
      process.stderr.write(`fuzz: unknown argument ${a}\nusage: node scripts/fuzz.mjs [N] [--seed S] [--batch 100] [--out DIR] [--timeout SEC] [--minimize-seconds SEC] [--max-repros K] [--from I] [--summary FILE] [--sample]\n`);
      process.exit(2);
    }
  }
  if (o.sample) Object.assign(o, { seed: SAMPLE.seed, count: SAMPLE.count, batch: SAMPLE.batch, from: 0 });
  return o;
}

async function main(argv) {
  const o = parseCli(argv);
  if (!existsSync(join(ROOT, "dist", "cli", "main.js"))) {
    process.stderr.write("fuzz: dist/ is missing: run `npm run build` (or `npm run fuzz`)\n");
    return 2;
  }
  const started = Date.now();
  const dropSnapshot = snapshotCli();
  process.on("exit", dropSnapshot);
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130)); // --summary has the batches done so far
  const sources = o.sample ? sampleSources(o.out) : loadSources();
  const known = new Map(loadReproducers(o.out).map((r) => [r.sidecar.signature, r.file]));
  const byInvariant = {};
  const failingCases = []; // {case, failure, reproducer}
  const batchLevel = [];
  let repros = 0;
  let batches = 0;
  let cliRuns = 0;
  let slowest = 0;
  let summary = null;
  const summarise = (done) => {
    const seconds = (Date.now() - started) / 1000;
    const distinct = new Map();
    for (const f of failingCases) distinct.set(f.signature, (distinct.get(f.signature) ?? 0) + 1);
    return {
      cases: done,
      seed: o.seed,
      from: o.from,
      batches,
      batch_size: o.batch,
      cli_runs: cliRuns,
      seconds: Math.round(seconds),
      cases_per_second: Number((done / seconds).toFixed(2)),
      slowest_batch_run_ms: slowest,
      failing_cases: new Set(failingCases.map((f) => f.name)).size,
      failures_by_invariant: Object.fromEntries(Object.keys(INVARIANTS).map((k) => [k, byInvariant[k] ?? 0])),
      batch_level_failures: batchLevel,
      signatures: [...distinct].map(([sig, n]) => ({ signature: sig, cases: n, reproducer: failingCases.find((f) => f.signature === sig)?.reproducer ?? null })),
      new_reproducers: repros,
    };
  };
  process.stderr.write(`fuzz: ${o.count} case(s) from seed ${o.seed}, batches of ${o.batch}, ${sources.length} sources, ${OPERATOR_NAMES.length} operators\n`);
  for (let from = o.from; from < o.from + o.count; from += o.batch) {
    const cases = generateCases(o.seed, from, Math.min(o.batch, o.from + o.count - from), sources, o.sample ? SAMPLE.weights : undefined);
    batches++;
    const { failures, runs } = await checkBatch(cases, { timeoutMs: o.timeout * 1000 });
    cliRuns += runs.length;
    slowest = Math.max(slowest, ...runs.map((r) => r.ms));
    const attributed = new Map(); // case name → failures
    const addTo = (name, f) => {
      if (!attributed.has(name)) attributed.set(name, []);
      const list = attributed.get(name);
      if (!list.some((g) => g.invariant === f.invariant)) list.push(f);
    };
    for (const f of failures.filter((f) => f.file)) addTo(f.file, f);
    for (const inv of new Set(failures.filter((f) => !f.file).map((f) => f.invariant))) {
      const f = failures.find((g) => g.invariant === inv && !g.file);
      // Files that already explain the failure (e.g. one file that crashes the process) are bisected like the rest.
      const offenders = await bisect(cases, inv, o.timeout * 1000);
      if (!offenders.length) batchLevel.push({ batch: from, ...f });
      for (const c of offenders) {
        const alone = await checkBatch([c], { timeoutMs: subTimeout(1, o.timeout * 1000), determinism: inv === "nondeterministic" });
        addTo(c.name, alone.failures.find((g) => g.invariant === inv) ?? f);
      }
    }
    for (const [name, fs] of attributed) {
      const c = cases.find((k) => k.name === name);
      for (const f of fs) {
        byInvariant[f.invariant] = (byInvariant[f.invariant] ?? 0) + 1;
        const sig = signature(f, c.op);
        let reproducer = known.get(sig);
        if (!reproducer && repros < o.maxRepros) {
          const { bytes, tests } = await minimise(c, f, { budgetMs: o.minimizeSeconds * 1000, batchTimeout: o.timeout * 1000 });
          reproducer = saveReproducer(o.out, c, f, bytes, { minimise_tests: tests });
          known.set(sig, reproducer);
          repros++;
          process.stderr.write(`fuzz:   new ${f.invariant} → test/fuzz-cases/${reproducer} (${c.bytes.length} → ${bytes.length} bytes, ${tests} runs)\n`);
        }
        failingCases.push({ index: c.index, name, hash: c.hash, op: c.op, source: c.source, invariant: f.invariant, signature: sig, reproducer: reproducer ?? null });
      }
    }
    const done = Math.min(from + o.batch, o.from + o.count) - o.from;
    summary = summarise(done);
    if (o.summary) writeFileSync(o.summary, JSON.stringify(summary, null, 2) + "\n");
    process.stderr.write(`fuzz: ${done}/${o.count} cases, ${failingCases.length} failure(s), ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  }
  const seconds = (Date.now() - started) / 1000;
  const distinct = new Map();
  for (const f of failingCases) distinct.set(f.signature, (distinct.get(f.signature) ?? 0) + 1);
  summary = summarise(o.count);
  if (o.summary) writeFileSync(o.summary, JSON.stringify(summary, null, 2) + "\n");
  process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
  if (o.sample) {
    const listing = {
      note: "Cases of the fixed sample (scripts/fuzz.mjs SAMPLE) that fail on today's compiler; test/fuzz.test.ts leaves them out of its assertions and lists them. Regenerate with `node scripts/fuzz.mjs --sample`.",
      seed: SAMPLE.seed,
      count: SAMPLE.count,
      generated: new Date().toISOString().slice(0, 10),
      known: failingCases.map(({ index, hash, op, source, invariant, signature: sig, reproducer }) => ({ index, hash, op, source, invariant, signature: sig, reproducer })),
    };
    mkdirSync(o.out, { recursive: true });
    writeFileSync(join(o.out, "sample-known.json"), JSON.stringify(listing, null, 2) + "\n");
  }
  process.stderr.write(
    `fuzz: ${o.count} cases in ${batches} batches (${cliRuns} CLI runs) in ${seconds.toFixed(0)} s: ${summary.failing_cases} failing case(s); ` +
      Object.entries(summary.failures_by_invariant)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ") +
      `; ${distinct.size} distinct signature(s), ${repros} new reproducer(s)\n`,
  );
  return failingCases.length || batchLevel.length ? 1 : 0;
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  process.exitCode = await main(process.argv.slice(2));
}
