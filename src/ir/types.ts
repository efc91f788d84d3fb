// The IR of keras2torch, typed in one place. Keras spellings stay as written (`kernel_size`, `use_bias`).

/** A 1-based source range; columns count Unicode code points. */
export interface SourceRange {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export type Severity = "error" | "warning" | "info";

/** Every diagnostic code the compiler emits. `docs/diagnostics.md` documents each one. */
export const DIAGNOSTIC_CODES = [
  "syntax-error",
  "unsupported-layer",
  "unsupported-construct",
  "unsupported-argument",
  "unknown-name",
  "unknown-value",
  "unresolved-import",
  "pretrained-weights",
  "shape-error",
  "invalid-model",
  "entry-not-found",
  "no-model",
  "output-collision",
  "unreadable-input",
  "unsupported-input",
  "invalid-saved-model",
  "saved-model",
  "dynamic-padding",
  "training-only",
  "inferred-input",
  "string-boundary",
  "string-preprocessing",
  "vocabulary-not-static",
  "integer-hashing",
  "size-parameter",
  "size-from-weights",
  "keras-version",
  "resource-limit",
  "internal-error",
] as const;
export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number];

export interface Diagnostic {
  severity: Severity;
  code: DiagnosticCode;
  message: string;
  range: SourceRange;
}

/** A Keras-order shape, batch axis included; `null` is an unknown size. */
export type Shape = (number | null)[];

/** Static values that can sit in a layer's config. */
export type ConfigValue = null | boolean | number | string | ConfigValue[] | { [key: string]: ConfigValue };

/** `string`: a Keras string tensor (`Input(dtype="string")`), which has no PyTorch type: see passes/string-boundary.ts. */
export type DType = "float32" | "float64" | "float16" | "int32" | "int64" | "bool" | "string";

export interface LayerDef {
  id: number;
  /** Canonical Keras class name, e.g. `Dense`. */
  kerasClass: string;
  /** The Keras `name` of the layer: explicit, or the name a fresh Keras session would generate. */
  name: string;
  explicitName: boolean;
  /** Constructor arguments by keyword, positional ones already mapped to their keyword. */
  config: Record<string, ConfigValue>;
  /** Where each argument was written, for diagnostics. */
  argRanges: Record<string, SourceRange>;
  range: SourceRange;
  /** Facts the frontend established (set with the GraphBuilder, so that speculative evaluation can undo them). */
  /** The layer cannot be translated (unsupported, or configured with values that are not static). */
  poisoned?: boolean;
  /** `trainable=False`: Keras counts its weights as non-trainable (which orders legacy `.h5` files). */
  frozen?: boolean;
}

export interface TensorDef {
  id: number;
  shape: Shape;
  dtype: DType;
  /** The node that produced it, or null for a model input. */
  producer: number | null;
  /** Which output of the producer it is. */
  outputIndex: number;
  /** The Keras name of the Input this tensor is, when it is one. */
  inputName?: string;
  /** Set when the tensor is a variable made by `add_weight` on a subclass instance. */
  weightOf?: { modelId: number; index: number };
  /** The Keras mask attached to this tensor (a bool (batch, timesteps) tensor), as Embedding(mask_zero=True) makes. */
  mask?: number;
}

export type NodeOp =
  | { kind: "layer"; layerId: number }
  | { kind: "model"; modelId: number }
  /**
   * An operation of the operations registry, arguments bound by name: `keras.ops.mean`, `tf.reduce_max`,
   * an activation function called on a tensor, Python's `x + y` (`operator.add`), `x[:, 0]`.
   */
  | { kind: "op"; rule: string; qualifiedName: string; args: Record<string, OpArg> }
  /**
   * Where branches that depend on a run-time value (`if training:`) join: one input per branch, the
   * value the variable holds after the `if`. It computes nothing.
   */
  | { kind: "merge" };

/** How an op node's argument is bound: tensors index into the node's `inputs`. */
export type OpArg =
  | { kind: "tensor"; input: number }
  | { kind: "tensors"; inputs: number[] }
  /** `float`: the number was written as a Python float (`2.0`). */
  | { kind: "value"; value: ConfigValue; float?: boolean; expr?: PyExpr };

