import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each test file runs in its own child process; onnxruntime-node's native addon is happier outside
    // worker threads.
    pool: "forks",
    testTimeout: 2 * 60_000,
    // Some files' hooks build corpora or start Chromium. The golden suite's beforeAll (real Keras, the CLI
    // for every case, PyTorch + ONNX export) sets its own, longer timeout in test/golden.test.ts.
    hookTimeout: 30 * 60_000,
  },
});
