// The generated code of a conv net holds tensors channels-first end to end: no runtime permute.
// (Permutes are allowed only where a layer depends on Keras' axis order, such as Reshape.)
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compile } from "../src/compile.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Golden cases that are conv nets (conv, pooling, BN, merges, squeeze-excite, Flatten → Dense). */
const CONV_NET_CASES = [
  "mnist_cnn", "resnet_small", "unet_encoder_concat", "conv2d_options", "conv2d_same_asymmetric", "conv1d_options",
  "pooling1d", "pooling2d", "batchnorm_conv2d", "global_pooling", "zero_padding2d", "flatten_dense_nonsquare",
  "seq_cnn_1d", "layer_aliases", "fused_activations", "nested_functional_submodel", "nested_sequential_in_functional",
  "shared_layer_siamese", "softmax_axes", "fcn_unknown_size", "helper_functions", "sequential_inputlayer",
  // Subclassed conv nets: custom blocks, keras.ops with axes, a weightless custom layer between convolutions.
  "subclass_residual_convnet", "subclass_ops_axes", "subclass_nested_layers", "subclass_layer_in_sequential",
  "subclass_early_return", "subclass_while_loop", "subclass_model_in_functional",
];

const sources: [string, string][] = [
  ...CONV_NET_CASES.map((name): [string, string] => [`golden/${name}`, readFileSync(join(ROOT, "golden", name, "src", "model.py"), "utf8")]),
  ...readdirSync(join(ROOT, "examples"))
    .filter((f) => f.endsWith(".py"))
    .map((f): [string, string] => [`examples/${f}`, readFileSync(join(ROOT, "examples", f), "utf8")]),
];

describe("no runtime permute inside conv nets", () => {
  it.each(sources)("%s", (_, text) => {
    const result = compile(text, { path: "model.py" });
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const module = result.files[0]!.text;
    expect(module).toMatch(/nn\.Conv[12]d/);
    expect(module).not.toMatch(/\.permute\(/);
  });

  it("the image input is taken channels-first", () => {
    const model = compile(readFileSync(join(ROOT, "golden", "mnist_cnn", "src", "model.py"), "utf8"), { path: "model.py" }).models[0]!;
    expect(model.inputs[0]!.permute).toEqual([0, 3, 1, 2]);
    expect(model.inputs[0]!.torch_shape).toEqual([null, 1, 28, 28]);
  });
});