export interface GraphNode {
  id: number;
  op: NodeOp;
  /** Tensor inputs in order (for operators: the tensor operands). */
  inputs: number[];
  outputs: number[];
  range: SourceRange;
  /** Produces no usable tensor: its layer is unsupported, or an input comes from such a node. */
  poisoned?: boolean;
  /** A node of an earlier build of a Sequential, replaced when layers were added or popped. */
  superseded?: boolean;
  /** What to call the value it computes when no layer names it (the masks Keras computes: `embedding_mask`). */
  name?: string;
  /** The Keras masks the layer reads: for each input, whether its mask follows the inputs (in order). */
  masks?: boolean[];
  /** The static arguments of the layer call, for rules with `callParams`. */
  call?: Record<string, ConfigValue>;
}

/** How a model's outputs are structured in Python. */
export type OutputStructure =
  | { kind: "single" }
  | { kind: "list" }
  | { kind: "dict"; keys: string[] };

export interface ModelDef {
  id: number;
  kind: "functional" | "sequential" | "subclass";
  /** Keras `name`, explicit or generated (`functional`, `sequential_1`). */
  name: string;
  explicitName: boolean;
  inputs: number[];
  outputs: number[];
  outputStructure: OutputStructure;
  /** Nodes of this model's own graph, in topological order. */
  nodes: number[];
  /** Layers (and nested models) in Keras' `model.layers` order, which numbers the saved weight paths. */
  layers: LayerRef[];
  range: SourceRange;
  /** For `kind: "subclass"`: the instance's structure and its translated methods. */
  subclass?: SubclassDef;
  /** `trainable=False` on the whole model. */
  frozen?: boolean;
  /** The first variable the model was assigned to (a hint for naming nested model classes). */
  variable?: string;
  /** Built by a Keras application compiled from Keras' source (`MobileNetV2`): its class name, and the call. */
  application?: { name: string; call: string };
}

/** An instance of a user class that subclasses `keras.Model` or `keras.layers.Layer`. */
export interface SubclassDef {
  /** The user's class name (the generated class keeps it). */
  className: string;
  /** `Model` subclasses have a `layers` property, which changes Keras 3's weight paths. */
  base: "Model" | "Layer";
  /** Attributes set on the instance, in assignment order (the order Keras tracks sublayers in). */
  attributes: AttributeDef[];
  /** Variables made with `self.add_weight`, in creation order. */
  weights: AddedWeight[];
  /** `call` translated on the first input it got; null while the instance was never called. */
  forward: TracedMethod | null;
  /** Helper methods that `call` uses, translated. */
  methods: TracedMethod[];
  /** `call` stops at a statement that could not be translated: `forward` raises there. */
  untranslated?: boolean;
  /** `__init__`'s parameters and the values this instance was built with (undefined: not a constant). */
  initArgs?: { name: string; value: PyExpr | undefined }[];
  range: SourceRange;
}

export interface AttributeDef {
  name: string;
  value: AttributeValue;
  range: SourceRange;
}

export type AttributeValue =
  | { kind: "layer"; layerId: number }
  | { kind: "model"; modelId: number }
  | { kind: "weight"; index: number }
  | { kind: "list"; items: AttributeValue[]; tuple: boolean }
  | { kind: "dict"; entries: [string, AttributeValue][] }
  | { kind: "constant"; value: ConfigValue }
  /** Anything else (a callable, an object the compiler does not model): not part of the module. */
  | { kind: "opaque"; what: string };

export interface AddedWeight {
  /** The `name=` given to `add_weight`, or Keras' default `variable`. */
  name: string;
  shape: number[];
  trainable: boolean;
  /** Keras initializer: a name (`zeros`), or a config `{class_name, config}`-like record, or a constant. */
  initializer: ConfigValue;
  dtype: DType;
  /** The graph tensor that stands for the variable in `call`. */
  tensorId: number;
  range: SourceRange;
}

/** A translated method: statements whose tensor expressions still refer to graph nodes (`{k: "node"}`). */
export interface TracedMethod {
  name: string;
  params: ParamIR[];
  body: Stmt[];
  /** The graph tensors bound to the tensor parameters (inputs of the trace), in order. */
  inputs: number[];
  /** The tensors the method returns, flattened, and how they are structured. */
  outputs: number[];
  outputStructure: OutputStructure;
  /** Graph nodes the translation created, in order. */
  nodes: number[];
  range: SourceRange;
}

export type LayerRef = { kind: "layer"; layerId: number } | { kind: "model"; modelId: number } | { kind: "input"; tensorId: number };

