// LSTM, GRU and SimpleRNN → nn.LSTM / nn.GRU / nn.RNN (batch_first), and Bidirectional around them →
// the same module with `bidirectional=True`. Keras 3.15.1 semantics (keras/src/layers/rnn/).
//
// Weights: Keras keeps a layer's variables in its cell (`cell/vars/0..2`: kernel, recurrent_kernel, bias).
// - LSTM: gates i,f,c,o in both; `kernel.T` → weight_ih, `recurrent_kernel.T` → weight_hh, the one bias →
//   bias_ih, and bias_hh is a frozen zero (Keras has a single bias).
// - GRU (reset_after=True): Keras' gates z,r,h are PyTorch's r,z,n, so rows are reordered (1, 0, 2); the
//   `(2, 3u)` bias holds the input bias (→ bias_ih) and the recurrent one (→ bias_hh).
// - SimpleRNN: like LSTM with one gate.
//
// Dropout (training only): Keras draws one input mask (batch, features) and one recurrent mask (batch, units)
// per call and uses them at every step; with `recurrent_dropout` (or implementation=1) LSTM/GRU cells draw
// one of each per gate, and the layer runs the cell loop (input dropout alone may take the fused/cuDNN path,
// the same mask applied to the sequence); each direction of a Bidirectional is its own layer with its own
// masks. The forward picks `keras_recurrent_dropout` when `self.training`,
// on the module's own parameters, so eval stays the fused call and the weights do not change.
import type { LayerDef, PyExpr, Shape, WeightEntry, ConstantEntry, ConfigValue } from "../ir/types.js";
import { identity } from "../ir/layout.js";
import { activationSpec, applyActivation } from "./activations.js";
import type { LayerRule, LowerResult, Lowering, ParamSpec } from "./types.js";
import { ConfigError, call, input, lit, method, name, shapeError, shapeOk } from "./util.js";

type Kind = "LSTM" | "GRU" | "SimpleRNN";

const GATES: Record<Kind, number> = { LSTM: 4, GRU: 3, SimpleRNN: 1 };
const TORCH: Record<Kind, string> = { LSTM: "nn.LSTM", GRU: "nn.GRU", SimpleRNN: "nn.RNN" };
const STATES: Record<Kind, number> = { LSTM: 2, GRU: 1, SimpleRNN: 1 };

/** Keras' constructor parameters (Keras 3.15.1 order), plus Keras 2's `time_major`. */
const COMMON = [
  "units",
  "activation",
  "recurrent_activation",
  "use_bias",
  "kernel_initializer",
  "recurrent_initializer",
  "bias_initializer",
  "unit_forget_bias",
  "kernel_regularizer",
  "recurrent_regularizer",
  "bias_regularizer",
  "activity_regularizer",
  "kernel_constraint",
  "recurrent_constraint",
  "bias_constraint",
  "dropout",
  "recurrent_dropout",
  "seed",
  "return_sequences",
  "return_state",
  "go_backwards",
  "stateful",
  "unroll",
  "reset_after",
  "use_cudnn",
  "time_major",
  "implementation",
  // Passed on to the RNN base (Keras 3 stores it in GRU's config).
  "zero_output_for_mask",
];
const DEFAULTS: Record<string, ConfigValue> = {
  activation: "tanh",
  recurrent_activation: "sigmoid",
  use_bias: true,
  dropout: 0,
  recurrent_dropout: 0,
  return_sequences: false,
  return_state: false,
  go_backwards: false,
  stateful: false,
  unroll: false,
  reset_after: true,
  time_major: false,
};
const PARAMS: Record<Kind, string[]> = {
  LSTM: COMMON.filter((p) => p !== "reset_after"),
  GRU: COMMON.filter((p) => p !== "unit_forget_bias"),
  SimpleRNN: COMMON.filter((p) => !["recurrent_activation", "unit_forget_bias", "reset_after"].includes(p)),
};

/** The settings of one recurrent layer that the translation depends on, checked. */
interface Recurrence {
  kind: Kind;
  units: number;
  useBias: boolean;
  returnSequences: boolean;
  returnState: boolean;
  goBackwards: boolean;
  /** `RNN(zero_output_for_mask=True)`: masked steps output zeros instead of the previous output. */
  zeroMasked: boolean;
  /** nn.RNN's `nonlinearity` (SimpleRNN with relu). */
  nonlinearity: "tanh" | "relu";
  /**
   * Set when PyTorch's module cannot compute the layer (other activations, GRU's reset_after=False): the
   * generated KerasRNN runs Keras' formulas, with these activation functions.
   */
  generated?: { activation: PyExpr; recurrentActivation: PyExpr; resetAfter: boolean };
  /** Keras' training-only dropout rates (0 when off). */
  dropout: number;
  recurrentDropout: number;
  /** LSTM/GRU with Keras' implementation=1 (which recurrent_dropout selects): one mask per gate. */
  perGate: boolean;
}

export const activationName = (v: ConfigValue): string => (v === null || v === undefined ? "linear" : typeof v === "string" ? v : String((v as { name?: unknown }).name));

