// The manifest `OUT/keras2torch.json`, as CONTRACT.md fixes it (plus `keras_classes`, an extension).
import type { Diagnostic } from "./ir/types.js";

export interface Manifest {
  version: 1;
  /** The shared weights runtime the run wrote (`keras2torch_runtime.py`); absent with `--standalone-weights` or when no weights script was written. */
  runtime?: string;
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

/**
 * Not written to keras2torch.json (it would change every manifest): the compiler's layer table, from
 * `compile()`'s `layers`. Each top-level Keras layer call of a graph-built model, where it is in the
 * source, and the statement of the class's `forward` (0-based index in its body) whose targets hold the
 * layer's outputs, with each output's layout. `keras2torch verify` compares layer by layer through it.
 */
export interface ManifestLayer {
  /** The Keras layer's `name` (a nested model's name for a model used as a layer). */
  name: string;
  class: string;
  /** Which call of the layer in the model: 0, or more for a shared layer. */
  call: number;
  file: string;
  line: number;
  statement: number;
  /** One per output of the call: the forward variable, and how to undo its layout. */
  outputs: ManifestLayerOutput[];
}

/**
 * `permute` as for inputs and outputs; a flattened channels-first tensor instead has `flat`: the Keras
 * shape of the flattened axes (`inner`) and their order in the PyTorch tensor (`inner_permute`).
 */
export interface ManifestLayerOutput {
  variable: string;
  permute?: number[];
  flat?: { inner: number[]; inner_permute: number[] };
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
