// ConvLSTM1D / ConvLSTM2D / ConvLSTM3D → the generated KerasConvLSTM (templates/helpers/KerasConvLSTM.py)
// on a channels-first (N, T, C, *spatial) sequence. Keras 3.15.1, keras/src/layers/rnn/conv_lstm.py:
// - the input convolution has the layer's strides, padding and dilation, and the bias; the recurrent one
//   always has stride 1, 'same' padding, no dilation and no bias;
// - both kernels are (*k, in, 4 * filters) with the gates i, f, c, o along the last axis, PyTorch's
//   (4 * filters, in, *k) keeps that order along its first, so a transpose is the whole mapping;
// - the variables are the cell's: `cell/vars/0..2` (kernel, recurrent_kernel, bias).
import type { LayerDef, Layout, PyExpr, Shape, WeightEntry } from "../ir/types.js";
import { channelsFirst, identity } from "../ir/layout.js";
import { geometry, intOrTuple, spatialRank } from "./convolution.js";
import { fPadOrder, isSymmetric, sameOutput, samePads, validOutput, type Pads } from "./padding.js";
import { activationFunction, activationName } from "./recurrent.js";
import type { LayerRule, LowerResult, ParamSpec } from "./types.js";
import { ConfigError, call, channelAxis, input, lit, method, name, num, shapeError, shapeOk, tuple } from "./util.js";

const PARAMS: ParamSpec[] = [
  ["filters", null],
  ["kernel_size", null],
  ["strides", 1],
  ["padding", "valid"],
  ["data_format", null],
  ["dilation_rate", 1],
  ["activation", "tanh"],
  ["recurrent_activation", "sigmoid"],
  ["use_bias", true],
  ["kernel_initializer", "glorot_uniform"],
  ["recurrent_initializer", "orthogonal"],
  ["bias_initializer", "zeros"],
  ["unit_forget_bias", true],
  ["kernel_regularizer", null],
  ["recurrent_regularizer", null],
  ["bias_regularizer", null],
  ["activity_regularizer", null],
  ["kernel_constraint", null],
  ["recurrent_constraint", null],
  ["bias_constraint", null],
  ["dropout", 0],
  ["recurrent_dropout", 0],
  ["seed", null],
  ["return_sequences", false],
  ["return_state", false],
  ["go_backwards", false],
  ["stateful", false],
].map(([name, value]) => ({ name: name as string, default: value as ParamSpec["default"] }));

interface ConvLSTM {
  n: number;
  filters: number;
  channelsFirst: boolean;
  returnSequences: boolean;
  returnState: boolean;
  goBackwards: boolean;
}

function settings(layer: LayerDef): ConvLSTM {
  const filters = num(layer, "filters");
  if (!Number.isInteger(filters) || filters <= 0) throw new ConfigError("`filters` must be a positive integer");
  if (layer.config.stateful === true) throw new ConfigError("`stateful=True` keeps state between batches, which a PyTorch module does not; pass the state explicitly with `initial_state` instead");
  const padding = String(layer.config.padding ?? "valid").toLowerCase();
  if (padding !== "valid" && padding !== "same") throw new ConfigError(`\`padding\` must be 'valid' or 'same', got '${padding}'`);
  return {
    n: spatialRank(layer.kerasClass),
    filters,
    channelsFirst: channelAxis(layer) === 1,
    returnSequences: layer.config.return_sequences === true,
    returnState: layer.config.return_state === true,
    goBackwards: layer.config.go_backwards === true,
  };
}

/** A step's Keras shape (N, *spatial, C) or (N, C, *spatial) → the same after the input convolution. */
function stepOutput(layer: LayerDef, s: ConvLSTM, step: Shape): Shape {
  const g = geometry(layer);
  const out = [...step];
  const spatialStart = s.channelsFirst ? 2 : 1;
  for (let i = 0; i < s.n; i++) {
    const size = step[spatialStart + i]!;
    if (size === null) throw new ConfigError(`${layer.kerasClass} needs static spatial sizes (Keras requires them too)`);
    out[spatialStart + i] = g.padding === "valid" ? validOutput(size, g.kernel[i]!, g.strides[i]!, g.dilation[i]!) : sameOutput(size, g.strides[i]!);
  }
  out[s.channelsFirst ? 1 : s.n + 1] = s.filters;
  return out;
}