function recurrence(layer: Pick<LayerDef, "kerasClass" | "config" | "name">): Recurrence {
  const kind = layer.kerasClass as Kind;
  if (!(kind in GATES)) throw new ConfigError(`${layer.kerasClass} is not a recurrent layer keras2torch translates`);
  const config = layer.config;
  const get = (key: string): ConfigValue => config[key] ?? DEFAULTS[key] ?? null;
  const units = get("units");
  if (typeof units !== "number" || !Number.isInteger(units) || units <= 0) throw new ConfigError("`units` must be a positive integer");
  if (get("stateful") === true) throw new ConfigError("`stateful=True` keeps state between batches, which a PyTorch module does not; pass the state explicitly with `initial_state` instead");
  if (get("time_major") === true) throw new ConfigError("`time_major=True` (Keras 2) is not supported; transpose the input to batch-major");
  const activation = activationName(get("activation"));
  const recurrent = kind === "SimpleRNN" ? "sigmoid" : activationName(get("recurrent_activation"));
  let nonlinearity: "tanh" | "relu" = "tanh";
  let generated: Recurrence["generated"];
  const resetAfter = get("reset_after") !== false;
  if (kind === "SimpleRNN" && activation === "relu") nonlinearity = "relu";
  else if (activation !== "tanh" || recurrent !== "sigmoid" || (kind === "GRU" && !resetAfter)) {
    // nn.LSTM/nn.GRU have only tanh and sigmoid, and nn.GRU only reset_after=True: Keras' own formulas.
    generated = { activation: activationFunction(activation, "activation"), recurrentActivation: activationFunction(recurrent, "recurrent_activation"), resetAfter };
  }
  const rate = (key: string): number => {
    const v = get(key);
    return typeof v === "number" && v > 0 ? Math.min(v, 1) : 0;
  };
  const [dropout, recurrentDropout] = [rate("dropout"), rate("recurrent_dropout")];
  return {
    kind,
    units,
    useBias: get("use_bias") !== false,
    returnSequences: get("return_sequences") === true,
    returnState: get("return_state") === true,
    goBackwards: get("go_backwards") === true,
    zeroMasked: config.zero_output_for_mask === true,
    nonlinearity,
    generated,
    dropout,
    recurrentDropout,
    perGate: kind !== "SimpleRNN" && (recurrentDropout > 0 || get("implementation") === 1),
  };
}

/**
 * An activation as a function value for KerasRNN (`torch.tanh`, `F.relu`, `nn.Identity()`): only those
 * that PyTorch has as a one-argument function.
 */
export function activationFunction(activation: string, key: string): PyExpr {
  const probe = applyActivation(name("__x__"), activationSpec(activation), identity(2), 2);
  if (probe.k === "name") return call("nn.Identity", []);
  if (probe.k === "call" && probe.args.length === 1 && probe.args[0]!.k === "name" && (probe.kwargs ?? []).length === 0) return probe.fn;
  throw new ConfigError(`\`${key}='${activation}'\` in a recurrent layer is not supported yet (only activations PyTorch has as one-argument functions)`);
}

/** A (N, T, F) input and the shapes a recurrent layer with these settings returns. */
function recurrentShapes(r: Recurrence, shape: Shape, directions: number, merge: string | null): Shape[] {
  const [batch, steps] = [shape[0]!, shape[1]!];
  const width = merge === "concat" ? directions * r.units : r.units;
  const output: Shape = r.returnSequences ? [batch, steps, width] : [batch, width];
  const outputs: Shape[] = merge === null && directions === 2 ? [output, output] : [output];
  if (r.returnState) for (let i = 0; i < directions * STATES[r.kind]; i++) outputs.push([batch, r.units]);
  return outputs;
}

/** The Keras variables of one direction onto PyTorch's parameter names (`suffix` is `_reverse` or ""); `subpath` is the cell's (`cell/`). */
function cellWeights(r: Recurrence, features: number, suffix: string, subpath: string, first: number): { weights: WeightEntry[]; constants: ConstantEntry[]; frozen: string[] } {
  const gates = GATES[r.kind] * r.units;
  if (r.generated) {
    // KerasRNN keeps Keras' variables as they are.
    const biasShape = r.kind === "GRU" && r.generated.resetAfter ? [2, gates] : [gates];
    const rows: WeightEntry[] = [
      { kerasIndex: first, kerasName: "kernel", kerasShape: [features, gates], param: "kernel", transforms: [], keras3Subpath: `${subpath}vars/0` },
      { kerasIndex: first + 1, kerasName: "recurrent_kernel", kerasShape: [r.units, gates], param: "recurrent_kernel", transforms: [], keras3Subpath: `${subpath}vars/1` },
    ];
    if (r.useBias) rows.push({ kerasIndex: first + 2, kerasName: "bias", kerasShape: biasShape, param: "bias", transforms: [], keras3Subpath: `${subpath}vars/2` });
    return { weights: rows, constants: [], frozen: [] };
  }
  const reorder = r.kind === "GRU" ? [{ op: "reorder_blocks" as const, order: [1, 0, 2] }] : [];
  const weights: WeightEntry[] = [
    { kerasIndex: first, kerasName: "kernel", kerasShape: [features, gates], param: `weight_ih_l0${suffix}`, transforms: [{ op: "transpose", axes: [1, 0] }, ...reorder], keras3Subpath: `${subpath}vars/0` },
    { kerasIndex: first + 1, kerasName: "recurrent_kernel", kerasShape: [r.units, gates], param: `weight_hh_l0${suffix}`, transforms: [{ op: "transpose", axes: [1, 0] }, ...reorder], keras3Subpath: `${subpath}vars/1` },
  ];
  const constants: ConstantEntry[] = [];
  const frozen: string[] = [];
  if (r.useBias) {
    const biasPath = `${subpath}vars/2`;
    if (r.kind === "GRU") {
      weights.push(
        { kerasIndex: first + 2, kerasName: "bias", kerasShape: [2, gates], param: `bias_ih_l0${suffix}`, transforms: [{ op: "index", index: 0 }, ...reorder], keras3Subpath: biasPath },
        { kerasIndex: first + 2, kerasName: "bias", kerasShape: [2, gates], param: `bias_hh_l0${suffix}`, transforms: [{ op: "index", index: 1 }, ...reorder], keras3Subpath: biasPath },
      );
    } else {
      weights.push({ kerasIndex: first + 2, kerasName: "bias", kerasShape: [gates], param: `bias_ih_l0${suffix}`, transforms: [], keras3Subpath: biasPath });
      // Keras has one bias; PyTorch adds a second, held at zero.
      constants.push({ param: `bias_hh_l0${suffix}`, shape: [gates], dtype: "float32", value: 0 });
      frozen.push(`bias_hh_l0${suffix}`);
    }
  }
  return { weights, constants, frozen };
}

