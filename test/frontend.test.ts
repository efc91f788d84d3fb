// Unit tests of the frontend through the library API: `compile(text, { path, entry, resolver })`.
// They check what a user sees: manifest models, the generated module text and located diagnostics.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compile, type CompileOptions, type CompileResult, type ManifestModel } from "../src/compile.js";
import type { ModuleResolver } from "../src/frontend/evaluate.js";
import { SourceFile } from "../src/frontend/parse.js";
import type { Diagnostic } from "../src/ir/types.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const run = (text: string, options: Partial<CompileOptions> = {}): CompileResult => compile(text, { path: "model.py", ...options });

/** Python source from indented template text: strips the common indentation and the leading newline. */
function py(text: string): string {
  const lines = text.replace(/^\n/, "").split("\n");
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.match(/^ */)![0].length));
  return lines.map((l) => l.slice(indent)).join("\n");
}

const moduleText = (r: CompileResult): string => {
  expect(r.files.map((f) => f.path)).toEqual(["model.py", "model_weights.py"]);
  return r.files[0]!.text;
};
const errors = (r: CompileResult): Diagnostic[] => r.diagnostics.filter((d) => d.severity === "error");
const codes = (r: CompileResult): string[] => r.diagnostics.map((d) => d.code);
const only = (r: CompileResult): ManifestModel => {
  expect(r.models).toHaveLength(1);
  return r.models[0]!;
};
const byClass = (r: CompileResult, name: string): ManifestModel => {
  const model = r.models.find((m) => m.class === name);
  expect(model, `model class ${name} in ${r.models.map((m) => m.class).join(", ")}`).toBeDefined();
  return model!;
};
/** `self.NAME = nn.X(...)` submodule attributes in the order `__init__` declares them. */
const submodules = (text: string): string[] => [...text.matchAll(/^\s+self\.(\w+) = /gm)].map((m) => m[1]!);
const linear = (text: string, attr: string): [number, number] | null => {
  const m = text.match(new RegExp(`self\\.${attr} = nn\\.Linear\\((\\d+), (\\d+)`));
  return m ? [Number(m[1]), Number(m[2])] : null;
};
/** An undefined name is reported as `unknown-name` (at the name) or, more generally, `unknown-value`. */
const isUnknown = (d: Diagnostic) => d.code === "unknown-name" || d.code === "unknown-value";
const at = (d: Diagnostic | undefined) => (d ? { line: d.range.line, column: d.range.column, endLine: d.range.endLine, endColumn: d.range.endColumn } : null);

/** A resolver over in-memory files, keyed by input-relative paths with `/`, like the CLI's. */
function memoryResolver(files: Record<string, string>): ModuleResolver {
  const cache = new Map<string, SourceFile>();
  const load = (label: string) => {
    if (!(label in files)) return null;
    let source = cache.get(label);
    if (!source) cache.set(label, (source = new SourceFile(label, files[label]!)));
    return { path: label, source };
  };
  return {
    resolve(fromFile, module, level) {
      const fromDir = fromFile.includes("/") ? fromFile.slice(0, fromFile.lastIndexOf("/")) : "";
      const parts = module ? module.split(".") : [];
      let bases = [fromDir, ""];
      if (level > 0) {
        let base = fromDir;
        for (let i = 1; i < level; i++) base = base.includes("/") ? base.slice(0, base.lastIndexOf("/")) : "";
        bases = [base];
      }
      for (const base of bases) {
        const stem = [base, ...parts].filter(Boolean).join("/");
        const found = load(`${stem}.py`) ?? load(`${stem}/__init__.py`);
        if (found) return found;
      }
      return null;
    },
  };
}

describe("imports and aliases", () => {
  const styles: [string, string][] = [
    [
      "import keras",
      py(`
        import keras
        inputs = keras.Input(shape=(4,))
        out = keras.layers.Dense(3, name="head")(inputs)
        model = keras.Model(inputs, out)
      `),
    ],
    [
      "from tensorflow import keras",
      py(`
        from tensorflow import keras
        inputs = keras.Input(shape=(4,))
        out = keras.layers.Dense(3, name="head")(inputs)
        model = keras.models.Model(inputs, out)
      `),
    ],
    [
      "import tensorflow as tf",
      py(`
        import tensorflow as tf
        inputs = tf.keras.Input(shape=(4,))
        out = tf.keras.layers.Dense(3, name="head")(inputs)
        model = tf.keras.Model(inputs, out)
      `),
    ],
    [
      "from keras import layers",
      py(`
        from keras import layers, Input, Model
        inputs = Input(shape=(4,))
        out = layers.Dense(3, name="head")(inputs)
        model = Model(inputs, out)
      `),
    ],
    [
      "from keras.layers import Dense",
      py(`
        from keras.layers import Dense, Input
        from keras.models import Model
        inputs = Input(shape=(4,))
        out = Dense(3, name="head")(inputs)
        model = Model(inputs, out)
      `),
    ],
    [
      "import keras.layers as L",
      py(`
        import keras
        import keras.layers as L
        inputs = L.Input(shape=(4,))
        out = L.Dense(3, name="head")(inputs)
        model = keras.Model(inputs, out)
      `),
    ],
    [
      "from tensorflow.keras.models import Sequential, Model",
      py(`
        from tensorflow.keras.models import Sequential, Model
        from tensorflow.keras.layers import Dense, Input
        inputs = Input(shape=(4,))
        out = Dense(3, name="head")(inputs)
        model = Model(inputs, out)
      `),
    ],
    [
      "Sequential from tensorflow.keras.models",
      py(`
        from tensorflow.keras.models import Sequential, Model
        from tensorflow.keras import layers as kl
        model = Sequential([kl.Dense(3, input_shape=(4,), name="head")])
      `),
    ],
    [
      "import tensorflow.keras as K",
      py(`
        import tensorflow.keras as K
        inputs = K.Input(shape=(4,))
        model = K.Model(inputs, K.layers.Dense(3, name="head")(inputs))
      `),
    ],
  ];
  it.each(styles)("%s resolves to keras.layers.Dense", (_, source) => {
    const r = run(source);
    expect(errors(r)).toEqual([]);
    const model = only(r);
    expect(model.keras_classes).toContain("Dense");
    expect(model.inputs.map((i) => i.keras_shape)).toEqual([[null, 4]]);
    expect(model.outputs.map((o) => o.keras_shape)).toEqual([[null, 3]]);
    expect(linear(moduleText(r), "head")).toEqual([4, 3]);
  });

  it("does not take a user's own `Dense` for Keras' one", () => {
    const r = run(
      py(`
        import keras
        def Dense(n):
            return keras.layers.Dense(n * 2, name="doubled")
        inputs = keras.Input(shape=(4,))
        model = keras.Model(inputs, Dense(3)(inputs))
      `),
    );
    expect(errors(r)).toEqual([]);
    expect(linear(moduleText(r), "doubled")).toEqual([4, 6]);
  });

  it("takes from `import *` of keras.layers only its layer classes, whichever star import comes last", () => {
    for (const order of [
      ["from keras.layers import *", "from keras.optimizers import *"],
      ["from keras.optimizers import *", "from keras.layers import *"],
    ]) {
      const r = run(
        [
          ...order,
          "from keras.models import *",
          "from keras.callbacks import *",
          // In a builder, whose statements are all evaluated.
          "def build():",
          "    inputs = Input(shape=(4,))",
          "    x = inputs",
          "    for i, units in enumerate([3]):",
          '        x = Dense(units, name="head")(x)',
          "    model = Model(inputs, x)",
          "    opt = Adam(lr=1e-3)",
          "    stop = EarlyStopping(patience=2)",
          '    model.compile(optimizer=Adam(lr=1e-3), loss="mse")',
          "    return model",
          "model = build()",
          "",
        ].join("\n"),
      );
      expect(errors(r), order.join("; ")).toEqual([]);
      expect(r.diagnostics.filter((d) => d.code === "unsupported-layer")).toEqual([]);
      expect(linear(moduleText(r), "head")).toEqual([4, 3]);
    }
  });

  it("reads Keras 2's `keras.layers.merge` functions, `image_dim_ordering()` and `_keras_shape`", () => {
    const r = run(
      py(`
        from keras.layers import Input, Dense
        from keras.layers.merge import add, concatenate
        from keras.models import Model
        from keras import backend as K
        inputs = Input(shape=(4,))
        units = inputs._keras_shape[-1] * 2 if K.image_dim_ordering() == "tf" else 1
        a = Dense(units, name="a")(inputs)
        model = Model(inputs, concatenate([add([a, a]), inputs]))
      `),
    );
    expect(errors(r)).toEqual([]);
    expect(linear(moduleText(r), "a")).toEqual([4, 8]);
    expect(only(r).outputs.map((o) => o.keras_shape)).toEqual([[null, 12]]);
  });
});