/** Everything the frontend found in one file. */
export interface Program {
  file: string;
  layers: Map<number, LayerDef>;
  tensors: Map<number, TensorDef>;
  nodes: Map<number, GraphNode>;
  models: Map<number, ModelDef>;
  /** Models to emit as top-level classes, with every name the source knows them by. */
  roots: RootModel[];
  diagnostics: Diagnostic[];
  /** Code that could have changed the models but could not be evaluated: every forward raises first. */
  incomplete: { range: SourceRange; message: string }[];
  /** String inputs whose first layer the string-boundary pass took out of the module (set after the frontend). */
  boundaries?: StringBoundary[];
  /**
   * Variables whose value the file computes from data and a model needed (each also an `unknown-value`
   * error): what `--set`, a constructor parameter or `--weights` can give (src/size-parameters.ts).
   */
  dataDependent: { variable: string; neededAt: SourceRange; scalar: boolean }[];
  /** Spellings only Keras 2 has (`LeakyReLU(alpha=)`, `keras.backend.*`): a hint to compile with `--keras-version 2`. */
  /** `keras2`: a Keras 1 spelling, and what Keras 2's legacy interface read it as. */
  keras2Spellings: { spelling: string; range: SourceRange; keras2?: string }[];
}

/**
 * A model input that Keras gives strings: the module starts after the string layer that reads it
 * (StringLookup, TextVectorization, Hashing, IntegerLookup) and takes that layer's output instead.
 */
export interface StringBoundary {
  modelId: number;
  /** The tensor that is now the model's input: the layer's output. */
  tensorId: number;
  /** The Keras Input the user's pipeline feeds strings to. */
  inputName: string;
  kerasInputShape: Shape;
  layerId: number;
}

export interface RootModel {
  modelId: number;
  names: string[];
  primary: boolean;
  /** Where the model is defined (its `Model(...)`/`Sequential(...)` call). */
  line: number;
}

// ---------------------------------------------------------------------------------------------
// Layout: how a PyTorch tensor relates to the Keras tensor it stands for.

/**
 * `perm`: torch = numpy.transpose(keras, perm) — the identity keeps Keras' order.
 * `flat`: a rank-2 tensor made by flattening a permuted inner block; features are ordered as
 * `keras_inner.transpose(innerPerm).ravel()` where `inner` is the Keras shape without batch.
 */
export type Layout =
  | { kind: "perm"; perm: number[] }
  | { kind: "flat"; inner: number[]; innerPerm: number[] };

// ---------------------------------------------------------------------------------------------
// Python expressions produced by rules, rendered by the emitter.

export type PyExpr =
  | { k: "name"; name: string }
  | { k: "input"; index: number }
  | { k: "module" }
  /**
   * Before lowering: the tensors a graph node produces. `operands` are the expressions of the node's
   * inputs in order, `callee` the expression of the called layer (`self.dense1`, `block`); the lowering
   * pass replaces it with the rule's PyTorch expression under the chosen layouts.
   */
  | { k: "node"; id: number; operands: PyExpr[]; callee?: PyExpr; output?: number }
  /** Before lowering: the run-time size of Keras axis `axis` of tensor `tensor`, held by `of`. */
  | { k: "dim"; of?: PyExpr; tensor: number; axis: number }
  /** Before lowering: a loop variable, kept as `name` when the loop is kept and `item` when it is unrolled. */
  | { k: "loopvar"; name: string; item: PyExpr }
  /** An op rule's placeholder for a tensor argument (an item of a list argument with `index`). */
  | { k: "arg"; name: string; index?: number }
  | { k: "lit"; value: number | string | boolean | null | PyLiteral[] }
  /** A number written as a Python float (`4.0`, not `4`). */
  | { k: "float"; value: number }
  | { k: "attr"; obj: PyExpr; name: string }
  | { k: "call"; fn: PyExpr; args: PyExpr[]; kwargs?: [string, PyExpr][] }
  | { k: "binop"; op: BinaryOp; left: PyExpr; right: PyExpr }
  | { k: "unary"; op: "-" | "+" | "~" | "not"; operand: PyExpr }
  | { k: "compare"; op: CompareOp; left: PyExpr; right: PyExpr }
  | { k: "subscript"; obj: PyExpr; index: PyExpr }
  /** `start:stop:step` inside a subscript; null parts are left out. */
  | { k: "slice"; start: PyExpr | null; stop: PyExpr | null; step: PyExpr | null }
  | { k: "ellipsis" }
  | { k: "ternary"; condition: PyExpr; then: PyExpr; otherwise: PyExpr }
  | { k: "list"; items: PyExpr[] }
  | { k: "tuple"; items: PyExpr[] }
  | { k: "dict"; entries: [string, PyExpr][] };

