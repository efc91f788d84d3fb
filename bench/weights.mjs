// Weights conversion benchmark: a generated Keras 3 `.weights.h5` of about 530 MB (a Dense stack whose
// largest kernel is 256 MB, plus a conv layer), written with h5py directly in the layout Keras 3
// saves (`layers/<name>/vars/<i>`), converted by `keras2torch weights` (TypeScript, h5wasm) and by
// the generated Python weights script (to `.safetensors`, streamed, and once to `.pt`), next to a plain
// `cp` of the same file. Each is run under
// /usr/bin/time -v (wall time and peak RSS); the best of RUNS runs is reported. Both outputs are
// checked to be the same bytes. Every file is removed afterwards.
//   node bench/weights.mjs            (after npm run build; BENCH_WEIGHTS_RUNS=3 by default)
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const python = join(root, ".venv", "bin", "python");
const RUNS = Number(process.env.BENCH_WEIGHTS_RUNS ?? 3);
// Features of the Dense stack: 4096 → 8192 → 8192 → 4096 → 1000 (kernels 128, 256, 128, 16 MB).
const WIDTHS = [4096, 8192, 8192, 4096, 1000];
const work = mkdtempSync(join(tmpdir(), "keras2torch-bench-weights-"));

const source = `import keras
from keras import layers

inputs = keras.Input(shape=(16, 16, 3))
x = layers.Conv2D(64, 3, padding="same", activation="relu")(inputs)
x = layers.GlobalAveragePooling2D()(x)
x = layers.Dense(${WIDTHS[0]}, activation="relu")(x)
${WIDTHS.slice(1).map((w) => `x = layers.Dense(${w}, activation="relu")(x)`).join("\n")}
model = keras.Model(inputs, x)
`;

// Keras 3's layout for this Functional model: layers in model.layers order, InputLayer included.
const writer = `
import sys
import h5py
import numpy as np
widths = ${JSON.stringify(WIDTHS)}
rng = np.random.default_rng(0)
with h5py.File(sys.argv[1], "w") as f:
    f.attrs["keras_version"] = "3.15.1"
    layers = f.create_group("layers")
    layers.create_group("input_layer").create_group("vars")
    conv = layers.create_group("conv2d").create_group("vars")
    conv["0"] = rng.standard_normal((3, 3, 3, 64), dtype=np.float32)
    conv["1"] = rng.standard_normal((64,), dtype=np.float32)
    layers.create_group("global_average_pooling2d").create_group("vars")
    fan_in = 64
    for i, w in enumerate(widths):
        g = layers.create_group("dense" + ("" if i == 0 else f"_{i}")).create_group("vars")
        d = g.create_dataset("0", (fan_in, w), dtype=np.float32)
        step = max(1, (16 << 20) // (4 * w))
        for r in range(0, fan_in, step):
            d[r:r + step] = rng.standard_normal((min(step, fan_in - r), w), dtype=np.float32)
        g["1"] = rng.standard_normal((w,), dtype=np.float32)
        fan_in = w
    f.create_group("vars")
`;

