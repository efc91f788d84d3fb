// The generated modules are ready for the PyTorch toolchain: every golden snapshot runs under
// torch.compile(fullgraph=True, backend="eager") and exports with torch.export.export
// (scripts/toolchain-readiness.py, what `keras2torch verify` reports for one model). The only graph break
// allowed is dynamo's default refusal of nn.LSTM/nn.GRU/nn.RNN (allow_rnn=False), which verify retries.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect, it } from "vitest";
import { pythonEnv, venvPython } from "./golden-util.js";

const ROOT = path.resolve(import.meta.dirname, "..");

// The Keras applications (golden/app_*) are deep nets: export takes seconds per case, hence the long timeout.
it("every golden module compiles with fullgraph and exports", () => {
  const r = spawnSync(venvPython(), [path.join(ROOT, "scripts", "toolchain-readiness.py"), path.join(ROOT, "golden")], { encoding: "utf8", env: pythonEnv(), timeout: 1_800_000 });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  const summary = r.stdout.trim().split("\n").at(-1)!;
  expect(summary).toMatch(/^\d+ pass both, 0 fail for another reason than allow_rnn/);
  // Every break it lists is the recurrent-module refusal.
  for (const line of r.stdout.trim().split("\n").slice(0, -1)) expect(line).toMatch(/graph break: Unsupported: Attempted to wrap RNN, GRU, or LSTM|skipped/);
}, 1_800_000);