export type BinaryOp = "+" | "-" | "*" | "/" | "//" | "%" | "**" | "@" | "&" | "|" | "^" | "<<" | ">>" | "and" | "or";
export type CompareOp = "<" | "<=" | ">" | ">=" | "==" | "!=" | "is" | "is not" | "in" | "not in";

export type PyLiteral = number | string | boolean | null | PyLiteral[];

/** One Keras variable of a layer moved into a PyTorch parameter or buffer. */
export type WeightTransform =
  | { op: "transpose"; axes: number[] }
  | { op: "permute_rows"; shape: number[]; axes: number[] }
  /** numpy's row-major reshape (a depthwise kernel's `(in, multiplier)` axes become PyTorch's one). */
  | { op: "reshape"; shape: number[] }
  /** `array[index]` on the first axis: one row of a stacked variable (GRU's `(2, 3u)` bias). */
  | { op: "index"; index: number }
  /** Cuts the first axis into `order.length` equal blocks and puts them in this order (gate orders). */
  | { op: "reorder_blocks"; order: number[] };

export interface WeightEntry {
  /** Position among the layer's own Keras variables (`vars/<i>`). */
  kerasIndex: number;
  kerasName: string;
  kerasShape: number[];
  /** Attribute path under the layer's submodule, e.g. `weight`, `running_mean`. */
  param: string;
  transforms: WeightTransform[];
  /** Keras' non-trainable variables (BatchNorm statistics) come after the trainable ones in legacy files. */
  trainable?: false;
  /**
   * Where the variable sits under the layer's Keras 3 path when not at `vars/<kerasIndex>`: a recurrent
   * layer's are its cell's (`cell/vars/0`), a Bidirectional's its wrapped layers' (`forward_layer/cell/vars/0`).
   * `kerasIndex` still orders the variable among the layer's legacy weights.
   */
  keras3Subpath?: string;
  /** A Keras variable the module does not need (Normalization's `count`): read past, never an "unexpected" tensor. */
  unused?: true;
}

export interface ConstantEntry {
  param: string;
  shape: number[];
  dtype: "float32" | "int64";
  value: number;
}

/** A PyTorch constructor call for a layer's submodule. */
export interface ModuleCtor {
  ctor: string;
  args: PyExpr[];
  kwargs: [string, PyExpr][];
}

// ---------------------------------------------------------------------------------------------
// The PyTorch plan of one model: what the templates lay out.

export interface TorchSubmodule {
  attr: string;
  /** A PyTorch constructor, or a generated class for a nested model. */
  ctor: ModuleCtor | { nestedClass: string };
  kerasName: string;
  kerasClass: string;
  /** Where the Keras layer was built (a helper in another file of the input set, possibly). */
  file: string;
  line: number;
  /** Parameters that stand in for Keras tensors that do not exist; they must not train. */
  frozen: string[];
  /** `trainable = False` in Keras (a frozen backbone, a frozen layer): none of its parameters train. */
  untrainable?: boolean;
}

// ---------------------------------------------------------------------------------------------
// The module IR: generated classes as data. Graph lowering and the subclass translator both produce
// it; a small printer (src/emit/printer.ts) writes it as Python, and ruff formats the file.

/** Where a generated statement came from: its `# file.py:LINE` comment. */
export interface SourceLoc {
  file: string;
  line: number;
}

export type Stmt =
  | { s: "assign"; targets: PyExpr[]; value: PyExpr; loc?: SourceLoc }
  | { s: "augassign"; target: PyExpr; op: BinaryOp; value: PyExpr; loc?: SourceLoc }
  /** `note` is a trailing comment that says why the statement is there. */
  | { s: "expr"; value: PyExpr; loc?: SourceLoc; note?: string }
  | { s: "return"; value: PyExpr | null; loc?: SourceLoc }
  /** `raise NotImplementedError(message)`: code that could not be translated, never silent. */
  | { s: "raise"; message: string; loc?: SourceLoc }
  | { s: "if"; condition: PyExpr; then: Stmt[]; otherwise: Stmt[]; loc?: SourceLoc }
  | { s: "for"; target: PyExpr; iter: PyExpr; body: Stmt[]; loc?: SourceLoc }
  | { s: "while"; condition: PyExpr; body: Stmt[]; loc?: SourceLoc }
  | { s: "break" }
  | { s: "continue" }
  | { s: "pass" }
  /** A line of its own: `# text`. */
  | { s: "comment"; text: string }
  /**
   * Before lowering: a `for` loop over a static iterable, translated once per item. Lowering keeps the
   * loop when every iteration reads the same, and unrolls it otherwise.
   */
  | { s: "loop"; target: PyExpr; iter: PyExpr; iterations: Stmt[][]; loc?: SourceLoc };

