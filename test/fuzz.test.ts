// The fuzz suite's share of `npm test` (docs/reliability.md, "The fuzz suite"). Two parts:
//
// - The fixed sample: SAMPLE.count cases regenerated deterministically from SAMPLE.seed by
//   scripts/fuzz.mjs (its mutation operators on the sources pinned in test/fuzz-cases/sample-sources.txt),
//   run through the real CLI in batches, twice each (`--jobs 2`, `--jobs 1`), with every invariant checked.
//   The sample cases that fail on today's compiler are listed in test/fuzz-cases/sample-known.json; they
//   are left out of the assertions and listed here as todos.
// - Every saved reproducer, test/fuzz-cases/<operator>-<hash>.py, run on its own. One whose sidecar says
//   `"known": true` still fails today and is listed as a todo; once it is fixed, set `known` to false and
//   the invariants are asserted on it from then on.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module without type declarations
import { CASES_DIR, OPERATOR_NAMES, OPERATORS, ROOT, SAMPLE, checkBatch, generateCase, generateCases, loadReproducers, rng, sampleSources, snapshotCli } from "../scripts/fuzz.mjs";

interface Case {
  index: number;
  name: string;
  op: string;
  hash: string;
  source: string;
  bytes: Buffer;
}
interface Failure {
  invariant: string;
  detail: string;
  file?: string;
}
interface Known {
  index: number;
  hash: string;
  op: string;
  invariant: string;
  signature: string;
  reproducer: string | null;
}

const knownPath = join(CASES_DIR, "sample-known.json");
const knownSample: Known[] = existsSync(knownPath) ? (JSON.parse(readFileSync(knownPath, "utf8")) as { known: Known[] }).known : [];
const sources = sampleSources() as { path: string; text: string }[];
const sample = generateCases(SAMPLE.seed, 0, SAMPLE.count, sources, SAMPLE.weights) as Case[];
const isKnown = (c: Case) => knownSample.some((k) => k.index === c.index && k.hash === c.hash);
const running = sample.filter((c) => !isKnown(c));
const batches: Case[][] = [];
for (let k = 0; k < running.length; k += SAMPLE.batch) batches.push(running.slice(k, k + SAMPLE.batch));
let dropSnapshot: (() => void) | undefined;
const reproducers = loadReproducers() as { file: string; sidecar: { known?: boolean; invariant: string; detail: string; operator: string } }[];

/** Shown on failure: which case, from which source and operator. */
const describeFailures = (failures: Failure[], cases: Case[]) =>
  failures.map((f) => {
    const c = cases.find((k) => k.name === f.file);
    return { ...f, ...(c ? { case: c.index, op: c.op, source: c.source } : {}) };
  });

beforeAll(() => {
  // The CLI runs from dist/: build it when it is missing or older than a source file (as test/cli.test.ts does).
  const built = join(ROOT, "dist", "cli", "main.js");
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((i) => (i.isDirectory() ? newest(join(dir, i.name)) : statSync(join(dir, i.name)).mtimeMs)));
  if (!existsSync(built) || statSync(built).mtimeMs < newest(join(ROOT, "src"))) {
    spawnSync("npx", ["tsc", "-p", "."], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  }
  expect(existsSync(built), "dist/cli/main.js (run `npx tsc -p .`)").toBe(true);
  // Run a private copy of the built CLI, so that a rebuild of dist/ while the suite runs cannot make the
  // two runs of a batch disagree.
  dropSnapshot = snapshotCli();
}, 180_000);

afterAll(() => dropSnapshot?.());

describe("the generator", () => {
  it("is deterministic: a case depends only on the seed and its index", () => {
    const a = generateCase(SAMPLE.seed, 123, sources) as Case;
    const b = (generateCases(SAMPLE.seed, 120, 5, sources) as Case[])[3]!;
    expect(b.bytes.equals(a.bytes)).toBe(true);
    expect(b.name).toBe(a.name);
  });

  it("has every operator named in the issue, and each one changes its input", () => {
    expect(OPERATOR_NAMES).toEqual(expect.arrayContaining(["truncate", "delete_lines", "duplicate_lines", "swap_lines", "random_tokens", "unicode", "nul_bytes", "long_line", "deep_nesting", "extreme_numbers", "extreme_layer_args", "renamed_imports", "infinite_loop", "runaway_recursion", "huge_allocation"]));
    const text = sources.find((s) => s.path === "examples/mnist_cnn.py")?.text ?? sources[0]!.text;
    for (const op of OPERATOR_NAMES as string[]) {
      const r = rng(7);
      const changed = Array.from({ length: 5 }, () => {
        const out = (OPERATORS as Record<string, (t: string, r: unknown) => string | Buffer>)[op]!(text, r);
        return Buffer.isBuffer(out) ? !out.equals(Buffer.from(text)) : out !== text;
      });
      expect(changed.some(Boolean), op).toBe(true);
    }
  });

  it("the sample uses every operator", () => {
    expect(new Set(sample.map((c) => c.op))).toEqual(new Set(OPERATOR_NAMES as string[]));
  });
});

describe(`the fixed sample (${SAMPLE.count} cases, seed ${SAMPLE.seed})`, () => {
  for (const [k, batch] of batches.entries()) {
    it(`batch ${k + 1}/${batches.length} (${batch.length} cases): every invariant holds with --jobs 2 and --jobs 1`, async () => {
      const { failures } = (await checkBatch(batch, { timeoutMs: 100_000 })) as { failures: Failure[] };
      expect(describeFailures(failures, batch)).toEqual([]);
    }, 240_000);
  }
  for (const k of knownSample) {
    it.todo(`known failure of sample case ${k.index} (${k.op}): ${k.signature}${k.reproducer ? ` — test/fuzz-cases/${k.reproducer}` : ""}`);
  }
});

describe("saved reproducers (test/fuzz-cases/)", () => {
  it("each has a sidecar naming its operator and the invariant it broke", () => {
    for (const r of reproducers) {
      expect(OPERATOR_NAMES, r.file).toContain(r.sidecar.operator);
      expect(r.sidecar.invariant, r.file).toBeTruthy();
    }
  });
  for (const r of reproducers) {
    if (r.sidecar.known === true) {
      it.todo(`known failure ${r.file}: ${r.sidecar.invariant} — ${r.sidecar.detail.slice(0, 120)}`);
      continue;
    }
    it(`${r.file} (was: ${r.sidecar.invariant}): exit 0 or 1, no internal error, its manifest entry`, async () => {
      const bytes = readFileSync(join(CASES_DIR, r.file));
      const { failures } = (await checkBatch([{ name: r.file, bytes }], { timeoutMs: 30_000 })) as { failures: Failure[] };
      expect(failures).toEqual([]);
    }, 90_000);
  }
});