function timed(cmd, args) {
  const r = spawnSync("/usr/bin/time", ["-v", cmd, ...args], { cwd: work, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed:\n${r.stderr}`);
  // "h:mm:ss" or "m:ss.ss".
  const parts = /Elapsed \(wall clock\) time.*: ([\d:.]+)/.exec(r.stderr)[1].split(":").map(Number);
  const secs = parts.length === 3 ? parts[0] * 3600 + parts[1] * 60 + parts[2] : parts[0] * 60 + parts[1];
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)[1]) / 1024;
  const cpu = Number(/User time \(seconds\): ([\d.]+)/.exec(r.stderr)[1]) + Number(/System time \(seconds\): ([\d.]+)/.exec(r.stderr)[1]);
  return { seconds: secs, rssMB: rss, cpu };
}

function best(label, cmd, args, cleanup, count = RUNS) {
  const runs = [];
  for (let i = 0; i < count; i++) {
    cleanup?.();
    runs.push(timed(cmd, args));
  }
  const fastest = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const peak = Math.max(...runs.map((r) => r.rssMB));
  return { label, seconds: fastest.seconds, cpu: Math.min(...runs.map((r) => r.cpu)), rssMB: peak, runs };
}

const loadAtStart = loadavg()[0];
try {
  const h5 = join(work, "big.weights.h5");
  writeFileSync(join(work, "big.py"), source);
  const w = spawnSync(python, ["-c", writer, h5], { encoding: "utf8" });
  if (w.status !== 0) throw new Error(w.stderr);
  const size = statSync(h5).size;
  const largest = Math.max(...WIDTHS.map((w, i) => (i === 0 ? 64 : WIDTHS[i - 1]) * w * 4));
  const c = spawnSync(process.execPath, [join(root, "bin", "keras2torch.js"), "convert", join(work, "big.py"), "-o", join(work, "out"), "-q"], { encoding: "utf8" });
  if (c.status !== 0) throw new Error(c.stderr);

  const rm = (p) => () => rmSync(join(work, p), { force: true });
  const results = [
    best("cp (plain copy)", "cp", [h5, join(work, "copy.h5")], rm("copy.h5")),
    best("dd bs=8M (copy through user space)", "dd", [`if=${h5}`, `of=${join(work, "copy.h5")}`, "bs=8M", "status=none"], rm("copy.h5")),
    best("keras2torch weights (TypeScript)", process.execPath, [join(root, "bin", "keras2torch.js"), "weights", h5, "--source", join(work, "big.py"), "-o", join(work, "ts.safetensors")], rm("ts.safetensors")),
    best("generated Python weights script", python, [join(work, "out", "big_weights.py"), h5, join(work, "py.safetensors")], rm("py.safetensors")),
    // `.pt` is not streamed (the whole state_dict, then torch.save): once, for the record.
    best("generated Python weights script, .pt (once)", python, [join(work, "out", "big_weights.py"), h5, join(work, "py.pt")], rm("py.pt"), 1),
  ];
  // The floors of each converter: reading and writing every byte through user space (dd, above), and
  // the start-up of the libraries it needs before it reads a byte.
  const floors = [
    best("python with numpy and h5py imported, nothing else", python, ["-c", "import numpy, h5py"]),
    best("node with h5wasm loaded, nothing else", process.execPath, ["--input-type=module", "-e", `const { default: h5 } = await import(${JSON.stringify(join(root, "node_modules", "h5wasm", "dist", "node", "hdf5_hl.js"))}); await h5.ready;`]),
  ];
  const same = spawnSync("cmp", [join(work, "ts.safetensors"), join(work, "py.safetensors")]).status === 0;
  // The fixed cost of each process: the same converter on a tiny file (a 4→3 Dense layer's weights).
  writeFileSync(join(work, "tiny.py"), "import keras\nmodel = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])\n");
  spawnSync(python, ["-c", "import sys, h5py, numpy as np\nwith h5py.File(sys.argv[1], 'w') as f:\n    g = f.create_group('layers/dense/vars')\n    g['0'] = np.ones((4, 3), np.float32)\n    g['1'] = np.ones(3, np.float32)\n", join(work, "tiny.weights.h5")]);
  spawnSync(process.execPath, [join(root, "bin", "keras2torch.js"), "convert", join(work, "tiny.py"), "-o", join(work, "out"), "-q"]);
  const nodeTiny = best("tiny", process.execPath, [join(root, "bin", "keras2torch.js"), "weights", join(work, "tiny.weights.h5"), "--source", join(work, "tiny.py"), "-o", join(work, "tiny_ts.safetensors")], rm("tiny_ts.safetensors"));
  const pyTiny = best("tiny", python, [join(work, "out", "tiny_weights.py"), join(work, "tiny.weights.h5"), join(work, "tiny_py.safetensors")], rm("tiny_py.safetensors"));
  const ptTiny = best("tiny", python, [join(work, "out", "tiny_weights.py"), join(work, "tiny.weights.h5"), join(work, "tiny_py.pt")], rm("tiny_py.pt"), 1);
  const mb = size / 2 ** 20;
  const copy = results[0];
  console.log(`load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end, on ${cpus().length} cores; file: ${mb.toFixed(0)} MB Keras 3 .weights.h5, largest tensor ${(largest / 2 ** 20).toFixed(0)} MB; best of ${RUNS} runs; outputs identical: ${same}`);
  const tiny = [null, null, nodeTiny, pyTiny, ptTiny];
  console.log("| | wall time | CPU time | throughput | vs cp | wall time on a tiny file | throughput after that fixed cost | vs cp | peak RSS | on a tiny file | peak − tiny |");
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  results.forEach((r, i) => {
    const mbps = mb / r.seconds;
    const t = tiny[i];
    const after = t ? mb / Math.max(r.seconds - t.seconds, 1e-3) : null;
    const cells = [r.label, `${r.seconds.toFixed(2)} s`, `${r.cpu.toFixed(2)} s`, `${mbps.toFixed(0)} MB/s`, (mbps / (mb / copy.seconds)).toFixed(2), t ? `${t.seconds.toFixed(2)} s` : "-", after ? `${after.toFixed(0)} MB/s` : "-", after ? (after / (mb / copy.seconds)).toFixed(2) : "-", `${r.rssMB.toFixed(0)} MB`, t ? `${t.rssMB.toFixed(0)} MB` : "-", t ? `${(r.rssMB - t.rssMB).toFixed(0)} MB` : "-"];
    console.log(`| ${cells.join(" | ")} |`);
  });
  for (const f of floors) console.log(`start-up floor: ${f.label}: ${f.seconds.toFixed(2)} s wall, ${f.rssMB.toFixed(0)} MB`);
  console.log(`goal: peak RSS within the largest tensor + 64 MB = ${(largest / 2 ** 20 + 64).toFixed(0)} MB; throughput at least half of cp's = ${(mb / copy.seconds / 2).toFixed(0)} MB/s`);
  if (!same) process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
