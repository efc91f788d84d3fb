// Public API of keras2torch.
export { compile, type CompileOptions, type CompileResult } from "./compile.js";
export { listRules } from "./rules/registry.js";
export type { Manifest, ManifestDiagnostic, ManifestFile, ManifestModel, ManifestValue } from "./manifest.js";
export type { ModuleResolver } from "./frontend/evaluate.js";
export type { Diagnostic, DiagnosticCode, Severity, SourceRange, TensorMapping } from "./ir/types.js";
export { DIAGNOSTIC_CODES } from "./ir/types.js";
export {
  convertFiles,
  UsageError,
  type ConvertOptions,
  type ConvertResult,
  type FileReview,
  type FileStatus,
  type FileSummary,
  type ReportedDiagnostic,
  type StaleFile,
} from "./cli/convert.js";
export { renderReport, type ReportFormat } from "./cli/reports.js";