/** `withDropout`: a generated KerasRNN applies Keras' dropout itself in training (it runs the whole sequence in one call). */
function moduleCtor(r: Recurrence, features: number, bidirectional: boolean, withDropout = false): Lowering["module"] {
  if (r.generated) {
    if (bidirectional) return { ctor: "KerasBidirectional", args: [ctorCall(moduleCtor(r, features, false, withDropout)!), ctorCall(moduleCtor(r, features, false, withDropout)!)], kwargs: [] };
    const kwargs: [string, PyExpr][] = [];
    const isDefault = (e: PyExpr, fn: string) => e.k === "name" && e.name === fn;
    if (!isDefault(r.generated.activation, "torch.tanh")) kwargs.push(["activation", r.generated.activation]);
    if (r.kind !== "SimpleRNN" && !isDefault(r.generated.recurrentActivation, "torch.sigmoid")) kwargs.push(["recurrent_activation", r.generated.recurrentActivation]);
    if (!r.useBias) kwargs.push(["bias", lit(false)]);
    if (r.kind === "GRU" && !r.generated.resetAfter) kwargs.push(["reset_after", lit(false)]);
    if (withDropout) {
      if (r.dropout > 0) kwargs.push(["dropout", { k: "float", value: r.dropout }]);
      if (r.recurrentDropout > 0) kwargs.push(["recurrent_dropout", { k: "float", value: r.recurrentDropout }]);
      if (r.perGate) kwargs.push(["per_gate", lit(true)]);
    }
    const kind = { LSTM: "lstm", GRU: "gru", SimpleRNN: "rnn" }[r.kind];
    return { ctor: "KerasRNN", args: [lit(kind), lit(features), lit(r.units)], kwargs };
  }
  const kwargs: [string, PyExpr][] = [["batch_first", lit(true)]];
  if (r.kind === "SimpleRNN" && r.nonlinearity === "relu") kwargs.push(["nonlinearity", lit("relu")]);
  if (!r.useBias) kwargs.push(["bias", lit(false)]);
  if (bidirectional) kwargs.push(["bidirectional", lit(true)]);
  return { ctor: TORCH[r.kind], args: [lit(features), lit(r.units)], kwargs };
}

const at = (obj: PyExpr, index: PyExpr): PyExpr => ({ k: "subscript", obj, index });
/** A constructor as an expression, to pass one module to another's constructor. */
const ctorCall = (ctor: NonNullable<Lowering["module"]>): PyExpr => call(ctor.ctor, ctor.args, ctor.kwargs);
const int = (i: number): PyExpr => lit(i);
/** `t[:, -1]` (the last step) and `t[:, 0]` (the first). */
const step = (t: PyExpr, i: number): PyExpr => at(t, { k: "tuple", items: [{ k: "slice", start: null, stop: null, step: null }, int(i)] });

/** Keras' initial states (N, units) as PyTorch's (directions, N, units): `h0.unsqueeze(0)` or a stack. */
function initialState(states: PyExpr[], kind: Kind, directions: number): PyExpr {
  const perDirection = STATES[kind];
  const stacked = (which: number): PyExpr => {
    const items = Array.from({ length: directions }, (_, d) => states[d * perDirection + which]!);
    return items.length === 1 ? method(items[0]!, "unsqueeze", [int(0)]) : call("torch.stack", [{ k: "list", items }]);
  };
  if (perDirection === 1) return stacked(0);
  return { k: "tuple", items: [stacked(0), stacked(1)] };
}

const TRAINING: PyExpr = { k: "attr", obj: name("self"), name: "training" };