describe("static evaluation", () => {
  it("evaluates constants, containers, loops, comprehensions, conditions and built names", () => {
    const r = run(
      py(`
        from tensorflow import keras
        from tensorflow.keras import layers

        BASE = 2 ** 3 + 1 - 1          # 8
        DIMS = (BASE, BASE * 2, BASE // 2)  # (8, 16, 4)
        CFG = {"widths": [DIMS[0], DIMS[1]], "tail": list(DIMS)[1:], "act": "relu"}
        SEL = [10, 20, 30, 40][-3:-1]  # [20, 30]
        SQUARES = [n * n for n in range(1, 4) if n != 2]   # [1, 9]
        LOOKUP = {k: v + 1 for k, v in zip(["a", "b"], [5, 6])}  # a: 6, b: 7

        inputs = keras.Input(shape=(DIMS[2] * 3,), name="feat")
        x = inputs
        for i, w in enumerate(CFG["widths"]):
            x = layers.Dense(w, activation=CFG["act"], name=f"fc_{i:02d}")(x)
        for w in CFG["tail"]:
            x = layers.Dense(w, name="tail_" + str(w))(x)
        for a, b in zip(SEL, SQUARES):
            x = layers.Dense(a + b, name="zip_{}_{}".format(a, b))(x)
        for i in range(2):
            if i == 0:
                x = layers.Dense(LOOKUP["a"], name="even%d" % i)(x)
            else:
                x = layers.Dense(LOOKUP["b"], name="odd%d" % i)(x)
        if len(SEL) > 5:
            x = layers.Dense(999, name="never")(x)
        elif SEL[0] == 20:
            x = layers.Dense(5, name="chosen")(x)
        else:
            x = layers.Dense(998, name="never_either")(x)
        model = keras.Model(inputs, x)
      `),
    );
    expect(r.diagnostics).toEqual([]);
    const text = moduleText(r);
    expect(submodules(text)).toEqual(["fc_00", "fc_01", "tail_16", "tail_4", "zip_20_1", "zip_30_9", "even0", "odd1", "chosen"]);
    expect(linear(text, "fc_00")).toEqual([12, 8]);
    expect(linear(text, "fc_01")).toEqual([8, 16]);
    expect(linear(text, "zip_20_1")).toEqual([4, 21]);
    expect(linear(text, "zip_30_9")).toEqual([21, 39]);
    expect(linear(text, "even0")).toEqual([39, 6]);
    expect(linear(text, "odd1")).toEqual([6, 7]);
    expect(text).toMatch(/F\.relu\(self\.fc_00\(/);
    const model = only(r);
    expect(model.inputs).toEqual([{ name: "feat", keras_shape: [null, 12], torch_shape: [null, 12], permute: [0, 1], dtype: "float32" }]);
    expect(model.outputs).toEqual([{ name: "chosen", keras_shape: [null, 5], torch_shape: [null, 5], permute: [0, 1] }]);
  });

  it("follows Python semantics of operators, builtins, mutation and loop variables", () => {
    const r = run(
      py(`
        import keras
        from keras import layers

        sizes = []
        for n in (3, 4):
            sizes.append(n)
        sizes += [5]
        alias = sizes
        alias.extend([6])
        CFG = {"a": 3, "b": 5}
        widths = list(range(2, 12, 3))[::-1]   # [11, 8, 5, 2]

        inputs = keras.Input(shape=(4,))
        x = inputs
        x = layers.Dense(-7 // 2 + 10, name="floordiv")(x)   # 6
        x = layers.Dense(-7 % 3 + 1, name="mod")(x)   # 3
        x = layers.Dense(round(2.5) + 1, name="banker")(x)   # 3
        x = layers.Dense(int(7 / 2), name="truediv")(x)   # 3
        x = layers.Dense(len(sizes), name="mutated")(x)   # 4
        for k, v in sorted(CFG.items()):
            x = layers.Dense(v, name="{}_{:03d}".format(k, v))(x)
        x = layers.Dense(CFG.get("zz", 7), name="_".join(["get", str(7)]))(x)
        x = layers.Dense(max(widths) + min(widths) + sum(widths) + len(widths), name="agg")(x)   # 43
        for i in reversed(range(2)):
            x = layers.Dense(widths[i], name=f"rev{i}")(x)
        for i in range(10):
            if i == 4:
                break
        else:
            i = 100
        x = layers.Dense(i, name="after_break")(x)   # 4
        x = layers.Dense(2 if 1 < 2 < 3 else 99, name="chained")(x)   # 2
        x = layers.Dense({"a": 1, **{"b": 5}}["b"], name="dict_splat")(x)   # 5
        x = layers.Dense([*sizes, 9][-1], name="list_splat")(x)   # 9
        model = keras.Model(inputs, x)
      `),
    );
    expect(r.diagnostics).toEqual([]);
    const text = moduleText(r);
    const outs = Object.fromEntries(submodules(text).map((a) => [a, linear(text, a)?.[1]]));
    expect(outs).toEqual({
      floordiv: 6,
      mod: 3,
      banker: 3,
      truediv: 3,
      mutated: 4,
      a_003: 3,
      b_005: 5,
      get_7: 7,
      agg: 43,
      rev1: 8,
      rev0: 11,
      after_break: 4,
      chained: 2,
      dict_splat: 5,
      list_splat: 9,
    });
  });
});

describe("the file's own functions", () => {
  const source = py(`
    import keras
    import tensorflow as tf
    from keras import layers

    def block(x, units, act="relu", *, name=None, scale=2):
        x = layers.Dense(units * scale, activation=act, name=name)(x)
        return x

    def split(x, n=2):
        a = layers.Dense(n, name="left")(x)
        b = layers.Dense(n + 1, name="right")(x)
        return a, b

    def stack(x, *sizes, prefix="s", **kw):
        for j, s in enumerate(sizes):
            x = layers.Dense(s, name=f"{prefix}{j}", **kw)(x)
        return x

    inputs = keras.Input(shape=(6,))
    x = block(inputs, 3, name="b1")
    x = block(x, units=4, act="tanh", name="b2", scale=1)
    a, b = split(x)
    x = stack(x, 2, 3, prefix="st", use_bias=False)
    width = x.shape[-1]
    c = layers.Dense(width * 2, name="from_shape")(x)
    d = layers.Dense(tf.keras.backend.int_shape(b)[1] + 10, name="from_int_shape")(b)
    e = layers.Dense(keras.backend.int_shape(c)[-1] // 2, name="from_kb")(c)
    model = keras.Model(inputs, [a, d, e])
  `);

  it("binds positional, keyword, keyword-only, *args and **kwargs with defaults, and returns tensors and tuples", () => {
    const r = run(source);
    expect(r.diagnostics).toEqual([]);
    const text = moduleText(r);
    expect(linear(text, "b1")).toEqual([6, 6]);
    expect(linear(text, "b2")).toEqual([6, 4]);
    expect(text).toMatch(/F\.relu\(self\.b1\(/);
    expect(text).toMatch(/torch\.tanh\(self\.b2\(/);
    expect(linear(text, "left")).toEqual([4, 2]);
    expect(linear(text, "right")).toEqual([4, 3]);
    expect(text).toMatch(/self\.st0 = nn\.Linear\(4, 2, bias=False\)/);
    expect(text).toMatch(/self\.st1 = nn\.Linear\(2, 3, bias=False\)/);
  });

  it("reads symbolic shapes: x.shape[-1] and int_shape", () => {
    const r = run(source);
    const text = moduleText(r);
    expect(linear(text, "from_shape")).toEqual([3, 6]);
    expect(linear(text, "from_int_shape")).toEqual([3, 13]);
    expect(linear(text, "from_kb")).toEqual([6, 3]);
    expect(only(r).outputs.map((o) => [o.name, o.keras_shape])).toEqual([
      ["left", [null, 2]],
      ["from_int_shape", [null, 13]],
      ["from_kb", [null, 3]],
    ]);
    expect(text).toMatch(/return \(\w+, \w+, \w+\)/);
  });

  it("stops unbounded recursion with a located diagnostic instead of crashing", () => {
    const r = run(
      py(`
        import keras
        from keras import layers

        def deep(x, n):
            return deep(layers.Dense(2)(x), n + 1)

        inputs = keras.Input(shape=(4,))
        out = deep(inputs, 0)
        model = keras.Model(inputs, out)
      `),
    );
    const recursion = r.diagnostics.find((d) => /recursion/.test(d.message));
    expect(recursion).toMatchObject({ severity: "error", code: "unknown-value" });
    expect(recursion!.range.line).toBe(5);
    expect(r.models).toEqual([]);
    expect(r.files).toEqual([]);
  });
});

describe("Sequential", () => {
  it("is built from a list or with .add, from input_shape, batch_input_shape, Input or InputLayer", () => {
    const r = run(
      py(`
        import keras
        from keras import layers

        seq_list = keras.Sequential([layers.Dense(8, input_shape=(4,), name="a1"), layers.Dense(2, name="a2")], name="seq_list")

        seq_add = keras.Sequential(name="seq_add")
        seq_add.add(layers.Dense(8, batch_input_shape=(None, 5), name="b1"))
        seq_add.add(layers.Dense(3, name="b2"))

        seq_input = keras.Sequential([keras.Input(shape=(6,)), layers.Dense(4, name="c1")], name="seq_input")

        seq_il = keras.Sequential([layers.InputLayer(shape=(7,)), layers.Dense(5, name="d1")], name="seq_il")

        seq_cnn = keras.Sequential()
        seq_cnn.add(keras.Input(shape=(8, 8, 3)))
        seq_cnn.add(layers.Conv2D(4, 3, name="conv"))
      `),
    );
    expect(errors(r)).toEqual([]);
    const shapes = Object.fromEntries(r.models.map((m) => [m.class, [m.inputs.map((i) => i.keras_shape), m.outputs.map((o) => o.keras_shape)]]));
    expect(shapes).toEqual({
      SeqList: [[[null, 4]], [[null, 2]]],
      SeqAdd: [[[null, 5]], [[null, 3]]],
      SeqInput: [[[null, 6]], [[null, 4]]],
      SeqIl: [[[null, 7]], [[null, 5]]],
      SeqCnn: [[[null, 8, 8, 3]], [[null, 6, 6, 4]]],
    });
    const text = moduleText(r);
    expect(linear(text, "a1")).toEqual([4, 8]);
    expect(linear(text, "b1")).toEqual([5, 8]);
    expect(linear(text, "b2")).toEqual([8, 3]);
    expect(linear(text, "d1")).toEqual([7, 5]);
    expect(text).toMatch(/self\.conv = nn\.Conv2d\(3, 4, kernel_size=3\)/);
    const cnn = byClass(r, "SeqCnn");
    expect(cnn.inputs[0]).toMatchObject({ torch_shape: [null, 3, 8, 8], permute: [0, 3, 1, 2], dtype: "float32" });
    expect(cnn.outputs[0]).toMatchObject({ torch_shape: [null, 4, 6, 6], permute: [0, 3, 1, 2] });
    expect(r.models.filter((m) => m.primary).map((m) => m.class)).toEqual(["SeqCnn"]);
  });

  it("without an input shape is an invalid-model error, located at the Sequential", () => {
    const r = run(
      py(`
        import keras
        from keras import layers

        model = keras.Sequential([layers.Dense(8), layers.Dense(2)])
      `),
    );
    const d = r.diagnostics.find((x) => x.code === "invalid-model");
    expect(d?.severity).toBe("error");
    expect(at(d)).toEqual({ line: 4, column: 9, endLine: 4, endColumn: 61 });
    expect(r.models).toEqual([]);
    expect(r.files).toEqual([]);
    expect(codes(r)).not.toContain("no-model");
  });
});

describe("Functional", () => {
  const source = py(`
    import keras
    from keras import layers

    img = keras.Input(shape=(8,), name="img")
    meta = keras.Input(shape=(3,), name="meta")
    shared = layers.Dense(4, name="shared")
    a = shared(layers.Dense(3, name="proj")(img))
    b = shared(meta)
    merged = layers.Concatenate(name="cat")([a, b])
    sub_in = keras.Input(shape=(8,))
    sub_out = layers.Dense(2, name="inner")(sub_in)
    sub = keras.Model(sub_in, sub_out, name="sub_net")
    c = sub(merged)
    model = keras.Model(inputs=[img, meta], outputs={"score": c, "emb": merged}, name="multi")
  `);

  it("takes several inputs in order and returns a dict for dict outputs", () => {
    const r = run(source);
    expect(errors(r)).toEqual([]);
    const text = moduleText(r);
    expect(text).toMatch(/class Multi\(nn\.Module\)/);
    expect(text).toMatch(/def forward\(self, img, meta\):/);
    const multi = byClass(r, "Multi");
    expect(multi.primary).toBe(true);
    expect(multi.names).toEqual(["model"]);
    expect(multi.inputs.map((i) => [i.name, i.keras_shape])).toEqual([
      ["img", [null, 8]],
      ["meta", [null, 3]],
    ]);
    expect(Object.fromEntries(multi.outputs.map((o) => [o.name, o.keras_shape]))).toEqual({ score: [null, 2], emb: [null, 8] });
    // The exact forward: the shared layer on both paths, the concatenation order, the dict keys.
    const forward = text.slice(text.indexOf("def forward", text.indexOf("class Multi")));
    expect(forward.split("\n").slice(1, 7).map((l) => l.trim())).toEqual([
      "x = self.proj(img)  # model.py:7",
      "shared = self.shared(x)  # model.py:7",
      "x = self.shared(meta)  # model.py:8",
      "cat = torch.cat([shared, x], dim=-1)  # model.py:9",
      "sub_net = self.sub_net(cat)  # model.py:13",
      'return {"score": sub_net, "emb": cat}',
    ]);
  });

  it("declares a shared layer once and calls it twice", () => {
    const text = moduleText(run(source));
    expect(text.match(/self\.shared = /g)).toHaveLength(1);
    expect(linear(text, "shared")).toEqual([3, 4]);
    expect(text.match(/self\.shared\(/g)).toHaveLength(2);
  });

  it("emits a nested model as its own class, instantiated as a submodule", () => {
    const r = run(source);
    const text = moduleText(r);
    expect(text).toMatch(/class SubNet\(nn\.Module\)/);
    expect(text.indexOf("class SubNet(")).toBeLessThan(text.indexOf("class Multi("));
    expect(text).toMatch(/self\.sub_net = SubNet\(\)/);
    expect(text).toMatch(/self\.sub_net\(/);
    expect(linear(text, "inner")).toEqual([8, 2]);
    expect(r.models.filter((m) => m.primary)).toHaveLength(1);
  });

  it("models branches that merge", () => {
    const r = run(
      py(`
        import keras
        from keras import layers
        inputs = keras.Input(shape=(8, 8, 3))
        left = layers.Conv2D(4, 1, name="left")(inputs)
        right = layers.Conv2D(6, 3, padding="same", name="right")(inputs)
        merged = layers.Concatenate(name="merge")([left, right])
        model = keras.Model(inputs, layers.Add(name="res")([merged, layers.Conv2D(10, 1, name="skip")(inputs)]))
      `),
    );
    expect(errors(r)).toEqual([]);
    const model = only(r);
    expect(model.outputs[0]).toMatchObject({ keras_shape: [null, 8, 8, 10], torch_shape: [null, 10, 8, 8], permute: [0, 3, 1, 2] });
    const forward = moduleText(r).split("def forward").pop()!;
    // The left branch's conv comes first in the concatenation, as in the Keras list.
    const cat = forward.match(/torch\.cat\(\[(\w+), (\w+)\], dim=1\)/)!;
    expect(forward).toMatch(new RegExp(`${cat[1]} = self\\.left\\(`));
    expect(forward).toMatch(new RegExp(`${cat[2]} = self\\.right\\(`));
  });
});

describe("entry points", () => {
  const source = py(`
    import keras
    from keras import layers

    def build(units=4):
        inputs = keras.Input(shape=(3,))
        return keras.Model(inputs, layers.Dense(units, name="out")(inputs))

    def build_default(num_classes=7):
        inputs = keras.Input(shape=(3,))
        return keras.Model(inputs, layers.Dense(num_classes, name="cls")(inputs))

    def build_required(num_classes):
        inputs = keras.Input(shape=(3,))
        return keras.Model(inputs, layers.Dense(num_classes, name="req")(inputs))

    def helper(x, n=2):
        return layers.Dense(n)(x)

    model = build()
    other = build(units=9)
  `);

  it("names module-level models after their variable and builder; the last assigned is primary", () => {
    const r = run(source);
    expect(errors(r)).toEqual([]);
    expect(r.models.map((m) => [m.class, m.names, m.primary, m.outputs[0]!.keras_shape])).toEqual([
      ["Model", ["model", "build"], false, [null, 4]],
      ["Other", ["other", "build"], true, [null, 9]],
      ["BuildDefault", ["build_default"], false, [null, 7]],
    ]);
    const text = moduleText(r);
    expect(text).toMatch(/self\.cls = nn\.Linear\(3, 7\)/);
    expect(text).not.toMatch(/self\.req = /);
    expect(text).not.toMatch(/class BuildRequired/);
    expect(text).not.toMatch(/class Helper/);
  });

  it("--entry picks and parameterises a builder", () => {
    const r = run(source, { entry: "build_required(num_classes=3)" });
    expect(r.entryFound).toBe(true);
    expect(errors(r)).toEqual([]);
    const model = only(r);
    expect(model).toMatchObject({ class: "BuildRequired", primary: true, names: ["build_required"] });
    expect(linear(moduleText(r), "req")).toEqual([3, 3]);
  });

  it("--entry names a module-level variable", () => {
    const r = run(source, { entry: "model" });
    expect(r.entryFound).toBe(true);
    expect(only(r)).toMatchObject({ names: ["model", "build"], primary: true });
  });

  it("--entry that builds no model is reported as not found", () => {
    expect(run(source, { entry: "nothing_here(1)" }).entryFound).toBe(false);
    expect(run(source, { entry: "helper" }).entryFound).toBe(false);
  });

  it("the primary model is the last one assigned at module level, not the last one built", () => {
    const r = run(
      py(`
        import keras
        from keras import layers
        def make(n):
            i = keras.Input(shape=(2,))
            return keras.Model(i, layers.Dense(n)(i))
        second = None
        first = make(1)
        second = make(2)
        first = make(3)
        kept = second
      `),
    );
    const primaries = r.models.filter((m) => m.primary);
    expect(primaries).toHaveLength(1);
    expect(primaries[0]!.outputs[0]!.keras_shape).toEqual([null, 2]);
    expect(primaries[0]!.names).toContain("kept");
  });
});

describe("a file that builds no model", () => {
  const noModel = (r: CompileResult): string => {
    expect(errors(r)).toEqual([]);
    expect(r.models).toEqual([]);
    return r.diagnostics.find((d) => d.code === "no-model")!.message;
  };

  it("names the builders and Model subclasses that would build one, and the --entry to compile one", () => {
    const message = noModel(
      run(
        py(`
          import keras
          from keras import layers

          def conv_block(x, filters, rate=0.1):
              return layers.Dropout(rate)(layers.Conv2D(filters, 3)(x))

          def build_model(num_classes, width=32):
              inputs = keras.Input(shape=(8, 8, 3))
              x = conv_block(inputs, width)
              return keras.Model(inputs, layers.Dense(num_classes)(layers.Flatten()(x)))

          def build_small(num_classes):
              return build_model(num_classes, width=8)

          class Scorer(keras.Model):
              def __init__(self, units, **kwargs):
                  super().__init__(**kwargs)
                  self.dense = layers.Dense(units)

              def call(self, x):
                  return self.dense(x)
        `),
      ),
    );
    expect(message).toBe(
      'no Keras model is built in this file (nothing to translate); it defines what would build one: `build_model(num_classes, width=32)`, `build_small(num_classes)`, class `Scorer(units, **kwargs)`; compile one with --entry "build_model(num_classes=...)"',
    );
  });

  it("says why a builder with all defaults built none", () => {
    const message = noModel(
      run(
        py(`
          import keras

          def build(kind=None):
              if kind not in ("small", "large"):
                  raise ValueError("kind must be small or large")
              inputs = keras.Input(shape=(4,))
              return keras.Model(inputs, keras.layers.Dense(2 if kind == "small" else 8)(inputs))
        `),
      ),
    );
    expect(message).toBe('no Keras model is built in this file (nothing to translate); it defines what would build one: `build(kind=None)` (its defaults build none: build() raises an exception here (line 5)); compile one with --entry "build()"');
  });

  it("points at builder objects and at classes of static builder methods with the --entry that compiles them", () => {
    const callable = noModel(
      run(
        py(`
          from keras.models import Model
          from keras.layers import Input, Dense
          class WideNet:
              def __init__(self, image_size, depth=16):
                  self.image_size = image_size
              def __call__(self):
                  inputs = Input(shape=(self.image_size,))
                  return Model(inputs, Dense(2)(inputs))
        `),
      ),
    );
    expect(callable).toMatch(/class `WideNet\(image_size, depth=16\)`; compile one with --entry "WideNet\(image_size=...\)\(\)"$/);
    const statics = noModel(
      run(
        py(`
          from keras.models import Model
          from keras.layers import Input, Dense
          class Builder(object):
              @staticmethod
              def build(units, classes):
                  inputs = Input(shape=(units,))
                  return Model(inputs, Dense(classes)(inputs))
              @staticmethod
              def build_small(classes):
                  return Builder.build(4, classes)
        `),
      ),
    );
    expect(statics).toMatch(/class `Builder\(\)`; compile one with --entry "Builder.build\(units=..., classes=...\)"$/);
  });

  it("says nothing more for a file of helpers", () => {
    const message = noModel(run(py(`
      from keras import layers
      def block(x, n):
          return layers.Dense(n)(x)
    `)));
    expect(message).toBe("no Keras model is built in this file (nothing to translate)");
  });
});

describe("the global image data format", () => {
  it.each([
    ['K.set_image_data_format("channels_first")', 'K.image_data_format() == "channels_first"'],
    ['K.set_image_dim_ordering("th")', 'K.image_dim_ordering() == "th"'],
  ])("%s makes channels_first every later layer's default", (setter, check) => {
    const r = run(
      py(`
        import keras
        from keras import backend as K
        from keras import layers
        ${setter}
        inputs = keras.Input(shape=(3, 16, 16))
        x = layers.Conv2D(4, 3, name="conv")(inputs)
        x = layers.MaxPooling2D()(x)
        units = 5 if ${check} else 1
        model = keras.Model(inputs, layers.Dense(units, name="head")(layers.Flatten()(x)))
      `),
    );
    expect(errors(r)).toEqual([]);
    expect(moduleText(r)).toMatch(/self\.conv = nn\.Conv2d\(3, 4, kernel_size=3\)/);
    expect(linear(moduleText(r), "head")).toEqual([196, 5]);
  });

  it("refuses a format it cannot read statically", () => {
    const r = run(
      py(`
        import os
        import keras
        keras.backend.set_image_data_format(os.environ["FORMAT"])
        inputs = keras.Input(shape=(3, 16, 16))
        model = keras.Model(inputs, keras.layers.Conv2D(4, 3)(inputs))
      `),
    );
    expect(errors(r).map((d) => d.message).join("\n")).toMatch(/set_image_data_format\(\) needs a static 'channels_last' or 'channels_first'/);
  });
});

describe("--entry on the file's own objects", () => {
  const source = py(`
    from keras.models import Model, Sequential
    from keras.layers import Input, Dense, Deconv2D, Reshape, merge
    import six

    class WideNet:
        def __init__(self, units):
            self.units = units
        def __call__(self):
            inputs = Input(shape=(4,))
            a = Dense(self.units, name="a")(inputs)
            b = Dense(self.units, name="b")(inputs)
            return Model(inputs, merge([a, b], mode="concat", concat_axis=-1))

    def block(kind):
        return Dense(3, name="picked") if isinstance(kind, six.string_types) else kind

    class GAN(object):
        def __init__(self, latent=8):
            self.generator = Sequential([Dense(16, input_shape=(latent,)), Reshape((4, 4, 1)), Deconv2D(2, 3, strides=2, padding="same")])
            inputs = Input(shape=(5,))
            self.discriminator = Model(inputs, block("dense")(inputs))
  `);

  it("calls an instance whose class defines __call__", () => {
    const r = run(source, { entry: "WideNet(units=6)()" });
    expect(errors(r)).toEqual([]);
    expect(linear(moduleText(r), "a")).toEqual([4, 6]);
    expect(only(r).outputs.map((o) => o.keras_shape)).toEqual([[null, 12]]);
  });

  it("compiles the models an object holds, named by their attribute paths", () => {
    const r = run(source, { entry: "GAN()" });
    expect(errors(r)).toEqual([]);
    expect(r.models.map((m) => [m.names[0], m.keras_classes.join(",")])).toEqual([
      ["gan.generator", "Conv2DTranspose,Dense,InputLayer,Reshape"],
      ["gan.discriminator", "Dense,InputLayer"],
    ]);
    expect(linear(moduleText(r), "picked")).toEqual([5, 3]);
  });

  it("has `keras` even when the file imports only names from it", () => {
    const r = run(
      py(`
        from keras.layers import Dense
        from keras.models import Model
        def head(inputs, classes):
            return Model(inputs, Dense(classes, name="head")(inputs))
      `),
      { entry: "head(keras.Input((7,)), 2)" },
    );
    expect(errors(r)).toEqual([]);
    expect(linear(moduleText(r), "head")).toEqual([7, 2]);
  });

  it("refuses Keras 1's merge with a mode it cannot map", () => {
    const r = run(
      py(`
        from keras.layers import Input, Dense, merge
        from keras.models import Model
        inputs = Input(shape=(4,))
        model = Model(inputs, merge([Dense(2)(inputs), Dense(2)(inputs)], mode="cos"))
      `),
    );
    expect(errors(r).map((d) => d.message).join("\n")).toMatch(/Keras 1's `merge` is supported with mode "sum", "mul", "ave", "max", "concat", "dot"/);
  });
});

describe("what cannot be known is reported", () => {
  it("an undefined name as a layer argument is an unknown-name/unknown-value error at the argument", () => {
    const r = run(
      py(`
        import keras
        from keras import layers
        inputs = keras.Input(shape=(8,))
        x = layers.Dense(NUM_UNITS)(inputs)
        model = keras.Model(inputs, x)
      `),
    );
    const d = r.diagnostics.find(isUnknown);
    expect(d?.severity).toBe("error");
    expect(d?.message).toMatch(/NUM_UNITS/);
    expect(at(d)).toEqual({ line: 4, column: 18, endLine: 4, endColumn: 27 });
    expect(moduleText(r)).toMatch(/raise NotImplementedError\(/);
  });

  it("a size from the environment becomes a constructor parameter, named at the argument", () => {
    const r = run(
      py(`
        import os
        import keras
        from keras import layers
        units = int(os.environ["U"])
        inputs = keras.Input(shape=(8,))
        model = keras.Model(inputs, layers.Dense(units, name="d")(inputs))
      `),
    );
    expect(r.diagnostics.filter((x) => x.severity === "error")).toEqual([]);
    const d = r.diagnostics.find((x) => x.code === "size-parameter");
    expect(d?.severity).toBe("warning");
    expect(at(d)).toEqual({ line: 6, column: 42, endLine: 6, endColumn: 47 });
  });

  it("a value from the environment that is not a size is an unknown-value error at the argument", () => {
    const r = run(
      py(`
        import os
        import keras
        from keras import layers
        act = os.environ["ACT"]
        inputs = keras.Input(shape=(8,))
        model = keras.Model(inputs, layers.Dense(4, activation=act)(inputs))
      `),
    );
    const d = r.diagnostics.find((x) => x.code === "unknown-value");
    expect(d?.severity).toBe("error");
    expect(at(d)).toEqual({ line: 6, column: 45, endLine: 6, endColumn: 59 });
    expect(d?.message).toMatch(/line 4:7.*--set act=/);
  });

  it("if and while on unknowable conditions are diagnosed at their location; static while loops run", () => {
    const r = run(
      py(`
        import os
        import keras
        from keras import layers

        class MyModel(keras.Model):
            def call(self, x):
                return x

        inputs = keras.Input(shape=(4,))
        x = inputs
        if os.environ.get("BIG"):
            x = layers.Dense(8)(x)
        i = 0
        while i < 2:
            i += 1
        while os.environ.get("DEEP"):
            x = layers.Dense(8)(x)
        if os.path.exists("weights.h5"):
            print("found")
        model = keras.Model(inputs, layers.Dense(i)(x))
      `),
    );
    const find = (code: string, line: number) => r.diagnostics.find((d) => d.code === code && d.range.line === line);
    // A subclass that is never used costs nothing.
    expect(r.diagnostics.filter((d) => d.range.line === 5)).toEqual([]);
    // Skipped code that builds layers is an error, and the model's forward raises there.
    expect(find("unknown-value", 11)).toMatchObject({ severity: "error", range: { column: 4, endColumn: 25 } });
    expect(find("unknown-value", 16)).toMatchObject({ severity: "error" });
    expect(find("unknown-value", 16)!.message).toMatch(/while/);
    expect(r.files[0]!.text).toMatch(/raise NotImplementedError\(\s*"the model may be incomplete: model\.py:11/);
    // The static loop ran: the last Dense has i == 2 units.
    expect(r.models[0]!.outputs[0]!.keras_shape).toEqual([null, 2]);
    // Code that reaches no model is not evaluated at all: no diagnostic.
    expect(find("unknown-value", 18)).toBeUndefined();
  });

  it("an unsupported layer (Discretization) is an unsupported-layer error and the forward raises at its line", () => {
    const r = run(
      py(`
        import keras
        from keras import layers

        inputs = keras.Input(shape=(16, 16, 3))
        x = layers.Conv2D(4, 3, name="conv")(inputs)
        x = keras.layers.Discretization([0.5])(x)
        model = keras.Model(inputs, layers.Dense(2)(layers.Flatten()(x)))
      `),
    );
    const d = r.diagnostics.find((x) => x.code === "unsupported-layer");
    expect(d?.severity).toBe("error");
    expect(d?.message).toMatch(/Discretization/);
    expect(at(d)).toEqual({ line: 6, column: 5, endLine: 6, endColumn: 39 });
    const text = moduleText(r);
    expect(text).toMatch(/self\.conv = nn\.Conv2d\(3, 4, kernel_size=3\)/);
    expect(text).toMatch(/raise NotImplementedError\(\s*"[^"]*Discretization[^"]*model\.py:6/);
  });
});

describe("imports between files of the input set", () => {
  const blocks = py(`
    from keras import layers

    def conv_block(x, filters, name, kernel=3):
        return layers.Conv2D(filters, kernel, padding="same", name=name)(x)
  `);
  const user = (importLine: string, filters: number) =>
    py(`
      import keras
      ${importLine}

      inputs = keras.Input(shape=(8, 8, 3))
      model = keras.Model(inputs, conv_block(inputs, ${filters}, "imported_conv"))
    `);

  it.each([
    ["from blocks import conv_block", 5],
    ["from .blocks import conv_block", 6],
  ])("%s", (importLine, filters) => {
    const text = user(importLine, filters);
    const r = run(text, { path: "pkg/model.py", resolver: memoryResolver({ "pkg/blocks.py": blocks, "pkg/model.py": text }) });
    expect(errors(r)).toEqual([]);
    expect(r.files.map((f) => f.path)).toEqual(["pkg/model.py", "pkg/model_weights.py"]);
    expect(r.files[0]!.text).toMatch(new RegExp(`self\\.imported_conv = nn\\.Conv2d\\(3, ${filters}, kernel_size=3, padding=1\\)`));
  });

  it("import of a module object and its constants", () => {
    const text = py(`
      import keras
      import blocks
      from config import WIDTH as W, DEPTHS

      inputs = keras.Input(shape=(8, 8, 3))
      x = inputs
      for i, d in enumerate(DEPTHS):
          x = blocks.conv_block(x, W * d, f"c{i}")
      model = keras.Model(inputs, x)
    `);
    const r = run(text, { resolver: memoryResolver({ "blocks.py": blocks, "config.py": "WIDTH = 4\nDEPTHS = [1, 2]\n", "model.py": text }) });
    expect(errors(r)).toEqual([]);
    expect(r.files[0]!.text).toMatch(/self\.c0 = nn\.Conv2d\(3, 4,/);
    expect(r.files[0]!.text).toMatch(/self\.c1 = nn\.Conv2d\(4, 8,/);
  });

  it("a relative import of a file outside the input set is unresolved-import, at the module name", () => {
    const text = user("from .nowhere import conv_block", 6);
    const r = run(text, { path: "pkg/model.py", resolver: memoryResolver({ "pkg/model.py": text }) });
    const d = r.diagnostics.find((x) => x.code === "unresolved-import");
    expect(d).toMatchObject({ severity: "error", range: { file: "pkg/model.py", line: 2, column: 6, endLine: 2, endColumn: 14 } });
    expect(d!.message).toMatch(/nowhere/);
    expect(r.files).toEqual([]);
  });
});

describe("source positions", () => {
  it("columns count Unicode code points", () => {
    const r = run(
      py(`
        import keras
        from keras import layers
        inputs = keras.Input(shape=(4,))
        x = layers.Dense(2, name="héllo_😀")(inputs); y = layers.Dense(UNDEFINED_Ü)(x)
        model = keras.Model(inputs, y)
      `),
    );
    // `UNDEFINED_Ü` starts at code point 63; in UTF-16 it would be 64 (the emoji is two code units).
    expect(at(r.diagnostics.find(isUnknown))).toEqual({ line: 4, column: 63, endLine: 4, endColumn: 74 });
  });

  it("syntax errors are located in code points and nothing from the file is guessed", () => {
    const r = run('import keras\nx = "日本語😀" + (\n');
    const d = r.diagnostics.find((x) => x.code === "syntax-error");
    expect(d?.severity).toBe("error");
    expect(at(d)).toEqual({ line: 2, column: 1, endLine: 2, endColumn: 15 });
    expect(r.models).toEqual([]);
    expect(r.files).toEqual([]);
  });

  it("a missing token is a syntax-error at the position where it is missing", () => {
    const r = run("import keras\n\ndef f(:\n    pass\n");
    expect(r.diagnostics.map((d) => [d.code, d.range.line, d.range.column])).toEqual([["syntax-error", 3, 7]]);
  });
});

describe("the input is never executed", () => {
  it("calls to os.system, subprocess and open are not run", () => {
    const probes = ["/tmp/pwned_k2t", "/tmp/pwned_k2t_sub", "/tmp/k2t_open_probe", "/tmp/k2t_with_probe"];
    for (const p of probes) rmSync(p, { force: true });
    const r = run(
      py(`
        import os
        import subprocess
        import keras
        from keras import layers

        os.system("touch /tmp/pwned_k2t")
        open("/tmp/k2t_open_probe", "w").write("x")
        subprocess.run(["touch", "/tmp/pwned_k2t_sub"])
        with open("/tmp/k2t_with_probe", "w") as fh:
            fh.write("x")
        inputs = keras.Input(shape=(4,))
        model = keras.Model(inputs, layers.Dense(2, name="d")(inputs))
      `),
    );
    expect(errors(r)).toEqual([]);
    expect(linear(moduleText(r), "d")).toEqual([4, 2]);
    for (const p of probes) expect(existsSync(p), p).toBe(false);
  });
});

describe("subclassed models: what is not translated is reported and raises", () => {
  // `call` is the body of `call`, its lines indented for the class (the template's own indentation is added).
  const model = (body: string) => {
    const call = body.split("\n").join("\n      ");
    return py(`
      import tensorflow as tf
      import keras
      from keras import layers

      class Net(keras.Model):
          def __init__(self):
              super().__init__()
              self.d = layers.Dense(4)

          def call(self, x):
      ${call}

          def train_step(self, data):
              return {}

      model = Net()
      model.build((None, 4))
    `);
  };

  it("tf.py_function: an error at the call and a raise in forward, the class still written", () => {
    const r = run(model(`            y = tf.py_function(lambda t: t * 2, [x], tf.float32)
            return self.d(y)`));
    const error = r.diagnostics.find((d) => d.severity === "error")!;
    expect(error).toMatchObject({ code: "unknown-value", range: { line: 11 } });
    expect(error.message).toMatch(/py_function` runs Python code on tensors/);
    expect(moduleText(r)).toMatch(/def forward\(self, x\):\s+raise NotImplementedError\(\s+"`tf\.py_function`/);
  });

  it("data-dependent control flow is an error that suggests keras.ops.where", () => {
    const r = run(model(`            if tf.reduce_sum(x) > 0:
                x = self.d(x)
            return x`));
    const error = r.diagnostics.find((d) => d.severity === "error")!;
    expect(error).toMatchObject({ code: "unsupported-construct", range: { line: 11 } });
    expect(error.message).toMatch(/data-dependent control flow.*keras\.ops\.where/);
    expect(moduleText(r)).toMatch(/raise NotImplementedError/);
  });

  it("training-only methods are a warning, and the model is translated", () => {
    const r = run(model(`            return self.d(x)`));
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.diagnostics.find((d) => d.code === "training-only")?.message).toMatch(/`Net` defines `train_step`/);
    expect(moduleText(r)).not.toMatch(/train_step/);
    expect(moduleText(r)).toMatch(/return self\.d\(x\)/);
  });
});

describe("subclassed models: classes", () => {
  it("instances of one class that translate alike share one class, even with constructor parameters", () => {
    const text = moduleText(run(readFileSync(join(ROOT, "golden", "subclass_block_loop", "src", "model.py"), "utf8")));
    expect(text.match(/^class MLPBlock/gm)).toEqual(["class MLPBlock"]);
    expect(text).toMatch(/nn\.ModuleList\(\[MLPBlock\(\), MLPBlock\(\), MLPBlock\(\)\]\)/);
  });
});

describe("--input-shape", () => {
  const source = py(`
    import keras
    from keras import layers

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(8, activation="relu")
            self.out = layers.Dense(3)

        def call(self, x):
            return self.out(self.hidden(x))

    model = Net()
  `);

  it("a subclassed model that is never built is an error that names the option", () => {
    const r = run(source);
    const error = r.diagnostics.find((d) => d.code === "invalid-model");
    expect(error?.message).toMatch(/never built or called.*--input-shape/);
    expect(r.models).toEqual([]);
  });

  it("builds it on the given shape, and a Sequential without an input shape too", () => {
    const r = run(source, { inputShapes: [[null, 5]] });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(moduleText(r)).toMatch(/self\.hidden = nn\.Linear\(5, 8\)/);
    expect(r.models[0]!.inputs[0]!.keras_shape).toEqual([null, 5]);
    const seq = run(py(`
      import keras
      model = keras.Sequential([keras.layers.Dense(4)])
    `), { inputShapes: [[null, 6]] });
    expect(moduleText(seq)).toMatch(/nn\.Linear\(6, 4\)/);
  });
});

describe("regressions", () => {
  it("a skipped __main__ block leaves no trace: its `trainable = False` does not reorder legacy weights", () => {
    const source = (guard: string) =>
      py(`
        import sys
        import keras
        from keras import layers

        inputs = keras.Input(shape=(4,))
        x = layers.Dense(4, name="proj")(inputs)
        x = layers.BatchNormalization(name="bn")(x)
        model = keras.Model(inputs, x)
      `) + guard;
    const plain = run(source(""));
    const skipped = run(source(`if __name__ == "__main__":
    model.get_layer("bn").trainable = False
    extra = keras.Model(inputs, layers.Dense(int(sys.argv[1]))(x))`));
    expect(skipped.diagnostics.map((d) => d.message).join("\n")).toMatch(/__main__.*was skipped/);
    expect(skipped.mapping).toEqual(plain.mapping);
    expect(plain.mapping.Model!.filter((r) => r.legacyLayer === "bn" && r.trainable).length).toBe(2);
    // The same block without run-time values is kept, and the freeze applies.
    const kept = run(source(`if __name__ == "__main__":
    model.get_layer("bn").trainable = False`));
    expect(kept.mapping.Model!.filter((r) => r.legacyLayer === "bn").every((r) => !r.trainable)).toBe(true);
  });

  it("evaluates parameter defaults where the function is defined, as Python does", () => {
    const r = run(
      py(`
        import keras
        from keras import layers

        N = 3
        def dense(x, n=N):
            return layers.Dense(n, name="d")(x)
        N = 5
        inputs = keras.Input(shape=(4,))
        model = keras.Model(inputs, dense(inputs))
      `),
    );
    expect(linear(moduleText(r), "d")).toEqual([4, 3]);
  });

  it("points source comments and raises at the file that built the layer", () => {
    const files = {
      "blocks.py": py(`
        from keras import layers


        def up(x):
            return layers.Discretization([0.5])(x)


        def conv(x):
            return layers.Conv2D(4, 3, name="c")(x)
      `),
      "model.py": py(`
        import keras
        from blocks import conv, up

        inputs = keras.Input(shape=(8, 8, 3))
        model = keras.Model(inputs, up(conv(inputs)))
      `),
    };
    const r = run(files["model.py"], { resolver: memoryResolver(files) });
    const text = moduleText(r);
    expect(text).toMatch(/self\.c = nn\.Conv2d\(3, 4, kernel_size=3\)  # blocks\.py:9/);
    expect(text).toMatch(/raise NotImplementedError\(\s*"Keras layer `Discretization` is not supported by keras2torch yet \(blocks\.py:5\)"/);
  });

  it("takes a Sequential's input from a built model in first position", () => {
    const r = run(
      py(`
        import keras
        from keras import layers

        i = keras.Input(shape=(8, 8, 3))
        base = keras.Model(i, layers.Conv2D(4, 3)(i), name="base")
        model = keras.Sequential([base, layers.GlobalAveragePooling2D(), layers.Dense(2, name="head")])
      `),
    );
    expect(errors(r)).toEqual([]);
    expect(linear(moduleText(r), "head")).toEqual([4, 2]);
    expect(byClass(r, "Model").inputs[0]!.keras_shape).toEqual([null, 8, 8, 3]);
  });

  it("rejects two layers with one name, as Keras does", () => {
    const r = run(
      py(`
        import keras
        from keras import layers

        inputs = keras.Input(shape=(4,))
        x = layers.Dense(4, name="same")(inputs)
        model = keras.Model(inputs, layers.Dense(2, name="same")(x))
      `),
    );
    expect(errors(r).map((d) => d.code)).toEqual(["invalid-model"]);
    expect(errors(r)[0]!.message).toMatch(/`same`/);
  });

  it("resolves wildcard imports of Keras modules, and NumPy arithmetic on static sizes", () => {
    const r = run(
      py(`
        import numpy as np
        from keras.layers import *
        from keras.models import *

        inp = Input(shape=(6, 6, 2))
        x = Conv2D(4, 3, padding="same", name="conv")(inp)
        units = int(np.prod(x.shape[1:])) // 8
        x = Flatten()(x)
        model = Model(inp, Dense(units, name="head")(x))
      `),
    );
    expect(errors(r)).toEqual([]);
    expect(linear(moduleText(r), "head")).toEqual([144, 18]);
  });

  it("skips an `if __name__ == \"__main__\":` block that needs run-time values, and compiles builders with defaults", () => {
    const source = (call: string) =>
      py(`
        import argparse
        import keras
        from keras import layers

        def build_model(num_classes=10):
            inputs = keras.Input(shape=(4,))
            return keras.Model(inputs, layers.Dense(num_classes, name="head")(inputs))

        if __name__ == "__main__":
            args = argparse.ArgumentParser().parse_args()
            model = ${call}
            model.summary()
      `);
    const skipped = run(source("build_model(args.classes)"));
    expect(errors(skipped)).toEqual([]);
    expect(skipped.diagnostics).toMatchObject([{ severity: "warning", code: "unknown-value", range: { line: 9 } }]);
    expect(skipped.diagnostics[0]!.message).toMatch(/__main__.*skipped.*--entry/);
    expect(only(skipped).names).toEqual(["build_model"]);
    expect(linear(moduleText(skipped), "head")).toEqual([4, 10]);
    // A block that needs nothing from run time is compiled as written.
    const kept = run(source("build_model(num_classes=3)"));
    expect(kept.diagnostics).toEqual([]);
    expect(only(kept).names).toEqual(["model", "build_model"]);
    expect(linear(moduleText(kept), "head")).toEqual([4, 3]);
  });

  it("follows in-place list changes and `del`, and never ignores an unknown mutating call", () => {
    const build = (edit: string) =>
      run(
        py(`
          import keras
          from keras import layers

          w = [16, 4, 8, 2]
          ${edit}
          inp = keras.Input(shape=(3,))
          x = inp
          for i, u in enumerate(w):
              x = layers.Dense(u, name=f"d{i}")(x)
          model = keras.Model(inp, x)
        `),
      );
    const widths = (r: CompileResult) => [...moduleText(r).matchAll(/nn\.Linear\(\d+, (\d+)\)/g)].map((m) => Number(m[1]));
    expect(widths(build("w.sort()"))).toEqual([2, 4, 8, 16]);
    expect(widths(build("w.sort(reverse=True)"))).toEqual([16, 8, 4, 2]);
    expect(widths(build("w.remove(4)"))).toEqual([16, 8, 2]);
    expect(widths(build("del w[0]"))).toEqual([4, 8, 2]);
    expect(widths(build("w.clear(); w.append(5)"))).toEqual([5]);
    expect(widths(build("w.sort(key=lambda u: -u)"))).toEqual([16, 8, 4, 2]);
    // An unknown method may have changed the list: the loop over it is an error that says where.
    const unknownMethod = build("w.frobnicate()");
    expect(errors(unknownMethod).map((d) => d.code)).toEqual(["unknown-value"]);
    expect(errors(unknownMethod)[0]!.message).toMatch(/frobnicate\(\).*it became unknown at line 5:1/);
  });

  it("follows Sequential.pop() and rejects unknown Model methods instead of ignoring them", () => {
    const popped = run(
      py(`
        import keras
        from keras import layers

        model = keras.Sequential([keras.Input((4,)), layers.Dense(8, name="a"), layers.Dense(3, name="b")])
        model.pop()
      `),
    );
    expect(only(popped).outputs[0]!.keras_shape).toEqual([null, 8]);
    expect(submodules(moduleText(popped))).toEqual(["a"]);
    const strange = run(
      py(`
        import keras
        from keras import layers

        model = keras.Sequential([keras.Input((4,)), layers.Dense(8)])
        model.rebuild_everything()
      `),
    );
    expect(errors(strange)[0]!.message).toMatch(/rebuild_everything/);
  });

  it("a one-element outputs list makes a model that returns a tensor, as Keras' Functional does", () => {
    const r = run(
      py(`
        import keras
        from keras import layers

        inp = keras.Input((4,))
        model = keras.Model(inputs=[inp], outputs=[layers.Dense(2)(inp)])
      `),
    );
    expect(moduleText(r)).toMatch(/return x\n/);
  });

  it("with --entry, the `if __name__ == \"__main__\":` block does not run", () => {
    const r = run(
      py(`
        import argparse
        import keras
        from keras import layers

        def build_model(input_shape, num_classes):
            return keras.Sequential([keras.Input(input_shape), layers.Dense(num_classes)])

        if __name__ == "__main__":
            args = argparse.ArgumentParser().parse_args()
            model = build_model((16,), args.classes)
      `),
      { entry: "build_model((16,), 7)" },
    );
    expect(r.diagnostics).toEqual([]);
    expect(moduleText(r)).toMatch(/self\.dense = nn\.Linear\(16, 7\)/);
  });

  it("an unknowable input_shape= is reported once, where it is written", () => {
    const r = run(
      py(`
        import keras
        from keras import layers

        model = keras.Sequential([layers.Dense(4, input_shape=(SIZE,))])
      `),
    );
    expect(errors(r).map((d) => [d.code, d.range.line])).toEqual([["unknown-name", 4]]);
  });

  it("activation functions called on tensors are ops, not layers: model.layers and names match Keras", () => {
    const r = run(
      py(`
        import keras
        from keras import layers

        x = keras.Input((4,))
        h = layers.Dense(4, name="d1")(x)
        h = keras.activations.relu(h)
        out = layers.Dense(2, name="d2")(h)
        base = keras.Model(x, out)
        a = layers.Activation("tanh")(out)
        model = keras.Model(base.input, base.layers[-2].output)
      `),
    );
    // layers are [input, d1, d2]: layers[-2] is d1, whose output is before the relu.
    const forward = moduleText(r).split("def forward").pop()!;
    expect(forward).toMatch(/x = self\.d1\(x\)\s+# model\.py:5\s+return x/);
    expect(forward).not.toMatch(/relu/);
  });

  it("each namespace keeps its own activation defaults and spellings", () => {
    const r = run(
      py(`
        import keras
        import tensorflow as tf
        from keras import layers

        x = keras.Input((4,))
        a = keras.ops.gelu(x)
        b = keras.activations.gelu(x)
        c = layers.Dense(4, activation=tf.nn.leaky_relu)(x)
        model = keras.Model(x, [a, b, c])
      `),
    );
    const text = moduleText(r);
    expect(text).toMatch(/gelu = F\.gelu\(x, approximate="tanh"\)/);
    expect(text).toMatch(/gelu_2 = F\.gelu\(x\)/);
    expect(text).toMatch(/F\.leaky_relu\(self\.dense\(x\), negative_slope=0\.2\)/);
  });

  it("layer.output is the output of the layer's first call, as in Keras", () => {
    const r = run(
      py(`
        import keras
        from keras import layers

        a = keras.Input((4,), name="a")
        b = keras.Input((4,), name="b")
        d = layers.Dense(3, name="d")
        d(a)
        d(b)
        model = keras.Model([a, b], d.output)
      `),
    );
    expect(moduleText(r)).toMatch(/return self\.d\(a\)|x = self\.d\(a\)/);
  });

  it("reads Input's and Sequential's positional arguments in Keras' order", () => {
    const r = run(
      py(`
        import keras
        from keras import layers

        model = keras.Sequential([keras.Input((4,), 8, "float64"), layers.Dense(2)], True, "positional")
      `),
    );
    expect(only(r).class).toBe("Positional");
    expect(only(r).inputs[0]).toMatchObject({ keras_shape: [8, 4], dtype: "float64" });
  });

  it("stops runaway computation in the input with a diagnostic instead of hanging", () => {
    const r = run(
      py(`
        import keras
        n = sum([i * j for i in range(100000) for j in range(100000)])
        x = keras.Input((4,))
        model = keras.Model(x, keras.layers.Dense(2 + 0 * n, name="d")(x))
      `),
    );
    expect(errors(r)).toMatchObject([{ code: "unknown-value", range: { line: 2 } }]);
    expect(errors(r)[0]!.message).toMatch(/evaluation stopped/);
  }, 30_000);

  it("a layer with an unknown argument says so in its raise, not that it is unsupported", () => {
    const r = run(
      py(`
        import keras
        from keras import layers

        inputs = keras.Input(shape=(4,))
        model = keras.Model(inputs, layers.Dense(UNITS, name="d")(inputs))
      `),
    );
    expect(moduleText(r)).toMatch(/Dense `d` could not be configured statically/);
  });
});

describe("Keras masks", () => {
  const header = `
    import keras
    from keras import layers

    tokens = keras.Input(shape=(8,), dtype="int32")
    x = layers.Embedding(10, 8, mask_zero=True)(tokens)
  `;
  const masked = (body: string) => run(py(header) + py(body));

  it("refuses a layer whose numbers would depend on a mask it cannot translate, at the call", () => {
    const r = masked(`
      y = layers.Softmax()(x)
      model = keras.Model(tokens, y)
    `);
    expect(errors(r)).toHaveLength(1);
    expect(errors(r)[0]).toMatchObject({ code: "unsupported-argument", range: { line: 6 } });
    expect(errors(r)[0]!.message).toContain("Softmax `softmax` gets a Keras mask");
  });

  it("gives MultiHeadAttention the query and value masks, and the layers after it none (Keras removes them)", () => {
    const text = moduleText(masked(`
      attended = layers.MultiHeadAttention(num_heads=2, key_dim=4)(x, x)
      y = layers.GlobalAveragePooling1D()(layers.Add()([x, attended]))
      model = keras.Model(tokens, y)
    `));
    expect(text.replace(/\s+/g, " ")).toContain("query_mask=embedding_mask, value_mask=embedding_mask");
    // x lost its mask, so the Add has an unmasked input and the mean is plain.
    expect(text).toMatch(/\.mean\(dim=1\)/);
  });

  it("reports a mask whose reader Keras may run before or after the MultiHeadAttention that removes it", () => {
    const before = masked(`
      pooled = layers.GlobalAveragePooling1D()(x)
      attended = layers.MultiHeadAttention(num_heads=2, key_dim=4)(x, x)
      model = keras.Model(tokens, [pooled, attended])
    `);
    expect(errors(before)).toHaveLength(1);
    expect(errors(before)[0]).toMatchObject({ code: "unsupported-argument", range: { line: 7 } });
    expect(errors(before)[0]!.message).toContain("removes the Keras mask of a tensor that `global_average_pooling1d` also reads");
    const after = masked(`
      attended = layers.MultiHeadAttention(num_heads=2, key_dim=4)(x, x)
      pooled = layers.GlobalAveragePooling1D()(x)
      model = keras.Model(tokens, [pooled, attended])
    `);
    expect(errors(after)).toHaveLength(1);
    expect(errors(after)[0]).toMatchObject({ code: "unsupported-argument", range: { line: 7 } });
    expect(errors(after)[0]!.message).toContain("depends on the order Keras runs them");
  });

  it("drops the mask at a layer that does not support masking, as Keras does", () => {
    const text = moduleText(masked(`
      y = layers.GlobalAveragePooling1D()(layers.Conv1D(4, 3, padding="same")(x))
      model = keras.Model(tokens, y)
    `));
    expect(text).not.toContain("embedding_mask.unsqueeze");
  });
});

describe("convolutional and stacked recurrent layers", () => {
  it("refuses a masked sequence into ConvLSTM2D and stateful=True, at the layer", () => {
    const r = run(
      py(`
        import keras
        from keras import layers

        frames = keras.Input(shape=(4, 6, 6, 3))
        x = layers.Masking()(frames)
        x = layers.ConvLSTM2D(2, 3)(x)
        y = layers.ConvLSTM2D(2, 3, stateful=True)(frames)
        model = keras.Model(frames, [x, y])
      `),
    );
    const messages = errors(r).map((d) => [d.range?.line ?? (d as { line?: number }).line, d.message]);
    expect(messages.some(([, m]) => /ConvLSTM2D `conv_lstm2d` gets a Keras mask/.test(String(m)))).toBe(true);
    expect(messages.some(([, m]) => /stateful=True/.test(String(m)))).toBe(true);
    expect(moduleText(r)).toMatch(/raise NotImplementedError/);
  });

  it("gives a stack's states nested as Keras does, and takes them back as initial_state", () => {
    const r = run(
      py(`
        import keras
        from keras import layers

        series = keras.Input(shape=(5, 3))
        out, (h, c), g = layers.RNN([layers.LSTMCell(4), layers.GRUCell(2)], return_state=True)(series)
        again = layers.RNN([layers.LSTMCell(4), layers.GRUCell(2)])(series, initial_state=[[h, c], g])
        model = keras.Model(series, [out, h, c, g, again])
      `),
    );
    expect(errors(r)).toEqual([]);
    expect(only(r).outputs.map((o) => o.keras_shape)).toEqual([[null, 2], [null, 4], [null, 4], [null, 2], [null, 2]]);
    const text = moduleText(r);
    expect(text).toMatch(/nn\.ModuleList\(\[nn\.LSTM\(3, 4, batch_first=True\), nn\.GRU\(4, 2, batch_first=True\)\]\)/);
    expect(text).toMatch(/self\.rnn\[0\]\.bias_hh_l0\.requires_grad_\(False\)/);
  });

  it("refuses Bidirectional around stacked cells and a wrong number of initial states", () => {
    const r = run(
      py(`
        import keras
        from keras import layers

        series = keras.Input(shape=(5, 3))
        h = layers.Dense(4)(series[:, 0])
        a = layers.Bidirectional(layers.RNN([layers.LSTMCell(4), layers.GRUCell(2)]))(series)
        b = layers.RNN([layers.LSTMCell(4), layers.GRUCell(2)])(series, initial_state=[h, h])
        model = keras.Model(series, [a, b])
      `),
    );
    const messages = errors(r).map((d) => d.message).join("\n");
    expect(messages).toMatch(/Bidirectional around an RNN of stacked cells is not supported yet/);
    expect(messages).toMatch(/`initial_state` must hold 3 tensor\(s\)/);
  });
});

describe("string inputs and lookups", () => {
  const warnings = (r: CompileResult): Diagnostic[] => r.diagnostics.filter((d) => d.severity === "warning");

  it("puts the boundary after a StringLookup on a string Input: a located warning, the docstring, the manifest, the vocabulary file", () => {
    const r = run(
      py(`
        import keras
        from keras import layers

        text = keras.Input(shape=(4,), dtype="string", name="text")
        ids = layers.StringLookup(vocabulary=["a", "b"], mask_token="", name="lookup")(text)
        model = keras.Model(text, layers.Embedding(4, 2)(ids))
      `),
    );
    expect(errors(r)).toEqual([]);
    expect(warnings(r)).toMatchObject([{ code: "string-boundary", range: { line: 5, column: 7 } }]);
    expect(warnings(r)[0]!.message).toMatch(/starts after StringLookup `lookup` and takes its int64 output \(None, 4\) as `text`.*model_vocab\.json/);
    const input = only(r).inputs[0]!;
    expect(input).toMatchObject({ name: "text", dtype: "int64", keras_shape: [null, 4], boundary: { layer: "lookup", class: "StringLookup", keras_dtype: "string", vocabulary: "model_vocab.json" } });
    expect(r.files.map((f) => f.path)).toEqual(["model.py", "model_weights.py", "model_vocab.json"]);
    expect(r.files[0]!.text).toMatch(/the output of Keras' StringLookup `lookup` \(Keras takes strings \(N, 4\)\)/);
    const vocab = JSON.parse(r.files[2]!.text) as { models: Record<string, Record<string, { vocabulary: string[] }>> };
    expect(vocab.models[only(r).class]!.text!.vocabulary).toEqual(["", "[UNK]", "a", "b"]);
    expect(only(r).keras_classes).toContain("StringLookup");
  });

  it("strips special tokens the vocabulary already starts with, as Keras does", () => {
    const r = run(
      py(`
        import keras
        from keras import layers

        text = keras.Input(shape=(2,), dtype="string")
        model = keras.Model(text, layers.StringLookup(vocabulary=["[UNK]", "x"])(text))
      `),
    );
    const vocab = JSON.parse(r.files.find((f) => f.path === "model_vocab.json")!.text) as { models: Record<string, Record<string, { vocabulary: string[] }>> };
    expect(Object.values(Object.values(vocab.models)[0]!)[0]!.vocabulary).toEqual(["[UNK]", "x"]);
  });

  it("lists an adapted layer's saved asset, and the weights script carries the table that extracts it", () => {
    const r = run(
      py(`
        import keras
        from keras import layers

        text = keras.Input(shape=(1,), dtype="string", name="review")
        words = layers.TextVectorization(max_tokens=50, output_sequence_length=7, name="vectorize")(text)
        model = keras.Model(text, layers.Embedding(50, 3)(words))
      `),
    );
    expect(errors(r)).toEqual([]);
    expect(only(r).inputs[0]).toMatchObject({ keras_shape: [null, 7], dtype: "int64" });
    const vocab = JSON.parse(r.files.find((f) => f.path === "model_vocab.json")!.text) as { models: Record<string, Record<string, Record<string, unknown>>> };
    expect(Object.values(vocab.models)[0]!.review).toMatchObject({ vocabulary: null, saved_asset: "assets/layers/text_vectorization/vocabulary.txt", settings: { output_sequence_length: 7 } });
    // Keras 3 names saved paths after the class, not the layer's name.
    expect(r.files[1]!.text).toContain('("review", "vectorize", "TextVectorization", "assets/layers/text_vectorization/vocabulary.txt")');
  });

  it("reports strings that reach another layer, or a string Input read twice, as string-preprocessing", () => {
    const r = run(
      py(`
        import keras
        from keras import layers

        text = keras.Input(shape=(4,), dtype="string")
        a = layers.StringLookup(vocabulary=["a"])(text)
        b = layers.StringLookup(vocabulary=["b"])(text)
        m1 = keras.Model(text, layers.Add()([a, b]))
        t2 = keras.Input(shape=(4,), dtype="string")
        model = keras.Model(t2, layers.Dense(2)(t2))
      `),
    );
    expect(errors(r)).toMatchObject([
      { code: "string-preprocessing", range: { line: 5 } },
      { code: "string-preprocessing", range: { line: 6 } },
      { code: "string-preprocessing", range: { line: 9 } },
    ]);
    expect(errors(r)[2]!.message).toMatch(/Dense `dense` reads the string Input/);
    expect(r.files[0]!.text).toMatch(/raise NotImplementedError/);
  });

  it("reports a StringLookup that is not on a model's string Input as string-preprocessing", () => {
    const r = run(
      py(`
        import keras
        from keras import layers

        text = keras.Input(shape=(4,), dtype="string")
        model = keras.Model(text, layers.StringLookup(vocabulary=["a"])(layers.Identity(name="same")(text)))
      `),
    );
    expect(errors(r)).toMatchObject([{ code: "string-preprocessing", range: { line: 5 } }]);
    expect(errors(r)[0]!.message).toMatch(/Identity `same` reads the string Input/);
  });

  it("puts no boundary in a model that another model calls: strings reach it from the caller", () => {
    const r = run(
      py(`
        import keras
        from keras import layers

        inner_in = keras.Input(shape=(3,), dtype="string")
        inner = keras.Model(inner_in, layers.StringLookup(vocabulary=["q"], name="lk")(inner_in))
        outer_in = keras.Input(shape=(3,), dtype="string")
        model = keras.Model(outer_in, layers.Embedding(3, 2)(inner(outer_in)))
      `),
    );
    expect(codes(r)).not.toContain("string-boundary");
    expect(errors(r)).toMatchObject([
      { code: "string-preprocessing", range: { line: 5 } },
      { code: "string-preprocessing", range: { line: 7 } },
    ]);
    expect(errors(r)[0]!.message).toMatch(/StringLookup `lk` .*belongs to a model that another model calls/);
    expect(errors(r)[1]!.message).toMatch(/nested model `functional` reads the string Input/);
  });

  it("translates IntegerLookup with a literal vocabulary, and reports an adapted one as vocabulary-not-static", () => {
    const ok = run(
      py(`
        import keras
        from keras import layers

        ids = keras.Input(shape=(3,), dtype="int64")
        model = keras.Model(ids, layers.IntegerLookup(vocabulary=[5, 9], mask_token=0, num_oov_indices=2)(ids))
      `),
    );
    expect(errors(ok)).toEqual([]);
    expect(moduleText(ok)).toMatch(/KerasIntegerLookup\(\[5, 9\], 3, 1, num_oov_indices=2, mask_token=0\)/);
    const adapted = run(
      py(`
        import keras
        from keras import layers

        ids = keras.Input(shape=(3,), dtype="int64")
        model = keras.Model(ids, layers.IntegerLookup(name="lk")(ids))
      `),
    );
    expect(errors(adapted)).toMatchObject([{ code: "vocabulary-not-static", range: { line: 5 } }]);
    expect(moduleText(adapted)).toMatch(/raise NotImplementedError\(\s*"IntegerLookup `lk`: inside the model, the vocabulary must be a literal/);
  });

  it("reports Hashing on numbers as integer-hashing (FarmHash64 of the decimal strings is not reproduced)", () => {
    const r = run(
      py(`
        import keras
        from keras import layers

        ids = keras.Input(shape=(3,), dtype="int64")
        model = keras.Model(ids, layers.Hashing(num_bins=8, salt=3)(ids))
      `),
    );
    expect(errors(r)).toMatchObject([{ code: "integer-hashing", range: { line: 5 } }]);
    expect(errors(r)[0]!.message).toMatch(/SipHash64/);
    expect(moduleText(r)).toMatch(/raise NotImplementedError/);
  });

  it("checks CategoryEncoding's options", () => {
    const r = run(
      py(`
        import keras
        from keras import layers

        ids = keras.Input(shape=(3,), dtype="int64")
        model = keras.Model(ids, layers.CategoryEncoding(num_tokens=4, output_mode="count", sparse=True)(ids))
      `),
    );
    expect(errors(r)).toMatchObject([{ code: "shape-error" }]);
    expect(errors(r)[0]!.message).toMatch(/sparse=True/);
  });
});