/** Torch keeps the steps second and puts the channels third: (N, T, C, *spatial). */
function sequenceLayout(s: ConvLSTM): Layout {
  const rank = s.n + 3;
  return s.channelsFirst ? identity(rank) : { kind: "perm", perm: [0, 1, rank - 1, ...Array.from({ length: s.n }, (_, i) => i + 2)] };
}
const stepLayout = (s: ConvLSTM): Layout => (s.channelsFirst ? identity(s.n + 2) : channelsFirst(s.n + 2, -1));

export const convLstmRule: LayerRule = {
  name: "conv_lstm",
  kerasClasses: ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"],
  summary: "the generated `KerasConvLSTM`: an input `nn.Conv*d` (4 × filters) on all steps at once and a recurrent 'same' one per step, channels-first (N, T, C, ...)",
  signature: () => ({ params: PARAMS }),
  inferShape: ({ layer, inputs, masks }) => {
    const masked = masks?.[0] === true;
    const s = settings(layer);
    const shape = inputs[0]!;
    if (shape.length !== s.n + 3) return shapeError(`expects a rank-${s.n + 3} input (batch, timesteps, ${s.n} spatial axes and channels), got rank ${shape.length}`);
    const state = stepOutput(layer, s, [shape[0]!, ...shape.slice(2)]);
    if (state.some((d) => d !== null && d <= 0)) return shapeError(`the convolution's output would be empty: input ${JSON.stringify(shape)}`);
    const states = inputs.slice(1, masked ? -1 : undefined);
    if (states.length !== 0 && states.length !== 2) return shapeError(`\`initial_state\` must hold 2 tensors (h and c), got ${states.length}`);
    const wrong = states.find((st) => st.length !== state.length || st.some((d, i) => i > 0 && d !== null && d !== state[i]));
    if (wrong) return shapeError(`each initial state must be ${JSON.stringify(state)}, got ${JSON.stringify(wrong)}`);
    const output: Shape = s.returnSequences ? [shape[0]!, shape[1]!, ...state.slice(1)] : state;
    return shapeOk(output, ...(s.returnState ? [state, state] : []));
  },
  layout: ({ layer, inputShapes, masks }) => {
    const masked = masks?.[0] === true;
    const s = settings(layer);
    const states = inputShapes.length - 1 - (masked ? 1 : 0);
    const inputs: (Layout | null)[] = [sequenceLayout(s), ...Array.from({ length: states }, () => stepLayout(s))];
    if (masked) inputs.push(null);
    const output = s.returnSequences ? sequenceLayout(s) : stepLayout(s);
    return { inputs, outputs: [output, ...(s.returnState ? [stepLayout(s), stepLayout(s)] : [])] };
  },
  lower: ({ layer, inputShapes, masks }): LowerResult => {
    const masked = masks?.[0] === true;
    const s = settings(layer);
    if (masked) throw new ConfigError(`a masked sequence into ${layer.kerasClass} is not supported yet`);
    const g = geometry(layer);
    const shape = inputShapes[0]!;
    const channels = shape[s.channelsFirst ? 2 : s.n + 2];
    if (channels === null || channels === undefined) throw new ConfigError(`${layer.kerasClass} needs the channel count of its input to be known`);
    const spatial = shape.slice(s.channelsFirst ? 3 : 2, s.channelsFirst ? 3 + s.n : 2 + s.n);
    const useBias = layer.config.use_bias !== false;
    const gates = 4 * s.filters;

    // The input convolution: Keras' 'same' resolved statically (the sizes are known), an uneven one as F.pad.
    let pads: Pads[] = g.kernel.map(() => ({ before: 0, after: 0 }));
    if (g.padding === "same") pads = spatial.map((size, i) => samePads(size, g.kernel[i]!, g.strides[i]!, g.dilation[i]!)!);
    const even = isSymmetric(pads);
    const conv = `nn.Conv${s.n}d`;
    const inputKwargs: [string, PyExpr][] = [["kernel_size", intOrTuple(g.kernel)]];
    if (g.strides.some((v) => v !== 1)) inputKwargs.push(["stride", intOrTuple(g.strides)]);
    if (even && pads.some((p) => p.before > 0)) inputKwargs.push(["padding", intOrTuple(pads.map((p) => p.before))]);
    if (g.dilation.some((v) => v !== 1)) inputKwargs.push(["dilation", intOrTuple(g.dilation)]);
    if (!useBias) inputKwargs.push(["bias", lit(false)]);
    const recurrentKwargs: [string, PyExpr][] = [["kernel_size", intOrTuple(g.kernel)], ["padding", lit("same")], ["bias", lit(false)]];

    const kwargs: [string, PyExpr][] = [];
    const activation = activationFunction(activationName(layer.config.activation ?? "tanh"), "activation");
    const recurrentActivation = activationFunction(activationName(layer.config.recurrent_activation ?? "sigmoid"), "recurrent_activation");
    if (!(activation.k === "name" && activation.name === "torch.tanh")) kwargs.push(["activation", activation]);
    if (!(recurrentActivation.k === "name" && recurrentActivation.name === "torch.sigmoid")) kwargs.push(["recurrent_activation", recurrentActivation]);
    if (!even) kwargs.push(["input_pad", tuple(fPadOrder(pads))]);
    const module = {
      ctor: "KerasConvLSTM",
      args: [call(conv, [lit(channels), lit(gates)], inputKwargs), call(conv, [lit(s.filters), lit(gates)], recurrentKwargs)],
      kwargs,
    };

    // (*k, in, out) → (out, in, *k)
    const toTorch = [{ op: "transpose" as const, axes: [s.n + 1, s.n, ...Array.from({ length: s.n }, (_, i) => i)] }];
    const weights: WeightEntry[] = [
      { kerasIndex: 0, kerasName: "kernel", kerasShape: [...g.kernel, channels, gates], param: "input_conv.weight", transforms: toTorch, keras3Subpath: "cell/vars/0" },
      { kerasIndex: 1, kerasName: "recurrent_kernel", kerasShape: [...g.kernel, s.filters, gates], param: "recurrent_conv.weight", transforms: toTorch, keras3Subpath: "cell/vars/1" },
    ];
    if (useBias) weights.push({ kerasIndex: 2, kerasName: "bias", kerasShape: [gates], param: "input_conv.bias", transforms: [], keras3Subpath: "cell/vars/2" });

    const stateInputs = inputShapes.length - 1;
    const x = s.goBackwards ? method(input(), "flip", [lit(1)]) : input();
    const run = call({ k: "module" }, stateInputs ? [x, { k: "tuple", items: [input(1), input(2)] }] : [x]);
    const at = (obj: PyExpr, index: PyExpr): PyExpr => ({ k: "subscript", obj, index });
    const lastStep = (t: PyExpr): PyExpr => at(t, { k: "tuple", items: [{ k: "slice", start: null, stop: null, step: null }, lit(-1)] });
    const steps: { targets: PyExpr[]; value: PyExpr }[] = [];
    let forward: PyExpr;
    if (s.returnState) {
      // Without return_sequences the outputs are only the last step, which is `h`.
      const [output, h, c] = [name(s.returnSequences ? "$output" : "_"), name("$h"), name("$c")];
      steps.push({ targets: [output, { k: "tuple", items: [h, c] }], value: run });
      forward = { k: "tuple", items: [s.returnSequences ? output : h, h, c] };
    } else {
      forward = s.returnSequences ? at(run, lit(0)) : lastStep(at(run, lit(0)));
    }
    const dropout = [layer.config.dropout, layer.config.recurrent_dropout].some((v) => typeof v === "number" && v > 0);
    return {
      ok: true,
      lowering: {
        module,
        forward,
        steps,
        weights,
        constants: [],
        warning: dropout ? "`dropout`/`recurrent_dropout` only act in training; the generated module does not drop (it is exact at inference)" : undefined,
      },
    };
  },
};