/** `keras_recurrent_dropout(self.lstm, x, state, dropout=..., ...)`: Keras' training-mode dropout. */
function recurrentDropout(r: Recurrence, x: PyExpr, state: PyExpr | null): PyExpr {
  const kwargs: [string, PyExpr][] = [];
  if (r.dropout > 0) kwargs.push(["dropout", { k: "float", value: r.dropout }]);
  if (r.recurrentDropout > 0) kwargs.push(["recurrent_dropout", { k: "float", value: r.recurrentDropout }]);
  if (r.perGate) kwargs.push(["per_gate", lit(true)]);
  return call("keras_recurrent_dropout", [{ k: "module" }, x, ...(state ? [state] : [])], kwargs);
}

/** `x * torch.bernoulli(x.new_full((x.shape[0], 1, x.shape[2]), 1 - rate)) / (1 - rate) if self.training else x` */
function inputDropout(x: PyExpr, rate: number): PyExpr {
  const dim = (i: number): PyExpr => at({ k: "attr", obj: x, name: "shape" }, int(i));
  const keep: PyExpr = { k: "float", value: 1 - rate };
  const draw = call("torch.bernoulli", [method(x, "new_full", [{ k: "tuple", items: [dim(0), int(1), dim(2)] }, keep])]);
  return { k: "ternary", condition: TRAINING, then: { k: "binop", op: "/", left: { k: "binop", op: "*", left: x, right: draw }, right: keep }, otherwise: x };
}

/** The warning for dropout the generated module leaves out (`where`: the case keras_recurrent_dropout does not cover). */
function dropoutWarning(r: Recurrence, where: string): string | undefined {
  if (r.dropout === 0 && r.recurrentDropout === 0) return undefined;
  return `\`dropout\`/\`recurrent_dropout\` only act in training; with ${where} the generated module does not drop (it is exact at inference)`;
}

/** Lowers one module call: `self.lstm(x)` with the states, and picks Keras' outputs out of the result. */
function lowerRecurrent(
  r: Recurrence,
  features: number,
  stateInputs: number,
  merge: string | null,
  directions: number,
  extra: Pick<Lowering, "weights" | "constants" | "frozen">,
  mask: PyExpr | null = null,
  dropoutAlike = true,
): LowerResult {
  const expected = directions * STATES[r.kind];
  if (stateInputs !== 0 && stateInputs !== expected) throw new ConfigError(`\`initial_state\` must hold ${expected} tensor(s), got ${stateInputs}`);
  const backwards = (t: PyExpr): PyExpr => (r.goBackwards ? method(t, "flip", [int(1)]) : t);
  // A masked one-direction layer with input dropout alone (one mask, constant over the steps): the
  // sequence is dropped before masked_recurrence, which Keras' cell loop equals.
  const maskedInputDropout = mask !== null && directions === 1 && !r.generated && r.dropout > 0 && r.dropout < 1 && r.recurrentDropout === 0 && !r.perGate;
  const args: PyExpr[] = [maskedInputDropout ? inputDropout(backwards(input()), r.dropout) : backwards(input())];
  const state = stateInputs ? initialState(Array.from({ length: stateInputs }, (_, i) => input(i + 1)), r.kind, directions) : null;
  // A masked sequence runs step by step (masked steps carry the state on); the module call otherwise.
  // A masked Bidirectional is a MaskedBidirectional module, which takes the mask itself.
  // In training, Keras' dropout masks (the same at every step) need keras_recurrent_dropout; eval keeps the module call.
  const dropping = dropoutAlike && !mask && !r.generated && (r.dropout > 0 || r.recurrentDropout > 0);
  // A generated KerasRNN drops by itself (not under masked_recurrence, which calls it step by step).
  const selfDropping = dropoutAlike && !mask && r.generated !== undefined && (r.dropout > 0 || r.recurrentDropout > 0);
  const run = !mask
    ? dropping
      ? { k: "ternary" as const, condition: TRAINING, then: recurrentDropout(r, args[0]!, state), otherwise: call({ k: "module" }, state ? [...args, state] : args) }
      : call({ k: "module" }, state ? [...args, state] : args)
    : directions === 2
      ? call({ k: "module" }, [...args, mask, ...(state ? [state] : [])])
      : call("masked_recurrence", [{ k: "module" }, ...args, backwards(mask), ...(state ? [state] : [])], r.zeroMasked ? [["zero_masked", lit(true)]] : []);
  const outputName = name("$output");
  const h = name("$h");
  const c = name("$c");
  const stateTarget: PyExpr = r.kind === "LSTM" ? { k: "tuple", items: [h, c] } : h;
  const needsStates = r.returnState || (!r.returnSequences && directions === 2);
  const steps: Lowering["steps"] = [];
  if (needsStates) steps.push({ targets: [outputName, stateTarget], value: run });

  // The final output of each direction: the last step of the forward pass, and the backward pass's state.
  const sequenceOut: PyExpr = needsStates ? outputName : at(run, int(0));
  let outputs: PyExpr[];
  if (directions === 1) {
    // With zero_output_for_mask the last output is zero when the last step is masked, unlike the state.
    const lastFromState = needsStates && !(mask && r.zeroMasked);
    outputs = [r.returnSequences ? sequenceOut : lastFromState ? at(h, int(0)) : step(sequenceOut, -1)];
  } else {
    let forward: PyExpr;
    let backward: PyExpr;
    if (r.returnSequences) {
      if (merge === "concat") {
        forward = backward = sequenceOut;
      } else {
        steps.push({ targets: [name("$forward"), name("$backward")], value: method(sequenceOut, "chunk", [int(2)], [["dim", int(-1)]]) });
        forward = name("$forward");
        backward = name("$backward");
      }
    } else {
      forward = at(h, int(0));
      backward = at(h, int(1));
    }
    const merged = (): PyExpr[] => {
      switch (merge) {
        case "concat":
          return [r.returnSequences ? sequenceOut : call("torch.cat", [{ k: "list", items: [forward, backward] }], [["dim", int(-1)]])];
        case "sum":
          return [{ k: "binop", op: "+", left: forward, right: backward }];
        case "mul":
          return [{ k: "binop", op: "*", left: forward, right: backward }];
        case "ave":
          return [{ k: "binop", op: "/", left: { k: "binop", op: "+", left: forward, right: backward }, right: { k: "float", value: 2 } }];
        case null:
          return [forward, backward];
        default:
          throw new ConfigError(`\`merge_mode\` must be 'concat', 'sum', 'mul', 'ave' or None, got ${JSON.stringify(merge)}`);
      }
    };
    outputs = merged();
  }
  if (r.returnState) {
    for (let d = 0; d < directions; d++) {
      outputs.push(at(h, int(d)));
      if (r.kind === "LSTM") outputs.push(at(c, int(d)));
    }
  }
  const forward: PyExpr = outputs.length === 1 ? outputs[0]! : { k: "tuple", items: outputs };
  const module =
    mask && directions === 2
      ? {
          // One module per direction, under Keras' names; Keras zeroes masked outputs when it returns sequences.
          ctor: "MaskedBidirectional",
          args: [ctorCall(moduleCtor(r, features, false)!), ctorCall(moduleCtor(r, features, false)!)],
          kwargs: r.returnSequences ? ([["zero_masked", lit(true)]] as [string, PyExpr][]) : [],
        }
      : moduleCtor(r, features, directions === 2, selfDropping);
  const where = mask ? "a masked sequence (other than input dropout alone in one direction)" : "a `backward_layer` of other dropout rates";
  return { ok: true, lowering: { module, forward, steps, ...extra, warning: dropping || selfDropping || maskedInputDropout ? undefined : dropoutWarning(r, where) } };
}

