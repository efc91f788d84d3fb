// Public API of keras2torch.
export { compile, compileSaved, type CompileOptions, type CompileResult, type SavedCompileOptions } from "./compile.js";
export { readSavedModel, type SavedModel, type SavedRead } from "./frontend/saved-file.js";
export { readWeightShapes } from "./cli/weight-shapes.js";
export type { WeightShapes } from "./size-parameters.js";
export { listRules } from "./rules/registry.js";
export { renderRuntimeFile, RUNTIME_FILE } from "./emit/files.js";
export { MAPPING_SCHEMA_VERSION } from "./weights/schema.js";
export { VERSION } from "./version.js";
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
export { convertWeights, formatReport, ConversionError, type ConvertOptions as ConvertWeightsOptions, type Report as WeightsReport } from "./weights/convert.js";
export type { FileMapping, ModelMapping, TensorRow, ConstantRow, TransformJson } from "./weights/mapping.js";
