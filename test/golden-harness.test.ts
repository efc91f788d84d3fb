// The golden pipeline's plumbing: the work queue, the streaming process, and the two Python stages'
// progress protocol (reference.py reports each case as it finishes; torch_stage.py takes cases from stdin
// as they arrive). A broken stream would leave the golden suite green but serial, so it is tested here.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AsyncQueue, HARNESS_DIR, GOLDEN_DIR, pythonEnv, referenceCaseDone, runProcess, startProcess, venvPython } from "./golden-util.js";

const scratch = mkdtempSync(path.join(tmpdir(), "keras2torch-golden-harness-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("AsyncQueue", () => {
  it("runs at most `limit` items at once, in push order, and is idle only when all are done", async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const queue = new AsyncQueue<number>(2, async (n) => {
      started.push(n);
      running++;
      most = Math.max(most, running);
      await tick();
      running--;
    });
    for (const n of [1, 2, 3]) queue.push(n);
    const idle = queue.idle();
    queue.push(4); // pushed while busy: idle() waits for it too
    await idle;
    expect(started).toEqual([1, 2, 3, 4]);
    expect(most).toBe(2);
    expect(running).toBe(0);
  });

  it("takes items pushed after it went idle", async () => {
    const done: string[] = [];
    const queue = new AsyncQueue<string>(1, async (s) => {
      await tick();
      done.push(s);
    });
    await queue.idle();
    queue.push("late");
    await queue.idle();
    expect(done).toEqual(["late"]);
  });
});

describe("startProcess", () => {
  it("hands over each stdout line while the process runs and its stdin is still open", async () => {
    // Echoes each input line back at once; it only exits when stdin closes.
    const echo = `process.stdin.setEncoding("utf8"); let buf = ""; process.stdin.on("data", (d) => {
      buf += d; let i; while ((i = buf.indexOf("\\n")) >= 0) { console.log("got " + buf.slice(0, i)); buf = buf.slice(i + 1); } });`;
    const lines: string[] = [];
    let answered: () => void = () => {};
    const proc = startProcess(process.execPath, ["-e", echo], {
      onStdoutLine: (line) => {
        lines.push(line);
        answered();
      },
    });
    const reply = (line: string) => {
      const got = new Promise<void>((resolve) => (answered = resolve));
      proc.writeLine(line);
      return got;
    };
    await reply("a");
    expect(lines).toEqual(["got a"]);
    await reply("b");
    expect(lines).toEqual(["got a", "got b"]);
    proc.endInput();
    const r = await proc.done;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("got a\ngot b\n");
  });

  it("gives a last line without a newline when the process ends", async () => {
    const lines: string[] = [];
    const r = await runProcess(process.execPath, ["-e", 'process.stdout.write("one\\ntwo")'], { onStdoutLine: (l) => lines.push(l) });
    expect(r.code).toBe(0);
    expect(lines).toEqual(["one", "two"]);
  });
});

describe("the Python stages' progress protocol", () => {
  it("reads which case reference.py has finished from the line it prints", async () => {
    const lines: string[] = [];
    const r = await runProcess(
      venvPython(),
      [path.join(HARNESS_DIR, "reference.py"), "--golden", GOLDEN_DIR, "--work", scratch, "no_such_case"],
      { env: pythonEnv(), timeoutMs: 5 * 60_000, onStdoutLine: (l) => lines.push(l) },
    );
    expect(r.code, r.stderr).toBe(1);
    expect(lines.map((l) => referenceCaseDone(l, ["no_such_case"])).filter(Boolean)).toEqual(["no_such_case"]);
    expect(lines.map((l) => referenceCaseDone(l, ["another_case"])).filter(Boolean)).toEqual([]);
  });

  it("torch_stage.py --cases-from-stdin finishes a case before its input is closed", async () => {
    let reported: (line: string) => void = () => {};
    const firstReport = new Promise<string>((resolve) => (reported = resolve));
    const proc = startProcess(
      venvPython(),
      [path.join(HARNESS_DIR, "torch_stage.py"), "--golden", GOLDEN_DIR, "--work", scratch, "--cases-from-stdin"],
      {
        env: pythonEnv(),
        timeoutMs: 5 * 60_000,
        onStdoutLine: (line) => {
          if (line.startsWith("torch_stage: no_such_case:")) reported(line);
        },
      },
    );
    proc.writeLine("no_such_case");
    expect(await firstReport).toMatch(/^torch_stage: no_such_case: FAILED: /);
    proc.endInput();
    const r = await proc.done;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/torch_stage: 0\/1 ok in /);
  });
});
