// The contract between the compiler and a rule module. A rule is data plus pure functions:
// it never touches the graph, the emitter or the file system.
import type {
  ConfigValue,
  ConstantEntry,
  DType,
  Layout,
  LayerDef,
  ModuleCtor,
  PyExpr,
  Shape,
  WeightEntry,
} from "../ir/types.js";

/** A constructor parameter: positional order is the array order. */
export interface ParamSpec {
  name: string;
  default: ConfigValue;
  /** Keras 2 spellings accepted for this parameter (`alpha` for LeakyReLU's `negative_slope`). */
  aliases?: string[];
}

export interface LayerSignature {
  params: ParamSpec[];
}

export interface ShapeContext {
  layer: LayerDef;
  /** The call's own arguments, for rules that declare `callParams`: values, and which tensors were given. */
  call?: Record<string, ConfigValue>;
  /**
   * The Keras masks this call reads: for each tensor input, whether its mask follows the inputs. The
   * masks come after every input, in input order, as bool (batch, timesteps) tensors.
   */
  masks?: boolean[];
  inputs: Shape[];
}

/** `dtypes`: the outputs' dtypes when they are not the first input's (an Embedding takes indices). */
export type ShapeResult = { ok: true; shapes: Shape[]; dtypes?: DType[] } | { ok: false; message: string };

export interface LayoutContext {
  layer: LayerDef;
  /** The call's own arguments, for rules that declare `callParams`: values, and which tensors were given. */
  call?: Record<string, ConfigValue>;
  /**
   * The Keras masks this call reads: for each tensor input, whether its mask follows the inputs. The
   * masks come after every input, in input order, as bool (batch, timesteps) tensors.
   */
  masks?: boolean[];
  inputShapes: Shape[];
  inputLayouts: Layout[];
  outputShapes: Shape[];
}

/** What layout the rule needs for each input (null: whatever it gets) and what it produces. */
export interface LayoutPlan {
  inputs: (Layout | null)[];
  outputs: Layout[];
}

export interface LowerContext {
  layer: LayerDef;
  /** The call's own arguments, for rules that declare `callParams`: values, and which tensors were given. */
  call?: Record<string, ConfigValue>;
  /**
   * The Keras masks this call reads: for each tensor input, whether its mask follows the inputs. The
   * masks come after every input, in input order, as bool (batch, timesteps) tensors.
   */
  masks?: boolean[];
  inputShapes: Shape[];
  /** The inputs' dtypes (an Embedding casts float indices); absent in some unit tests. */
  inputDtypes?: DType[];
  outputShapes: Shape[];
  /** Layouts after the layout pass (conversions already applied). */
  inputLayouts: Layout[];
  outputLayouts: Layout[];
}

export interface Lowering {
  module?: ModuleCtor;
  /** The forward expression. `{k: "input"}` is an input, `{k: "module"}` the layer's submodule. */
  forward: PyExpr;
  weights: WeightEntry[];
  constants: ConstantEntry[];
  /** Parameters that stand in for a Keras tensor that does not exist and must not train. */
  frozen?: string[];
  /** Something the reviewer must know about the translation (an augmentation left out in training). */
  warning?: string;
  /**
   * Statements that run before `forward`, for a module that returns a structure (`nn.LSTM`'s
   * `output, (h_n, c_n)`). Names that start with `$` are the rule's locals; the pass gives each a fresh
   * name (`$h` becomes `h`, or `h_2`). `forward` may use them.
   */
  steps?: { targets: PyExpr[]; value: PyExpr }[];
}

export type LowerResult = { ok: true; lowering: Lowering } | { ok: false; message: string };

export interface LayerRule {
  /** Stable rule id, used in docs and coverage. */
  name: string;
  kerasClasses: string[];
  /** Short description for the supported-layers table. */
  summary: string;
  signature(kerasClass: string): LayerSignature;
  inferShape(ctx: ShapeContext): ShapeResult;
  layout(ctx: LayoutContext): LayoutPlan;
  lower(ctx: LowerContext): LowerResult;
  /**
   * The layer's `call` parameters beyond its first input, when it takes more (MultiHeadAttention's
   * `value`, `key`, `attention_mask`, `use_causal_mask`). Tensors given become inputs in this order, and
   * `call[name]` says whether each was given; values are in `call[name]`.
   */
  callParams?: { name: string; kind: "tensor" | "value"; default?: ConfigValue }[];
  /**
   * How the call's outputs nest, when Keras returns more than a flat tuple: the size of each group in
   * order, a group of 1 a tensor and a larger one a list (an RNN over StackedRNNCells returns
   * `output, [h, c], h2`). Null or absent: flat.
   */
  outputGroups?(layer: LayerDef): number[] | null;
}
