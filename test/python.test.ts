// Runs the Python-side tests in the pinned venv (created by `npm test` through scripts/ensure-venv.mjs):
// - weights_runtime_test.py: real Keras 3 files in every format through a weights script built on the
//   runtime: values, the legacy name-drift fallback, failure paths, library shadowing;
// - training_mode_test.py: Dropout and BatchNormalization of a generated module in training mode against
//   real Keras (the golden suite compares inference only);
// - damaged_weights_test.py: several hundred damaged and hostile copies of real Keras files (truncated,
//   bit-flipped, wrong dtypes, links, FIFOs, ...) through the runtime: a clear error naming the file and
//   nothing written, never a traceback or a hang (docs/reliability.md);
// - weights_stream_test.py: the streamed `.safetensors` writer gives the bytes of the safetensors library
//   for every transform, stored dtype and constant, at block sizes that cut tensors into many blocks;
// - fixtures_recurrent_test.py: the real Keras 2.x files with LSTM, GRU and Bidirectional layers load into
//   the modules generated from their architectures (test/fixture-models/) and match Keras 3;
// - fixtures_saved_test.py: every full-model fixture compiles from the architecture stored in it, loads
//   strictly and matches the stored model rebuilt in Keras 3 (Keras 2 formulas where they differ);
// - saved_keras2_config_test.py: a Keras 2 Functional config (TFOpLambda, shared and nested models)
//   compiles from a legacy .h5 and matches the same model in Keras 3.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const VENV = process.env.KERAS2TORCH_VENV ?? join(ROOT, ".venv");
const TIMEOUT = 10 * 60_000;

it.each(["weights_runtime_test.py", "training_mode_test.py", "damaged_weights_test.py", "weights_stream_test.py", "fixtures_recurrent_test.py", "fixtures_saved_test.py", "saved_keras2_config_test.py"])(
  "%s",
  (script) => {
    const python = join(VENV, "bin", "python");
    // A missing venv fails the test, never skips it.
    expect(existsSync(python), `${python} is missing; run \`node scripts/ensure-venv.mjs\``).toBe(true);
    const run = spawnSync(python, [join(ROOT, "test", script)], { cwd: ROOT, encoding: "utf8", timeout: TIMEOUT });
    const summary = run.stdout.trim().split("\n").pop() ?? "";
    expect(run.status, `${run.stdout.slice(-4000)}\n${run.stderr.slice(-4000)}`).toBe(0);
    expect(summary).toMatch(/^\d+ passed, 0 failed$/);
  },
  TIMEOUT,
);