function sequenceShape(shape: Shape, what: string): void {
  if (shape.length !== 3) throw new ConfigError(`${what} expects a (batch, timesteps, features) input, got rank ${shape.length}`);
  if (shape[2] === null) throw new ConfigError(`${what} needs the feature size of its input to be known`);
}

export const recurrentRule: LayerRule = {
  name: "recurrent",
  kerasClasses: ["LSTM", "GRU", "SimpleRNN"],
  summary: "`nn.LSTM`/`nn.GRU`/`nn.RNN` (batch_first); `return_sequences`, `return_state`, `go_backwards` and `initial_state`; LSTM's single bias onto `bias_ih`, GRU's gates reordered; `dropout`/`recurrent_dropout` in training with Keras' masks (`keras_recurrent_dropout`)",
  signature: (cls) => ({ params: PARAMS[cls as Kind].map((p) => ({ name: p, default: DEFAULTS[p] ?? null })) }),
  inferShape: ({ layer, inputs, masks }) => {
    const masked = masks?.[0] === true;
    const r = recurrence(layer);
    const shape = inputs[0]!;
    if (shape.length !== 3) return shapeError(`expects a (batch, timesteps, features) input, got rank ${shape.length}`);
    const states = inputs.slice(1, masked ? -1 : undefined);
    const wrong = states.find((s) => s.length !== 2 || (s[1] !== null && s[1] !== r.units));
    if (wrong) return shapeError(`each initial state must be (batch, ${r.units}), got ${JSON.stringify(wrong)}`);
    return shapeOk(...recurrentShapes(r, shape, 1, "concat"));
  },
  layout: ({ inputShapes, outputShapes }) => ({ inputs: inputShapes.map((s) => identity(s.length)), outputs: outputShapes.map((s) => identity(s.length)) }),
  lower: ({ layer, inputShapes, masks }) => {
    const masked = masks?.[0] === true;
    const r = recurrence(layer);
    sequenceShape(inputShapes[0]!, layer.kerasClass);
    const features = inputShapes[0]![2]!;
    const mask = masked ? input(inputShapes.length - 1) : null;
    const states = inputShapes.length - 1 - (masked ? 1 : 0);
    return lowerRecurrent(r, features, states, "concat", 1, cellWeights(r, features, "", "cell/", 0), mask);
  },
};

/** A serialized inner layer (`{class_name, config}`), as the frontend records a layer argument. */
function innerLayer(value: ConfigValue, key: string): Pick<LayerDef, "kerasClass" | "config" | "name"> {
  if (typeof value !== "object" || value === null || Array.isArray(value) || typeof value.class_name !== "string") throw new ConfigError(`\`${key}\` must be a recurrent layer`);
  const config = (value.config ?? {}) as Record<string, ConfigValue>;
  return { kerasClass: value.class_name, config, name: String(value.name ?? config.name ?? key) };
}

