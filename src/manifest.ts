// The manifest `OUT/keras2torch.json`, as CONTRACT.md fixes it (plus `keras_classes`, an extension).
import type { Diagnostic } from "./ir/types.js";

export interface Manifest {
  version: 1;
  files: ManifestFile[];
}

export interface ManifestFile {
  /** Paths are relative to OUT and use `/`. */
  input: string;
  module?: string;
  weights_script?: string;
  diagnostics: ManifestDiagnostic[];
  models: ManifestModel[];
}

/** Lines and columns are 1-based; columns count Unicode code points. */
export interface ManifestDiagnostic {
  severity: Diagnostic["severity"];
  code: Diagnostic["code"];
  message: string;
  file: string;
  line: number;
  column: number;
  end_line: number;
  end_column: number;
}

export interface ManifestModel {
  names: string[];
  class: string;
  primary: boolean;
  line: number;
  inputs: ManifestValue[];
  outputs: ManifestValue[];
  /** Keras classes the model uses, nested models included. */
  keras_classes: string[];
}

/** `permute`: numpy.transpose(keras_array, permute) is what the PyTorch module takes or returns. */
export interface ManifestValue {
  name: string;
  keras_shape: (number | null)[];
  torch_shape: (number | null)[];
  dtype?: string;
  permute: number[];
  /**
   * An extension, on inputs only: the Keras Input takes strings and the module takes the output of the
   * string layer that reads it (the string boundary). `vocabulary` is the JSON file, relative to OUT,
   * that holds the layer's settings and vocabulary under `models.<class>.<input name>`.
   */
  boundary?: ManifestBoundary;
}

export interface ManifestBoundary {
  layer: string;
  class: string;
  keras_dtype: "string";
  keras_shape: (number | null)[];
  vocabulary: string;
  note: string;
}
