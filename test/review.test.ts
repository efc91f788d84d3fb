// The review page (`--report review.html`) in a real headless Chromium (Debian's `chromium`, installed by
// scripts/ensure-chromium.mjs, which `npm test` runs first), driven by playwright-core: clicking a
// generated line highlights the source line it came from, also across files and on the lines of a
// statement ruff wrapped; diagnostics are inline; each model has its weight-mapping table.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without type declarations
import { findChromium } from "../scripts/ensure-chromium.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
let work: string;
let browser: Browser;
let page: Page;
let html: string;

const UNSUPPORTED = `import keras
from keras import layers

inputs = keras.Input(shape=(16, 16, 3))
x = layers.Conv2D(4, 3, name="conv")(inputs)
x = keras.layers.Discretization([0.5])(x)
model = keras.Model(inputs, layers.Dense(2)(layers.Flatten()(x)))
`;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "keras2torch-review-test-"));
  // Imports between files (blocks.py, heads.py), a model with wrapped statements, an unsupported layer.
  cpSync(join(ROOT, "golden", "multi_file_blocks", "src"), join(work, "proj"), { recursive: true });
  cpSync(join(ROOT, "examples", "mnist_cnn.py"), join(work, "proj", "mnist_cnn.py"));
  writeFileSync(join(work, "proj", "bad.py"), UNSUPPORTED);
  // A concatenation of many branches, which ruff wraps over several lines.
  cpSync(join(ROOT, "golden", "activation_strings", "src", "model.py"), join(work, "proj", "wrapped.py"));
  const r = spawnSync(process.execPath, [join(ROOT, "bin", "keras2torch.js"), "convert", "proj", "-o", "out", "--report", "review.html", "-q"], { cwd: work, encoding: "utf8", timeout: 120_000 });
  expect(r.status, r.stderr).toBe(1);
  html = readFileSync(join(work, "review.html"), "utf8");
  const executablePath = findChromium();
  expect(executablePath, "a Chromium executable (run `node scripts/ensure-chromium.mjs`)").toBeTruthy();
  browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  // Anything the page tries to fetch from the network fails the test below.
  const requests: string[] = [];
  page.on("request", (req) => {
    if (!req.url().startsWith("file:")) requests.push(req.url());
  });
  await page.goto(pathToFileURL(join(work, "review.html")).href);
  expect(requests).toEqual([]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The section of `input` in the page. */
const section = (input: string) => page.locator(`section[data-input="${input}"]`);
const highlighted = () => page.locator("tr.src-line.highlight");

/** Clicks the generated line of `input` whose code contains `text`; returns the highlighted source line's text. */
async function clickGenerated(input: string, text: string, nth = 0): Promise<{ id: string; code: string }> {
  const line = section(input).locator("tr.gen-line", { hasText: text }).nth(nth);
  await line.click();
  const target = highlighted();
  await expect.poll(() => target.count()).toBe(1);
  return { id: (await target.getAttribute("id"))!, code: (await target.locator("td").nth(1).textContent())! };
}

describe("review page in Chromium", () => {
  it("is one self-contained file", () => {
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it("clicking a generated line highlights the source line it came from", async () => {
    const conv = await clickGenerated("mnist_cnn.py", "self.conv2d_1 = nn.Conv2d(32, 64");
    expect(conv.code).toContain('layers.Conv2D(64, kernel_size=(3, 3), activation="relu")');
    expect(conv.id).toMatch(/-s20$/);
    // Another line moves the highlight (only one at a time), in forward this time.
    const dense = await clickGenerated("mnist_cnn.py", "F.softmax(self.dense(x)");
    expect(dense.code).toContain('layers.Dense(num_classes, activation="softmax")');
    expect(await section("mnist_cnn.py").locator("tr.gen-line.selected").count()).toBe(1);
    // The highlighted line is scrolled into view.
    expect(await highlighted().isVisible()).toBe(true);
  });

  it("a generated line that came from another input file highlights the line in that file's section", async () => {
    const hit = await clickGenerated("model.py", "self.stem_conv = nn.Conv2d");
    const blocks = readFileSync(join(work, "proj", "blocks.py"), "utf8").split("\n");
    expect(hit.code).toBe(blocks[7]);
    expect(await section("blocks.py").locator("tr.src-line.highlight").count()).toBe(1);
  });

  it("every line of a statement ruff wrapped links to the same source line", async () => {
    const gen = section("wrapped.py").locator("tr.gen-line[data-src]");
    const targets = await gen.evaluateAll((rows) => rows.map((r) => [r.querySelector("td:nth-child(2)")!.textContent!, r.getAttribute("data-src")!]));
    // A wrapped statement: a line ending in `(` whose closing line carries the location comment.
    const open = targets.findIndex(([code]) => code.trimEnd().endsWith("(") && !code.trimStart().startsWith("def "));
    expect(open, "a wrapped statement in wrapped.py").toBeGreaterThanOrEqual(0);
    const close = targets.findIndex(([code], k) => k > open && /^\s*\)\s+# \S+\.py:\d+$/.test(code));
    expect(close).toBeGreaterThan(open);
    for (let k = open; k <= close; k++) expect(targets[k]![1]).toBe(targets[open]![1]);
    await gen.nth(open + 1).click();
    expect(await highlighted().getAttribute("id")).toBe(targets[open]![1]);
  });

  it("shows diagnostics inline under the source line, and a generated raise links to it", async () => {
    const diag = section("bad.py").locator(".pane.source tr.diag-error");
    expect(await diag.count()).toBe(1);
    expect(await diag.textContent()).toMatch(/error unsupported-layer: .*Discretization/);
    const before = diag.locator("xpath=preceding-sibling::tr[1]");
    expect(await before.getAttribute("id")).toMatch(/-s6$/);
    const hit = await clickGenerated("bad.py", "raise NotImplementedError");
    expect(hit.code).toContain("Discretization");
    // The generated side shows it too, under the raise statement (which ruff may wrap over a few lines).
    const generated = section("bad.py").locator(".pane.generated tr.diag-error");
    expect(await generated.count()).toBe(1);
    const statement = await generated.locator("xpath=preceding-sibling::tr[position() <= 3]").allTextContents();
    expect(statement.join("\n")).toMatch(/raise NotImplementedError/);
  });

  it("lists each model's weight mapping", async () => {
    const table = section("mnist_cnn.py").locator("table.weights");
    expect(await table.count()).toBe(1);
    const rows = await table.locator("tr").allTextContents();
    expect(rows[0]).toContain("state_dict key");
    expect(rows.some((r) => r.includes("conv2d.weight") && r.includes("layers/conv2d/vars/0") && r.includes("transpose"))).toBe(true);
    expect(rows.some((r) => r.includes("dense.weight") && r.includes("permute_rows"))).toBe(true);
    expect(await section("model.py").locator("h3", { hasText: "Weights of" }).count()).toBeGreaterThan(0);
  });
});