export interface ParamIR {
  name: string;
  default?: PyExpr;
}

export interface MethodIR {
  name: string;
  /** Parameters after `self`. */
  params: ParamIR[];
  body: Stmt[];
  /** Decorator expressions without the `@` (`property`). */
  decorators: string[];
}

export interface ClassIR {
  name: string;
  bases: string[];
  docstring: string;
  methods: MethodIR[];
}

export type ForwardStatement =
  /** `pattern`, when set, is the assignment's target list (`output, (h, c)`), else `targets` are names. */
  | { kind: "assign"; targets: string[]; value: PyExpr; file: string; line: number; pattern?: PyExpr[] }
  | { kind: "raise"; message: string; file: string; line: number };

export interface TorchValue {
  /** Python parameter or variable name in `forward`. */
  variable: string;
  kerasName: string;
  kerasShape: Shape;
  layout: Layout;
  dtype: DType;
  /** For an input at the string boundary: the layer whose output it is, and what Keras takes. */
  boundary?: {
    layer: string;
    kerasClass: string;
    kerasInputShape: Shape;
    /** The layer's Keras 3 path (`layers/string_lookup`): an adapted vocabulary is the .keras file's `assets/<path>/vocabulary.txt`. */
    kerasPath: string;
    /** Where its vocabulary is: in the source, in the saved .keras file only (adapted), or nowhere (Hashing). */
    vocabulary: "source" | "saved" | "none";
  };
}

/** One row of the weights table: a Keras variable moved into a `state_dict` entry. */
export interface TensorMapping {
  key: string;
  keras3Path: string;
  legacyLayer: string;
  legacyIndex: number;
  /** `null` for an axis a size parameter of the class gives (src/size-parameters.ts). */
  kerasShape: Shape;
  transforms: WeightTransform[];
  /** Keras lists trainable weights before non-trainable ones (BatchNorm statistics) in legacy files. */
  trainable: boolean;
  /** The Keras variable is known and deliberately not loaded (the weights table writes its key as None). */
  unused?: true;
}

export interface ConstantMapping {
  key: string;
  shape: number[];
  dtype: "float32" | "int64";
  value: number;
}

export interface TorchModel {
  modelId: number;
  /** The generated class, as module IR (the docstring is filled in by the view). */
  cls: ClassIR;
  /** For a subclass instance: its Keras base. */
  subclassOf?: "Model" | "Layer";
  /** Set when an earlier instance of the same class produced the same class: this one reuses it and is not emitted. */
  sameAs?: number;
  className: string;
  kerasName: string;
  /** A Keras application: the call that built it, and the Keras source file it was compiled from. */
  application?: { call: string; file: string };
  inputs: TorchValue[];
  outputs: TorchValue[];
  outputStructure: OutputStructure;
  submodules: TorchSubmodule[];
  statements: ForwardStatement[];
  /** What `forward` returns, as an expression over variables. */
  returns: PyExpr;
  tensors: TensorMapping[];
  constants: ConstantMapping[];
  /** Module-level names `forward` calls (`F.relu`, `torch.cat`, `keras_relu`): they decide imports and helpers. */
  calls: string[];
  /** Keras 3 paths of the top-level layers, in `model.layers` order. */
  layerOrder: string[];
  /** Keras classes used, nested models included (rule coverage). */
  kerasClasses: string[];
  /**
   * For graph-built models: each top-level layer call and the forward statement that computes its
   * output, so `keras2torch verify` can compare them layer by layer. Absent for subclassed models.
   */
  taps?: LayerTap[];
}

/** A Keras layer call and the generated statement whose targets hold its outputs. */
export interface LayerTap {
  layer: string;
  kerasClass: string;
  /** Which call of the layer in this model (0 for a layer called once; shared layers count up). */
  call: number;
  file: string;
  line: number;
  /** Index of the statement in `forward`'s body. */
  statement: number;
  /** The statement's target variables, one per Keras output of the call (`_` for an unused one). */
  variables: string[];
  /** Each output's layout: how the PyTorch value's axes relate to Keras'. */
  layouts: Layout[];
}
