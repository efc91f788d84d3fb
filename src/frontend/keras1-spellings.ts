// Keras 1 argument spellings that Keras 2 still accepted: its legacy interfaces
// (keras/legacy/interfaces.py, Keras 2.0–2.2) renamed them, with a warning, before building the layer.
// keras2torch reads them the same way, so `Dense(10, init="uniform")` and `Convolution2D(32, 3, 3,
// border_mode="same")` are the layers Keras 2 built from them.
import type { SourceRange } from "../ir/types.js";
import { py, type CallArgs, type PyValue } from "./values.js";

const CONV = ["Conv1D", "Conv2D", "Conv3D", "SeparableConv2D", "Conv2DTranspose", "DepthwiseConv2D"];
const POOL = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D"];
const RECURRENT = ["LSTM", "GRU", "SimpleRNN"];

/** Keras 1 keyword → Keras 2 keyword, by the Keras 2 classes whose legacy interface renamed it. */
const RENAMES: { classes: string[]; from: string; to: string }[] = [
  { classes: ["Dense", ...RECURRENT], from: "output_dim", to: "units" },
  { classes: ["Dense", ...CONV, ...RECURRENT], from: "init", to: "kernel_initializer" },
  { classes: ["Dense", ...CONV, ...RECURRENT], from: "W_regularizer", to: "kernel_regularizer" },
  { classes: ["Dense", ...CONV, ...RECURRENT], from: "b_regularizer", to: "bias_regularizer" },
  { classes: ["Dense", ...CONV, ...RECURRENT], from: "W_constraint", to: "kernel_constraint" },
  { classes: ["Dense", ...CONV, ...RECURRENT], from: "b_constraint", to: "bias_constraint" },
  { classes: ["Dense", ...CONV, ...RECURRENT], from: "bias", to: "use_bias" },
  { classes: CONV, from: "nb_filter", to: "filters" },
  { classes: CONV, from: "border_mode", to: "padding" },
  { classes: CONV, from: "subsample", to: "strides" },
  { classes: ["Conv1D"], from: "filter_length", to: "kernel_size" },
  { classes: ["Conv1D"], from: "subsample_length", to: "strides" },
  { classes: [...CONV, ...POOL, "UpSampling2D", "ZeroPadding2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D"], from: "dim_ordering", to: "data_format" },
  { classes: POOL, from: "pool_length", to: "pool_size" },
  { classes: POOL, from: "stride", to: "strides" },
  { classes: POOL, from: "border_mode", to: "padding" },
  { classes: RECURRENT, from: "inner_init", to: "recurrent_initializer" },
  { classes: RECURRENT, from: "inner_activation", to: "recurrent_activation" },
  { classes: RECURRENT, from: "U_regularizer", to: "recurrent_regularizer" },
  { classes: RECURRENT, from: "dropout_W", to: "dropout" },
  { classes: RECURRENT, from: "dropout_U", to: "recurrent_dropout" },
  { classes: ["Embedding"], from: "init", to: "embeddings_initializer" },
  { classes: ["Embedding"], from: "W_regularizer", to: "embeddings_regularizer" },
  { classes: ["Embedding"], from: "W_constraint", to: "embeddings_constraint" },
];

/** Keras 1's `dim_ordering` values. */
const DIM_ORDERING: Record<string, string> = { tf: "channels_last", th: "channels_first", default: "channels_last" };

/** The kernel axes Keras 1 took as separate positional arguments: `Convolution2D(32, 3, 3)`. */
const KERNEL_AXES: Record<string, number> = { Conv2D: 2, SeparableConv2D: 2, Conv2DTranspose: 2, Conv3D: 3 };

export interface Keras1Spelling {
  /** As written: `Dense(init=)`, `Conv2D(32, 3, 3)`. */
  spelling: string;
  /** What Keras 2 read it as: `kernel_initializer=`. */
  keras2: string;
  range: SourceRange;
}

/** Keywords only Keras 1 had: a call with one of them is Keras 1 code. */
const KERAS1_ONLY = new Set([...RENAMES.map((r) => r.from), "nb_row", "nb_col"]);

/**
 * The call with Keras 1 spellings replaced by the Keras 2 ones, and the spellings it had. `spelled` is
 * the class name as written: `Convolution2D(32, 3, 3)` is Keras 1's (filters, rows, columns), whereas
 * Keras 3 reads `Conv2D(32, 3, 3)` as (filters, kernel_size, strides), so three sizes are read as a
 * kernel only in Keras 1 code (a Keras 1 class name or keyword).
 */
export function keras2Call(cls: string, spelled: string, call: CallArgs): { call: CallArgs; spellings: Keras1Spelling[] } {
  const spellings: Keras1Spelling[] = [];
  let args = call.args;
  let argRanges = call.argRanges;
  const kwargs = new Map<string, PyValue>();
  const kwargRanges = new Map<string, SourceRange>();
  const axes = KERNEL_AXES[cls];
  // `Convolution2D(nb_filter, nb_row, nb_col)`: Keras 2's second positional argument is the kernel size.
  const keras1 = /^(Convolution|Deconvolution)\dD$/.test(spelled) || [...call.kwargs.keys()].some((k) => KERAS1_ONLY.has(k));
  if (keras1 && axes && args.length > axes && args.slice(1, axes + 1).every((a) => a.t === "int") && !call.kwargs.has("kernel_size")) {
    const dims = args.slice(1, axes + 1);
    spellings.push({ spelling: `${spelled}(${args.slice(0, axes + 1).map((a) => (a.t === "int" ? a.v : "…")).join(", ")})`, keras2: `kernel_size=(${dims.map((d) => (d as { v: number }).v).join(", ")})`, range: call.range });
    args = [args[0]!, py.tuple(dims), ...args.slice(axes + 1)];
    argRanges = [argRanges[0]!, argRanges[1]!, ...argRanges.slice(axes + 1)];
  }
  // `nb_row=3, nb_col=3`: one kernel size.
  const row = call.kwargs.get("nb_row");
  const col = call.kwargs.get("nb_col");
  for (const [key, value] of call.kwargs) {
    const range = call.kwargRanges.get(key)!;
    if ((key === "nb_row" || key === "nb_col") && row && col && axes === 2) {
      if (key === "nb_row") {
        kwargs.set("kernel_size", py.tuple([row, col]));
        kwargRanges.set("kernel_size", range);
        spellings.push({ spelling: `${spelled}(nb_row=, nb_col=)`, keras2: "kernel_size=", range });
      }
      continue;
    }
    const rename = RENAMES.find((r) => r.from === key && r.classes.includes(cls));
    if (!rename || call.kwargs.has(rename.to)) {
      kwargs.set(key, value);
      kwargRanges.set(key, range);
      continue;
    }
    const converted = rename.to === "data_format" && value.t === "str" && DIM_ORDERING[value.v] ? py.str(DIM_ORDERING[value.v]!) : value;
    kwargs.set(rename.to, converted);
    kwargRanges.set(rename.to, range);
    spellings.push({ spelling: `${spelled}(${key}=)`, keras2: `${rename.to}=`, range });
  }
  return { call: { ...call, args, argRanges, kwargs, kwargRanges }, spellings };
}