/** The forward and backward settings, which nn.LSTM(bidirectional=True) needs to be alike. */
function directionsOf(layer: LayerDef): { forward: Recurrence; merge: string | null; dropoutAlike: boolean } {
  // `RNN(cell)` is the layer its cell makes.
  const resolve = (l: CellLayer): CellLayer => (l.kerasClass === "RNN" ? singleCell(l, "Bidirectional") : l);
  const forward = recurrence(resolve(innerLayer(layer.config.layer ?? null, "layer")));
  let dropoutAlike = true;
  if (forward.goBackwards) throw new ConfigError("Bidirectional around a layer with `go_backwards=True` is not supported");
  if (layer.config.backward_layer !== null && layer.config.backward_layer !== undefined) {
    const backward = recurrence(resolve(innerLayer(layer.config.backward_layer, "backward_layer")));
    const alike =
      backward.kind === forward.kind &&
      backward.units === forward.units &&
      backward.useBias === forward.useBias &&
      backward.nonlinearity === forward.nonlinearity &&
      JSON.stringify(backward.generated) === JSON.stringify(forward.generated);
    if (!alike || !backward.goBackwards || backward.returnSequences !== forward.returnSequences || backward.returnState !== forward.returnState) {
      throw new ConfigError("`backward_layer` must be the same kind of layer as `layer`, with the same units, `return_sequences` and `return_state`, and `go_backwards=True`");
    }
    // keras_recurrent_dropout gives both directions one set of rates.
    dropoutAlike = backward.dropout === forward.dropout && backward.recurrentDropout === forward.recurrentDropout && backward.perGate === forward.perGate;
  }
  const merge = layer.config.merge_mode === undefined ? "concat" : (layer.config.merge_mode as string | null);
  return { forward, merge, dropoutAlike };
}

export const bidirectionalRule: LayerRule = {
  name: "bidirectional",
  kerasClasses: ["Bidirectional"],
  summary: "one `nn.LSTM`/`nn.GRU`/`nn.RNN`, `bidirectional=True`; every `merge_mode`, `backward_layer`, `RNN(cell)` inside; generated cells as two `KerasRNN` (`KerasBidirectional`); dropout in training with a mask set per direction",
  signature: () => ({
    params: [
      { name: "layer", default: null },
      { name: "merge_mode", default: "concat" },
      { name: "weights", default: null },
      { name: "backward_layer", default: null },
    ],
  }),
  inferShape: ({ layer, inputs }) => {
    const { forward, merge } = directionsOf(layer);
    const shape = inputs[0]!;
    if (shape.length !== 3) return shapeError(`expects a (batch, timesteps, features) input, got rank ${shape.length}`);
    return shapeOk(...recurrentShapes(forward, shape, 2, merge));
  },
  layout: ({ inputShapes, outputShapes }) => ({ inputs: inputShapes.map((s) => identity(s.length)), outputs: outputShapes.map((s) => identity(s.length)) }),
  lower: ({ layer, inputShapes, masks }) => {
    const masked = masks?.[0] === true;
    const { forward, merge, dropoutAlike } = directionsOf(layer);
    sequenceShape(inputShapes[0]!, "Bidirectional");
    const features = inputShapes[0]![2]!;
    const ahead = cellWeights(forward, features, "", "forward_layer/cell/", 0);
    // Masked, or with a generated cell: two one-direction modules, `forward_layer.*` and `backward_layer.*`.
    const separate = masked || forward.generated !== undefined;
    const back = cellWeights(forward, features, separate ? "" : "_reverse", "backward_layer/cell/", forward.useBias ? 3 : 2);
    const under = (prefix: string, part: ReturnType<typeof cellWeights>) =>
      separate
        ? {
            weights: part.weights.map((w) => ({ ...w, param: `${prefix}.${w.param}` })),
            constants: part.constants.map((c) => ({ ...c, param: `${prefix}.${c.param}` })),
            frozen: part.frozen.map((f) => `${prefix}.${f}`),
          }
        : part;
    const [f, b] = [under("forward_layer", ahead), under("backward_layer", back)];
    const extra = { weights: [...f.weights, ...b.weights], constants: [...f.constants, ...b.constants], frozen: [...f.frozen, ...b.frozen] };
    const mask = masked ? input(inputShapes.length - 1) : null;
    return lowerRecurrent(forward, features, inputShapes.length - 1 - (masked ? 1 : 0), merge, 2, extra, mask, dropoutAlike);
  },
};

const CELLS: Record<string, Kind> = { LSTMCell: "LSTM", GRUCell: "GRU", SimpleRNNCell: "SimpleRNN" };
/** Keras 3's snake-case names of the cells, which name a stack's entries in saved files (`cell/cells/gru_cell_1`). */
const CELL_SNAKE: Record<Kind, string> = { LSTM: "lstm_cell", GRU: "gru_cell", SimpleRNN: "simple_rnn_cell" };

/** The classes that are only data for `keras.layers.RNN` (the frontend does not report them unsupported). */
export const RECURRENT_CELLS = [...Object.keys(CELLS), "StackedRNNCells"];

