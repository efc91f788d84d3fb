// Reports of a run (`--report FILE`, the format from the extension) and GitHub Actions annotations
// (`--format github`). Reports hold no time or absolute path, so the same inputs give the same bytes.
import type { Diagnostic, Severity } from "../ir/types.js";
import type { ManifestDiagnostic } from "../manifest.js";
import type { ConvertResult, FileSummary, ReportedDiagnostic } from "./convert.js";

export type ReportFormat = "json" | "md" | "html";

export function reportFormat(path: string): ReportFormat | null {
  const m = /\.(json|md|markdown|html?)$/i.exec(path);
  if (!m) return null;
  const ext = m[1]!.toLowerCase();
  return ext === "json" ? "json" : ext.startsWith("htm") ? "html" : "md";
}

export function renderReport(format: ReportFormat, result: ConvertResult): string {
  return format === "json" ? jsonReport(result) : format === "md" ? markdownReport(result) : reviewPage(result);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const severities: Severity[] = ["error", "warning", "info"];

function countsLine(result: ConvertResult): string {
  const c = result.counts;
  return `${plural(c.files, "file")}, ${plural(c.models, "model")}, ${plural(c.error, "error")}, ${plural(c.warning, "warning")}, ${c.info} info`;
}

function jsonReport(result: ConvertResult): string {
  const report = {
    version: 1,
    counts: result.counts,
    stale: result.stale,
    files: result.files.map((f) => ({ status: f.status, ...f.entry })),
  };
  return JSON.stringify(report, null, 2) + "\n";
}

// ---------------------------------------------------------------------------------------------------
// Markdown, sized for a pull-request comment.

const mdCell = (s: string) => s.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
const mdCode = (s: string) => {
  const ticks = s.includes("`") ? "``" : "`";
  return `${ticks}${s.includes("`") ? ` ${s} ` : s}${ticks}`;
};
const ICON: Record<string, string> = { translated: "✅", "no-model": "ℹ️", failed: "❌" };

function worst(diagnostics: ManifestDiagnostic[]): Severity | null {
  for (const s of severities) if (diagnostics.some((d) => d.severity === s)) return s;
  return null;
}

function diagnosticCount(diagnostics: ManifestDiagnostic[]): string {
  const parts = severities.map((s) => [s, diagnostics.filter((d) => d.severity === s).length] as const).filter(([, n]) => n);
  return parts.length ? parts.map(([s, n]) => (s === "info" ? `${n} info` : plural(n, s))).join(", ") : "—";
}

/** GitHub refuses comments over 65,536 characters; the report stays below, cutting the longest parts. */
const MD_BUDGET = 60_000;

function markdownReport(result: ConvertResult): string {
  const lines = [`### keras2torch: ${countsLine(result)}`, ""];
  let size = lines[0]!.length;
  /** Adds `block` if it fits in the budget (keeping `reserve` for what follows); returns whether it did. */
  const fits = (block: string[], reserve = 0) => {
    const n = block.reduce((k, l) => k + l.length + 1, 0);
    if (size + n + reserve > MD_BUDGET) return false;
    lines.push(...block);
    size += n;
    return true;
  };
  const cut = (left: number, what: string) => (left ? [`… and ${left} more ${what}${left === 1 ? "" : "s"}; the JSON report (\`--report FILE.json\`) lists everything.`, ""] : []);
  if (result.stale.length) {
    fits([`**${plural(result.stale.length, "stale file")}** in the output (\`keras2torch convert\` regenerates them):`, ""]);
    let left = result.stale.length;
    for (const s of result.stale) if (fits([`- ${mdCode(s.path)} (${s.reason})`], 20_000)) left--;
    lines.push("", ...cut(left, "stale file"));
  }
  fits(["| file | status | models | diagnostics |", "| --- | --- | --- | --- |"]);
  let rowsLeft = result.files.length;
  for (const f of result.files) {
    const severity = worst(f.entry.diagnostics);
    // A module written with an error in it (an unsupported layer raises NotImplementedError) is not a success.
    const icon = severity === "error" ? "❌" : f.status === "translated" && severity === "warning" ? "⚠️" : ICON[f.status]!;
    const models = f.entry.models.map((m) => mdCode(m.class) + (m.primary && f.entry.models.length > 1 ? " (primary)" : "")).join(", ") || "—";
    if (fits([`| ${mdCell(mdCode(f.entry.input))} | ${icon} ${f.status} | ${mdCell(models)} | ${diagnosticCount(f.entry.diagnostics)} |`], 10_000)) rowsLeft--;
  }
  if (rowsLeft) lines.push("", ...cut(rowsLeft, "file"));
  const withDiagnostics = result.files.filter((f) => f.entry.diagnostics.some((d) => d.severity !== "info" || f.status !== "no-model"));
  if (withDiagnostics.length) {
    lines.push("", "<details><summary>Diagnostics</summary>", "");
    let left = withDiagnostics.length;
    for (const f of withDiagnostics) {
      const block = [`#### ${mdCode(f.entry.input)}`, ""];
      for (const d of f.entry.diagnostics) block.push(`- **${d.severity}** \`${d.code}\` ${mdCode(`${d.file}:${d.line}:${d.column}`)}: ${d.message.replace(/\r?\n/g, " ")}`);
      block.push("");
      if (fits(block, 3_000)) left--;
    }
    lines.push(...cut(left, "file"), "</details>");
  }
  if (result.stale.length) {
    lines.push("", "<details><summary>Stale files</summary>", "");
    let left = result.stale.length;
    for (const s of result.stale) if (fits(["```diff", s.diff.replace(/```/g, "``\u200b`"), "```", ""], 500)) left--;
    lines.push(...cut(left, "diff"), "</details>");
  }
  return lines.join("\n") + "\n";
}

// ---------------------------------------------------------------------------------------------------
// GitHub Actions workflow commands: one annotation per diagnostic.

const escapeData = (s: string) => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
const COMMAND: Record<Severity, string> = { error: "error", warning: "warning", info: "notice" };

export function githubAnnotation(r: ReportedDiagnostic): string {
  const d: Diagnostic = r.diagnostic;
  const props = [
    `file=${escapeProperty(r.path)}`,
    `line=${d.range.line}`,
    `col=${d.range.column}`,
    `endLine=${d.range.endLine}`,
    ...(d.range.endLine === d.range.line ? [`endColumn=${d.range.endColumn}`] : []),
    `title=${escapeProperty(`keras2torch ${d.code}`)}`,
  ];
  return `::${COMMAND[d.severity]} ${props.join(",")}::${escapeData(d.message)}`;
}

export function githubStaleAnnotation(path: string, reason: string): string {
  return `::error file=${escapeProperty(path)},title=${escapeProperty("keras2torch --check")}::${escapeData(`${path} is stale (${reason}); run keras2torch convert and commit the result`)}`;
}

// ---------------------------------------------------------------------------------------------------
// The review page: per file, the Keras source on the left and the generated module on the right; each
// generated line that came from a source line links to it (a click highlights it), diagnostics sit under
// the lines they point at, and each model's weight mapping follows as a table.

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1f2328;background:#fff}
header{padding:12px 20px;border-bottom:1px solid #d0d7de;background:#f6f8fa}
h1{font-size:18px;margin:0 0 4px}h2{font-size:16px;margin:0;padding:10px 20px;background:#eaeef2;border-top:1px solid #d0d7de}
h3{font-size:14px;margin:12px 20px 4px}
nav ul{margin:4px 0;padding-left:20px}
.status{font-weight:normal;font-size:13px;color:#57606a}
.panes{display:grid;grid-template-columns:1fr 1fr;gap:0;border-bottom:1px solid #d0d7de}
.pane{overflow:auto;max-height:80vh;border-right:1px solid #d0d7de}
.pane h3{position:sticky;top:0;background:#fff;margin:0;padding:6px 10px;border-bottom:1px solid #d0d7de}
table.code{border-collapse:collapse;width:100%;font:12px/1.5 ui-monospace,SFMono-Regular,Menlo,monospace}
table.code td{padding:0 8px;white-space:pre;vertical-align:top}
td.ln{color:#8c959f;text-align:right;user-select:none;width:1%}
td.ln a{color:inherit;text-decoration:none}
tr.gen-line[data-src]{cursor:pointer}
tr.gen-line[data-src]:hover{background:#f3f4f6}
tr.src-line.highlight,tr.src-line:target{background:#fff8c5}
tr.gen-line.selected{background:#ddf4ff}
tr.diag td{white-space:pre-wrap;font-family:system-ui,sans-serif;padding:2px 8px 2px 40px}
tr.diag-error td{background:#ffebe9;color:#82071e}
tr.diag-warning td{background:#fff8c5;color:#7d4e00}
tr.diag-info td{background:#ddf4ff;color:#0a3069}
table.weights{border-collapse:collapse;margin:4px 20px 16px;font-size:12px}
table.weights th,table.weights td{border:1px solid #d0d7de;padding:2px 6px;text-align:left}
table.weights td{font-family:ui-monospace,monospace}
.none{margin:8px 20px;color:#57606a}
`;

// Clicking a generated line highlights the source line it came from and scrolls it into view (the
// link's `#id` makes `:target` do the same without JavaScript).
const SCRIPT = `
document.addEventListener("click", function (event) {
  var row = event.target.closest ? event.target.closest("tr.gen-line[data-src]") : null;
  if (!row) return;
  event.preventDefault();
  document.querySelectorAll("tr.src-line.highlight").forEach(function (r) { r.classList.remove("highlight"); });
  document.querySelectorAll("tr.gen-line.selected").forEach(function (r) { r.classList.remove("selected"); });
  row.classList.add("selected");
  var target = document.getElementById(row.getAttribute("data-src"));
  if (!target) return;
  target.classList.add("highlight");
  target.scrollIntoView({ block: "center" });
  history.replaceState(null, "", "#" + target.id);
});
`;

function reviewPage(result: ConvertResult): string {
  const index = new Map(result.files.map((f, i) => [f.entry.input, i]));
  const sections = result.files.map((f, i) => fileSection(f, i, index));
  const toc = result.files
    .map((f, i) => `<li><a href="#file-${i}">${esc(f.entry.input)}</a> <span class="status">${esc(f.status)}, ${esc(diagnosticCount(f.entry.diagnostics))}</span></li>`)
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>keras2torch review</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>keras2torch review</h1>
<div>${esc(countsLine(result))}</div>
<nav><ul>
${toc}
</ul></nav>
</header>
${sections.join("\n")}
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function fileSection(f: FileSummary, i: number, index: Map<string, number>): string {
  const review = f.review;
  const source = review?.source ?? "";
  const byLine = new Map<number, ManifestDiagnostic[]>();
  for (const d of f.entry.diagnostics) {
    if (d.file !== f.entry.input) continue;
    byLine.set(d.line, [...(byLine.get(d.line) ?? []), d]);
  }
  const diagRows = (list: ManifestDiagnostic[] | undefined) =>
    (list ?? []).map((d) => `<tr class="diag diag-${d.severity}"><td colspan="2">${esc(`${d.severity} ${d.code}: ${d.message}`)}</td></tr>`).join("");
  const sourceLines = source === "" ? [] : source.replace(/\r\n?/g, "\n").replace(/\n$/, "").split("\n");
  const left = sourceLines.map((line, k) => `<tr class="src-line" id="f${i}-s${k + 1}"><td class="ln">${k + 1}</td><td>${esc(line)}</td></tr>${diagRows(byLine.get(k + 1))}`);
  // Diagnostics at lines past the end (or of another file) still show, at the end.
  const shown = new Set(sourceLines.map((_, k) => k + 1));
  const rest = f.entry.diagnostics.filter((d) => d.file !== f.entry.input || !shown.has(d.line));
  left.push(diagRows(rest));
  let right = `<p class="none">No module was written for this file.</p>`;
  if (review?.module !== undefined) {
    const genLines = review.module.replace(/\n$/, "").split("\n");
    // A source line's diagnostics also follow the last generated line that came from it.
    const lastOf = new Map<number, number>();
    review.sourceLines.forEach((loc, k) => {
      if (loc && loc.file === f.entry.input) lastOf.set(loc.line, k);
    });
    right = `<table class="code">${genLines
      .map((line, k) => {
        const loc = review.sourceLines[k];
        const target = loc ? index.get(loc.file) : undefined;
        const id = loc && target !== undefined ? `f${target}-s${loc.line}` : null;
        const num = id ? `<a href="#${id}" title="${esc(`${loc!.file}:${loc!.line}`)}">${k + 1}</a>` : String(k + 1);
        const inline = loc && loc.file === f.entry.input && lastOf.get(loc.line) === k ? diagRows(byLine.get(loc.line)) : "";
        return `<tr class="gen-line"${id ? ` data-src="${id}"` : ""}><td class="ln">${num}</td><td>${esc(line)}</td></tr>${inline}`;
      })
      .join("\n")}</table>`;
  }
  const models = f.entry.models;
  const weights = models
    .map((m) => {
      const rows = review?.mapping[m.class] ?? [];
      const body = rows.length
        ? `<table class="weights"><tr><th>state_dict key</th><th>Keras variable</th><th>legacy layer</th><th>shape (Keras)</th><th>transforms</th></tr>${rows
            .map(
              (r) =>
                `<tr><td>${esc(r.key)}</td><td>${esc(r.keras3Path)}</td><td>${esc(`${r.legacyLayer}[${r.legacyIndex}]`)}</td><td>${esc(JSON.stringify(r.kerasShape))}</td><td>${esc(
                  r.transforms.map((t) => t.op).join(", ") || "—",
                )}</td></tr>`,
            )
            .join("")}</table>`
        : `<p class="none">No weights.</p>`;
      return `<h3>Weights of <code>${esc(m.class)}</code>${m.primary ? " (primary)" : ""}</h3>${body}`;
    })
    .join("\n");
  return `<section id="file-${i}" data-input="${esc(f.entry.input)}">
<h2>${esc(f.entry.input)} <span class="status">${esc(f.status)}${models.length ? ` · ${esc(models.map((m) => m.class).join(", "))}` : ""}</span></h2>
<div class="panes">
<div class="pane source"><h3>Keras source: ${esc(f.entry.input)}</h3><table class="code">${left.join("\n")}</table></div>
<div class="pane generated"><h3>PyTorch: ${esc(f.entry.module ?? "(none)")}</h3>${right}</div>
</div>
${weights}
</section>`;
}