/** A cell's constructor parameters: its layer's, without the options only the RNN layer has. */
export function cellSignature(cls: string): ParamSpec[] {
  if (cls === "StackedRNNCells") return [{ name: "cells", default: null }];
  const layerOnly = ["return_sequences", "return_state", "go_backwards", "stateful", "unroll", "use_cudnn", "time_major", "activity_regularizer"];
  return PARAMS[CELLS[cls]!].filter((p) => !layerOnly.includes(p)).map((p) => ({ name: p, default: DEFAULTS[p] ?? null }));
}

type CellLayer = Pick<LayerDef, "kerasClass" | "config" | "name">;

/**
 * `RNN(cell, ...)`: the layer each cell and the RNN's own options make (`RNN(LSTMCell(4))` is `LSTM(4)`).
 * A stack (`RNN(StackedRNNCells([...]))`, or Keras' shorthand `RNN([cell, cell])`) gives one per cell.
 */
function rnnCells(layer: Pick<LayerDef, "config" | "name">): { cells: CellLayer[]; stacked: boolean } {
  let cell: ConfigValue = layer.config.cell ?? null;
  let stacked = Array.isArray(cell);
  if (typeof cell === "object" && cell !== null && !Array.isArray(cell) && cell.class_name === "StackedRNNCells") {
    cell = ((cell.config ?? {}) as Record<string, ConfigValue>).cells ?? null;
    stacked = true;
    if (!Array.isArray(cell)) throw new ConfigError("`StackedRNNCells` needs a list of cells");
  }
  const items = Array.isArray(cell) ? cell : [cell];
  if (items.length === 0) throw new ConfigError("`RNN` needs at least one cell");
  const own = Object.fromEntries(["return_sequences", "return_state", "go_backwards", "stateful", "unroll", "zero_output_for_mask"].map((k) => [k, layer.config[k] ?? null]));
  const cells = items.map((item) => {
    if (typeof item !== "object" || item === null || Array.isArray(item) || typeof item.class_name !== "string") throw new ConfigError("`RNN` needs a cell (LSTMCell, GRUCell or SimpleRNNCell)");
    const kind = CELLS[item.class_name];
    if (!kind) throw new ConfigError(`\`RNN\` with a \`${item.class_name}\` cell is not supported yet (LSTMCell, GRUCell, SimpleRNNCell and StackedRNNCells of them are)`);
    return { kerasClass: kind, name: layer.name, config: { ...((item.config ?? {}) as Record<string, ConfigValue>), ...own } };
  });
  return { cells, stacked };
}

/** A single cell's layer (a stack is refused where it cannot go). */
function singleCell(layer: Pick<LayerDef, "config" | "name">, where: string): CellLayer {
  const { cells, stacked } = rnnCells(layer);
  if (stacked) throw new ConfigError(`${where} around an RNN of stacked cells is not supported yet`);
  return cells[0]!;
}

/** A stack's cells with the input size each one reads: the sequence's features, then the previous cell's units. */
function stackOf(layer: LayerDef, features: number | null): { r: Recurrence; features: number | null }[] {
  const rs = rnnCells(layer).cells.map(recurrence);
  return rs.map((r, i) => ({ r, features: i === 0 ? features : rs[i - 1]!.units }));
}

/** `RNN(StackedRNNCells([...]))`: what Keras returns: the last cell's outputs, then every cell's states. */
function stackedShapes(layer: LayerDef, shape: Shape): Shape[] {
  const stack = stackOf(layer, shape[2] ?? null);
  const last = stack[stack.length - 1]!.r;
  const [batch, steps] = [shape[0]!, shape[1]!];
  const outputs: Shape[] = [last.returnSequences ? [batch, steps, last.units] : [batch, last.units]];
  if (last.returnState) for (const { r } of stack) for (let i = 0; i < STATES[r.kind]; i++) outputs.push([batch, r.units]);
  return outputs;
}

/**
 * A stack runs cell by cell, each over the whole sequence the previous one returned: the same as Keras'
 * step-by-step stacking, masks included (a masked step keeps every cell's state). One `nn.ModuleList`
 * holds the cells' modules; their weights are under `cell/cells/<snake name>` in Keras 3 files.
 */
function lowerStacked(layer: LayerDef, features: number, stateInputs: number, mask: PyExpr | null): LowerResult {
  const stack = stackOf(layer, features);
  const last = stack[stack.length - 1]!.r;
  const expected = stack.reduce((n, { r }) => n + STATES[r.kind], 0);
  if (stateInputs !== 0 && stateInputs !== expected) throw new ConfigError(`\`initial_state\` must hold ${expected} tensor(s) (each cell's states in order), got ${stateInputs}`);
  const counts = new Map<string, number>();
  const weights: WeightEntry[] = [];
  const constants: ConstantEntry[] = [];
  const frozen: string[] = [];
  const steps: NonNullable<Lowering["steps"]> = [];
  const stateOutputs: PyExpr[] = [];
  const backwards = (t: PyExpr): PyExpr => (last.goBackwards ? method(t, "flip", [int(1)]) : t);
  let sequence = backwards(input());
  let nextState = 1;
  let forward: PyExpr | null = null;
  stack.forEach(({ r, features: width }, i) => {
    const snake = CELL_SNAKE[r.kind];
    const seen = counts.get(snake) ?? 0;
    counts.set(snake, seen + 1);
    const part = cellWeights(r, width!, "", `cell/cells/${seen ? `${snake}_${seen}` : snake}/`, weights.length ? Math.max(...weights.map((w) => w.kerasIndex)) + 1 : 0);
    weights.push(...part.weights.map((w) => ({ ...w, param: `${i}.${w.param}` })));
    constants.push(...part.constants.map((c) => ({ ...c, param: `${i}.${c.param}` })));
    frozen.push(...part.frozen.map((f) => `${i}.${f}`));

    const module: PyExpr = { k: "subscript", obj: { k: "module" }, index: int(i) };
    const given = stateInputs ? Array.from({ length: STATES[r.kind] }, () => input(nextState++)) : [];
    const state = given.length ? initialState(given, r.kind, 1) : null;
    const isLast = i === stack.length - 1;
    const zero: [string, PyExpr][] = isLast && r.zeroMasked ? [["zero_masked", lit(true)]] : [];
    const run = mask ? call("masked_recurrence", [module, sequence, backwards(mask), ...(state ? [state] : [])], zero) : call(module, state ? [sequence, state] : [sequence]);
    if (isLast && !last.returnState) {
      forward = last.returnSequences ? at(run, int(0)) : step(at(run, int(0)), -1);
      return;
    }
    const n = i + 1;
    const out = name(isLast && !last.returnSequences && !(mask && r.zeroMasked) ? "_" : `$out${n}`);
    const h = name(last.returnState ? `$h${n}` : "_");
    const stateTarget: PyExpr = r.kind === "LSTM" && last.returnState ? { k: "tuple", items: [h, name(`$c${n}`)] } : h;
    steps.push({ targets: [out, stateTarget], value: run });
    if (last.returnState) stateOutputs.push(at(h, int(0)), ...(r.kind === "LSTM" ? [at(name(`$c${n}`), int(0))] : []));
    sequence = out;
    if (isLast) {
      const output = last.returnSequences ? out : mask && r.zeroMasked ? step(out, -1) : at(h, int(0));
      forward = { k: "tuple", items: [output, ...stateOutputs] };
    }
  });
  const module = { ctor: "nn.ModuleList", args: [{ k: "list" as const, items: stack.map(({ r, features: width }) => ctorCall(moduleCtor(r, width!, false)!)) }], kwargs: [] };
  const warning = stack.map(({ r }) => dropoutWarning(r, "stacked cells")).find((w) => w);
  return { ok: true, lowering: { module, forward: forward!, steps, weights, constants, frozen, warning } };
}

export const rnnRule: LayerRule = {
  name: "rnn",
  kerasClasses: ["RNN"],
  summary: "`keras.layers.RNN` around LSTMCell, GRUCell or SimpleRNNCell: the matching layer's module; `StackedRNNCells` (or a list of cells): an `nn.ModuleList`, cell after cell",
  signature: () => ({
    params: ["cell", "return_sequences", "return_state", "go_backwards", "stateful", "unroll", "zero_output_for_mask"].map((name) => ({ name, default: DEFAULTS[name] ?? null })),
  }),
  inferShape: (ctx) => {
    const { cells, stacked } = rnnCells(ctx.layer);
    if (!stacked) return recurrentRule.inferShape({ ...ctx, layer: { ...ctx.layer, ...cells[0]! } });
    const shape = ctx.inputs[0]!;
    if (shape.length !== 3) return shapeError(`expects a (batch, timesteps, features) input, got rank ${shape.length}`);
    const outputs = stackedShapes(ctx.layer, shape);
    const states = ctx.inputs.slice(1, ctx.masks?.[0] ? -1 : undefined);
    const wanted = stackedShapes({ ...ctx.layer, config: { ...ctx.layer.config, return_state: true } }, shape).slice(1);
    if (states.length && states.length !== wanted.length) return shapeError(`\`initial_state\` must hold ${wanted.length} tensor(s) (each cell's states in order), got ${states.length}`);
    const wrong = states.findIndex((st, i) => st.length !== 2 || (st[1] !== null && st[1] !== wanted[i]![1]));
    if (wrong >= 0) return shapeError(`initial state ${wrong} must be (batch, ${wanted[wrong]![1]}), got ${JSON.stringify(states[wrong])}`);
    return shapeOk(...outputs);
  },
  layout: ({ inputShapes, outputShapes }) => ({ inputs: inputShapes.map((s) => identity(s.length)), outputs: outputShapes.map((s) => identity(s.length)) }),
  lower: (ctx) => {
    const { cells, stacked } = rnnCells(ctx.layer);
    if (!stacked) return recurrentRule.lower({ ...ctx, layer: { ...ctx.layer, ...cells[0]! } });
    sequenceShape(ctx.inputShapes[0]!, "RNN");
    const mask = ctx.masks?.[0] ? input(ctx.inputShapes.length - 1) : null;
    return lowerStacked(ctx.layer, ctx.inputShapes[0]![2]!, ctx.inputShapes.length - 1 - (ctx.masks?.[0] ? 1 : 0), mask);
  },
  outputGroups: (layer) => {
    const { cells, stacked } = rnnCells(layer);
    if (!stacked || layer.config.return_state !== true) return null;
    return [1, ...cells.map((c) => STATES[c.kerasClass as Kind])];
  },
};
