// Real model files are whole training scripts. Only what a model depends on is evaluated; a value that
// cannot be known is an error only where a model needs it (and then names both places); `--set` gives
// the sizes that come from data; and the Python such scripts use around the model evaluates.
import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { compile, type CompileOptions, type CompileResult } from "../src/compile.js";
import type { Diagnostic } from "../src/ir/types.js";

const run = (text: string, options: Partial<CompileOptions> = {}): CompileResult => compile(text, { path: "train.py", ...options });
const errors = (r: CompileResult): Diagnostic[] => r.diagnostics.filter((d) => d.severity === "error");
const linears = (r: CompileResult): string[] => [...(r.files[0]?.text ?? "").matchAll(/nn\.Linear\((\d+), (\d+)/g)].map((m) => `${m[1]}->${m[2]}`);

/** Python source from indented template text. */
function py(text: string): string {
  const lines = text.replace(/^\n/, "").split("\n");
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.match(/^ */)![0].length));
  return lines.map((l) => l.slice(indent)).join("\n");
}

const DATA = py(`
  import os
  import glob
  import numpy as np
  import pandas as pd
  import matplotlib.pyplot as plt
  import keras
  from keras import layers

  df = pd.read_csv("train.csv")
  class_names = sorted(os.listdir("data/"))
  files = glob.glob("data/*/*.png")
  for f in files:
      print(f)
  fig, ax = plt.subplots(1, 2)
`);

describe("unknown values are lazy", () => {
  it("an unknown value that reaches no model produces no error", () => {
    const r = run(
      DATA +
        py(`
          num_classes = len(class_names)
          model = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
          model.compile("adam", "mse")
          history = model.fit(df.values, epochs=num_classes)
          ax[0].plot(history.history["loss"])
        `),
    );
    expect(errors(r)).toEqual([]);
    expect(r.diagnostics.filter((d) => d.severity === "warning")).toEqual([]);
    expect(linears(r)).toEqual(["4->3"]);
  });

  it("one that reaches a model is one error naming where the model needs it and where it became unknown", () => {
    const r = run(
      DATA +
        py(`
          num_classes = len(class_names)
          model = keras.Sequential([keras.Input((4,)), layers.Dense(num_classes * 2)])
        `),
    );
    const found = errors(r);
    expect(found).toHaveLength(1);
    // Located at the layer argument (line 16), naming line 10 where `os.listdir` made it unknown. Twice
    // the size cannot be a constructor parameter (a plain `Dense(num_classes)` would be one), and the
    // error says so.
    expect(found[0]!.range).toMatchObject({ line: 16, column: 59 });
    expect(found[0]!.message).toMatch(/`units`.*`os\.listdir` is not evaluated statically.*it became unknown at line 10:22.*--set num_classes=VALUE.*cannot be a constructor parameter: a number computed from it/);
    // The forward raises there instead of computing something wrong.
    expect(r.files[0]!.text).toMatch(/raise NotImplementedError/);
  });

  it("a Sequential started by an Input of unknown shape is one error, at the shape, not a second one at the Sequential", () => {
    const r = run(
      DATA +
        py(`
          x_train = df.to_numpy()
          model = keras.Sequential([keras.Input(shape=x_train.shape[1:]), layers.Dense(1)])
        `),
    );
    const found = errors(r);
    expect(found).toHaveLength(1);
    expect(found[0]!.range).toMatchObject({ line: 16, column: 39 });
    expect(found[0]!.message).toMatch(/the input shape.*`pandas\.read_csv` is not evaluated statically/);
  });

  it("a model whose fit call needs data known only at run time is still the model", () => {
    // The comprehension over the labels cannot be evaluated, so the whole `fit` statement is skipped;
    // it calls only a method that builds nothing, so `model` keeps its value (it once became unknown,
    // and the file had no model at all).
    const r = run(
      DATA +
        py(`
          labels = df["label"].values
          model = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
          model.compile("adam", "sparse_categorical_crossentropy")
          model.fit(df.values, labels, class_weight={c: 1.0 for c in labels}, epochs=int(max(labels)))
        `),
    );
    expect(errors(r)).toEqual([]);
    expect(linears(r)).toEqual(["4->3"]);
    expect(r.diagnostics.filter((d) => d.severity === "info").map((d) => [d.code, d.range.line])).toEqual([["unknown-value", 18]]);
  });

  it("what a skipped loop would have changed is unknown, with the loop as its origin", () => {
    const r = run(
      DATA +
        py(`
          vocab = set()
          for text in df["text"]:
              vocab.update(text.split())
          vocab_size = len(vocab) + 1
          inputs = keras.Input(shape=(10,), dtype="int32")
          model = keras.Model(inputs, layers.Embedding(vocab_size + 1, 8)(inputs))
        `),
    );
    const found = errors(r);
    expect(found).toHaveLength(1);
    expect(found[0]!.range.line).toBe(20);
    expect(found[0]!.message).toMatch(/`input_dim`.*not evaluated.*pandas\.read_csv.*line 16:13.*--set vocab_size=VALUE/);
    // One info line for the file says what was skipped.
    expect(r.diagnostics.filter((d) => d.severity === "info").map((d) => d.range.line)).toEqual([16]);
  });
});

describe("--set", () => {
  const source = DATA + py(`
    vocab = sorted(set(" ".join(df["text"]).split()))
    vocab_size = len(vocab) + 1
    def build_model(num_classes, embed_dim=8):
        inputs = keras.Input(shape=(10,), dtype="int32")
        x = layers.Embedding(vocab_size, embed_dim)(inputs)
        x = layers.GlobalAveragePooling1D()(x)
        return keras.Model(inputs, layers.Dense(num_classes)(x))
    model = build_model(len(class_names))
  `);

  it("gives a module variable and a parameter their values", () => {
    const r = run(source, { set: { vocab_size: "1000", num_classes: "5" } });
    expect(errors(r)).toEqual([]);
    // Both are plain sizes: the class takes them as constructor parameters with these defaults.
    expect(r.files[0]!.text).toMatch(/def __init__\(self, vocab_size=1000, num_classes=5\):/);
    expect(r.files[0]!.text).toMatch(/nn\.Embedding\(vocab_size, 8\)/);
    expect(r.files[0]!.text).toMatch(/nn\.Linear\(8, num_classes\)/);
    expect(r.diagnostics.filter((d) => d.code === "size-parameter").map((d) => [d.severity, d.message])).toEqual([
      ["info", expect.stringMatching(/`Model` takes `vocab_size` as a constructor parameter \(default 1000, from --set vocab_size=1000\)/)],
      ["info", expect.stringMatching(/takes `num_classes` as a constructor parameter \(default 5, from --set num_classes=5\)/)],
    ]);
  });

  it("a size not given becomes a constructor parameter with no default, and a warning says how to give one", () => {
    const r = run(source, { set: { vocab_size: "1000" } });
    expect(errors(r)).toEqual([]);
    expect(r.files[0]!.text).toMatch(/def __init__\(self, num_classes, vocab_size=1000\):/);
    expect(r.diagnostics.filter((d) => d.severity === "warning").map((d) => [d.range.line, d.message])).toEqual([[21, expect.stringMatching(/`num_classes` is computed from data.*no default.*--set num_classes=VALUE or --weights FILE/)]]);
    // The weights table leaves the axes it sizes open: any size fits.
    expect(r.files[1]!.text).toMatch(/"dense\.weight", "layers\/dense\/vars\/0", "dense", 0, \(8, None\)/);
    expect(r.models[0]!.outputs[0]!.keras_shape).toEqual([null, null]);
  });

  it("refuses a value that is not a Python literal, and warns about a name the file never binds", () => {
    const r = run(source, { set: { vocab_size: "os.getenv('V')", num_classes: "5", nmu_classes: "3" } });
    expect(r.diagnostics.map((d) => d.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/--set vocab_size=os\.getenv\('V'\): the value must be a Python literal/), expect.stringMatching(/--set nmu_classes: the file never binds `nmu_classes`/)]),
    );
  });

  it("builds in a size that also reaches forward or a derived number, and says why", () => {
    const source = py(`
      import os
      import keras
      from keras import layers
      num_classes = len(os.listdir("data"))
      inputs = keras.Input(shape=(4,))
      x = layers.Dense(num_classes)(inputs)
      outputs = layers.Reshape((num_classes, 1))(x)
      model = keras.Model(inputs, outputs)
    `);
    // Given: built in, with an info line that says where else it is used.
    const given = run(source, { set: { num_classes: "3" } });
    expect(errors(given)).toEqual([]);
    expect(given.files[0]!.text).toMatch(/nn\.Linear\(4, 3\)/);
    expect(given.files[0]!.text).toMatch(/def __init__\(self\):/);
    expect(given.diagnostics.filter((d) => d.code === "size-parameter").map((d) => d.message)).toEqual([expect.stringMatching(/`num_classes` = 3 is built into the generated classes, not a constructor parameter: it is used in `forward`/)]);
    // Not given: the errors stand, each saying why it cannot be a parameter.
    const missing = run(source);
    expect(errors(missing).map((d) => d.message)).toEqual([
      expect.stringMatching(/`units`.*--set num_classes=VALUE.*cannot be a constructor parameter: it is used in `forward`/),
      expect.stringMatching(/`target_shape`.*cannot be a constructor parameter/),
    ]);
  });

  it("never makes a shape variable a size parameter: only --set gives it", () => {
    const source = py(`
      import numpy as np
      import keras
      from keras import layers
      x_train = np.load("x.npy")
      n = x_train.shape[1]
      inputs = keras.Input(shape=(n,))
      model = keras.Model(inputs, layers.Dense(2)(inputs))
    `);
    // An input dimension is one number: it may be a parameter (the module is built from it).
    const r = run(source);
    expect(errors(r)).toEqual([]);
    expect(r.files[0]!.text).toMatch(/def __init__\(self, n\):[\s\S]*nn\.Linear\(n, 2\)/);
    expect(r.models[0]!.inputs[0]!.keras_shape).toEqual([null, null]);
  });

  it("takes tuples, as for an input shape", () => {
    const source = py(`
      import numpy as np
      import keras
      from keras import layers
      x_train = np.load("x.npy")
      input_shape = x_train.shape[1:]
      inputs = keras.Input(shape=input_shape)
      model = keras.Model(inputs, layers.Dense(2)(layers.Flatten()(inputs)))
    `);
    // Without it: one error, at the shape, naming the shape's variable (not the input built on it).
    expect(errors(run(source)).map((d) => [d.range.line, d.message])).toEqual([[6, expect.stringMatching(/the input shape.*numpy\.load.*--set input_shape=VALUE/)]]);
    const r = run(source, { set: { input_shape: "(3, 4)" } });
    expect(errors(r)).toEqual([]);
    expect(linears(r)).toEqual(["12->2"]);
  });
});

describe("--weights", () => {
  const source = DATA + py(`
    vocab = sorted(set(" ".join(df["text"]).split()))
    vocab_size = len(vocab) + 1
    inputs = keras.Input(shape=(10,), dtype="int32")
    x = layers.Embedding(vocab_size, 8)(inputs)
    x = layers.GlobalAveragePooling1D()(x)
    model = keras.Model(inputs, layers.Dense(len(class_names))(x))
  `);
  const keras3 = (paths: Record<string, number[]>) => ({ weightShapes: { file: "model.keras", format: "keras3" as const, paths, layers: {} } });

  it("reads a size from the shape of the tensor it sizes, with an info line, and makes it the parameter's default", () => {
    const r = run(source, keras3({ "layers/embedding/vars/0": [5000, 8], "layers/dense/vars/0": [8, 3], "layers/dense/vars/1": [3] }));
    // `len(class_names)` is bound to no variable of its own: that error stays, and says what to give.
    expect(errors(r).map((d) => d.message)).toEqual([expect.stringMatching(/`units`.*--set class_names=VALUE/)]);
    expect(r.diagnostics.filter((d) => d.code === "size-from-weights").map((d) => [d.range.line, d.message])).toEqual([[18, "`vocab_size` = 5000, read from model.keras: axis 0 of `layers/embedding/vars/0`"]]);
    expect(r.files[0]!.text).toMatch(/def __init__\(self, vocab_size=5000\):/);
    const legacy = run(source.replace("layers.Dense(len(class_names))", "layers.Dense(4)"), { weightShapes: { file: "model.h5", format: "legacy", paths: {}, layers: { embedding: [[77, 8]] } } });
    expect(errors(legacy)).toEqual([]);
    expect(legacy.files[0]!.text).toMatch(/def __init__\(self, vocab_size=77\):/);
  });

  it("says when the file does not give a size, or its tensors disagree", () => {
    const src = source.replace("layers.Dense(len(class_names))", "layers.Dense(vocab_size)");
    const none = run(src, keras3({ "layers/other/vars/0": [3, 3] }));
    expect(none.diagnostics.filter((d) => d.code === "size-from-weights").map((d) => d.message)).toEqual([expect.stringMatching(/does not give `vocab_size`: no tensor of the file is shaped by it/)]);
    const disagree = run(src, keras3({ "layers/embedding/vars/0": [50, 8], "layers/dense/vars/0": [8, 60], "layers/dense/vars/1": [60] }));
    expect(disagree.diagnostics.filter((d) => d.code === "size-from-weights").map((d) => d.message)).toEqual([expect.stringMatching(/its tensors disagree \(`layers\/embedding\/vars\/0`: 50, `layers\/dense\/vars\/0`: 60/)]);
  });
});

describe("relevance", () => {
  it("never evaluates training and sampling loops after the model, however long", () => {
    const source = py(`
      import keras
      from keras import layers
      model = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
      generated = ""
      for step in range(10**6):
          for k in range(10**6):
              generated += str(step * k)
      text = "".join(sorted(generated))
      model.save("model.keras")
    `);
    const start = performance.now();
    const r = run(source);
    expect(performance.now() - start).toBeLessThan(5_000); // "it finishes", not a benchmark: the loop is never run
    expect(errors(r)).toEqual([]);
    expect(linears(r)).toEqual(["4->3"]);
  });

  it("a function that only mentions a name the model needs does not make what it reads needed", () => {
    // `report` binds only its own name: the names in its body are not definitions that the model's
    // `keras` and `units` could need, so the loop that builds `corpus` (over the evaluator's limits) is skipped.
    const r = run(py(`
      import keras
      from keras import layers
      corpus = ""
      for i in range(10**7):
          corpus += "x"
      def report(units):
          print(corpus, keras, units)
      units = 16
      model = keras.Sequential([keras.Input((4,)), layers.Dense(units)])
    `));
    expect(r.diagnostics).toEqual([]);
    expect(linears(r)).toEqual(["4->16"]);
  });

  it("still evaluates what changes a model after it is built: add, pop, trainable, build, a first call", () => {
    const r = run(py(`
      import numpy as np
      import keras
      from keras import layers
      base = keras.Sequential([layers.Dense(8, name="a"), layers.Dense(6, name="b")])
      base.add(layers.Dense(4, name="c"))
      base.pop()
      base(np.zeros((1, 5)))
      for layer in base.layers[:1]:
          layer.trainable = False
      history = base.fit(np.zeros((2, 5)), np.zeros((2, 6)))
    `));
    expect(errors(r)).toEqual([]);
    expect(linears(r)).toEqual(["5->8", "8->6"]);
    expect(r.mapping[Object.keys(r.mapping)[0]!]!.filter((row) => row.legacyLayer === "a").every((row) => !row.trainable)).toBe(true);
  });

  it("follows a change through an alias and through a function of the file", () => {
    const r = run(py(`
      import keras
      from keras import layers
      config = {"widths": [4]}
      widths = config["widths"]
      def widen(ws, n):
          ws.append(n)
      widths.append(6)
      widen(widths, 2)
      model = keras.Sequential([keras.Input((3,))] + [layers.Dense(w) for w in config["widths"]])
    `));
    expect(errors(r)).toEqual([]);
    expect(linears(r)).toEqual(["3->4", "4->6", "6->2"]);
  });

  it("keeps the Sequential built through fit on data of known shape", () => {
    const r = run(py(`
      import numpy as np
      import keras
      from keras import layers
      model = keras.Sequential([layers.Dense(4)])
      x_train = np.random.rand(100, 12).astype("float32")
      model.compile("adam", "mse")
      model.fit(x_train, np.zeros((100, 4)), epochs=1)
    `));
    expect(errors(r)).toEqual([]);
    expect(linears(r)).toEqual(["12->4"]);
  });
});

describe("the Python training scripts use", () => {
  it("config objects, dataclasses, properties, class methods and callbacks of the file's own classes", () => {
    const r = run(py(`
      from dataclasses import dataclass, field
      import keras
      from keras import layers

      @dataclass
      class Base:
          width: int = 4

      @dataclass
      class Config(Base):
          depth: int = 2
          scale: float = 1.5

          @property
          def wide(self):
              return int(self.width * self.scale)

          @classmethod
          def small(cls):
              return cls(width=2, depth=1)

      class Defaults:
          UNITS = 3
          def __init__(self, extra=1):
              self.units = Defaults.UNITS + extra

      class Logger(keras.callbacks.Callback):
          def on_epoch_end(self, epoch, logs=None):
              print(logs)

      cfg = Config(depth=3)
      small = Config.small()
      d = Defaults(extra=2)
      dims = [cfg.wide] * cfg.depth + [small.width, d.units, getattr(cfg, "missing", 7)]
      model = keras.Sequential([keras.Input((5,))] + [layers.Dense(n) for n in dims])
      model.fit(None, callbacks=[Logger()])
    `));
    expect(errors(r)).toEqual([]);
    expect(linears(r)).toEqual(["5->6", "6->6", "6->6", "6->2", "2->5", "5->7"]);
  });

  it("sets, sorted/min/max with key, any/all, isinstance, partial, lambda, while, try, with, global", () => {
    const r = run(py(`
      import functools
      import keras
      from keras import layers

      words = {"b", "a", "c", "a"}
      longest = max(["ab", "abcd", "abc"], key=len)
      order = sorted([(2, "x"), (1, "y")], key=lambda p: p[0])
      dense = functools.partial(layers.Dense, activation="relu")
      n = 1
      while n < 5:
          n *= 2
      try:
          import tensorflow as tf
      except ImportError:
          tf = None
      DEPTH = 0
      def deeper():
          global DEPTH
          DEPTH += 2
      deeper()
      flags = [any([False, True]), all([True, isinstance(n, int)])]
      with open("log.txt", "w") as log:
          inputs = keras.Input((3,))
          x = dense(len(words))(inputs)
          x = dense(len(longest))(x)
          x = dense(order[0][0] + n + DEPTH + sum(flags))(x)
          model = keras.Model(inputs, x)
    `));
    expect(errors(r)).toEqual([]);
    expect(linears(r)).toEqual(["3->3", "3->4", "4->13"]);
  });
});

describe("train_step wrappers and the data scripts feed", () => {
  const GAN = py(`
    import tensorflow as tf
    from tensorflow import keras
    from tensorflow.keras import layers

    discriminator = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1)], name="discriminator")
    generator = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(8)], name="generator")

    class GAN(keras.Model):
        def __init__(self, discriminator, generator, latent_dim):
            super().__init__()
            self.discriminator = discriminator
            self.generator = generator
            self.latent_dim = latent_dim

        def train_step(self, real_images):
            fake = self.generator(tf.random.normal((8, self.latent_dim)))
            return {"d_loss": self.discriminator(fake)}

    gan = GAN(discriminator=discriminator, generator=generator, latent_dim=4)
    gan.compile()
    gan.fit(dataset, epochs=3)
  `);

  it("a Model subclass with no call is the models it holds, with a located warning", () => {
    const r = run(GAN);
    expect(errors(r)).toEqual([]);
    expect(r.models.map((m) => m.names[0])).toEqual(["discriminator", "generator"]);
    const wrapper = r.diagnostics.find((d) => d.code === "training-only" && d.message.includes("has no `call`"));
    expect(wrapper?.message).toBe("`GAN` has no `call`: it only trains the models it holds (`discriminator`, `generator`), which are translated on their own");
    expect(wrapper?.range.line).toBe(19); // `gan = GAN(...)`
  });

  it("holds models it builds itself too", () => {
    const r = run(py(`
      import keras
      from keras import layers

      class Distiller(keras.Model):
          def __init__(self):
              super().__init__()
              self.student = keras.Sequential([keras.Input(shape=(6,)), layers.Dense(2)])

          def train_step(self, data):
              return {}

      distiller = Distiller()
    `));
    expect(errors(r)).toEqual([]);
    expect(linears(r)).toEqual(["6->2"]);
  });

  it("a wrapper whose call feeds its input to a held model is built on that model's input", () => {
    const r = run(py(`
      import keras
      from keras import layers

      inputs = keras.Input(shape=(12,))
      encoder = keras.Model(inputs, [layers.Dense(3)(inputs), layers.Dense(2)(inputs)])
      latent = keras.Input(shape=(2,))
      decoder = keras.Model(latent, layers.Dense(12)(latent))

      class VAE(keras.Model):
          def __init__(self, encoder, decoder, **kwargs):
              super().__init__(**kwargs)
              self.encoder = encoder
              self.decoder = decoder

          def call(self, x):
              _, z = self.encoder(x)
              return self.decoder(z)

      vae = VAE(encoder, decoder)
      vae.compile(optimizer="adam")
      vae.fit(data, epochs=30)
    `));
    expect(errors(r)).toEqual([]);
    const vae = r.models.find((m) => m.names.includes("vae"))!;
    expect(vae.inputs.map((i) => i.keras_shape)).toEqual([[null, 12]]);
    expect(vae.outputs.map((o) => o.keras_shape)).toEqual([[null, 12]]);
    const info = r.diagnostics.find((d) => d.code === "inferred-input")!;
    expect(info.message).toBe("`VAE` is never built: it is built on (None, 12), the input of `self.encoder`, which its `call` passes its input to");
    expect(info.severity).toBe("info");
  });

  it("is still an error when the call changes its input before a held model sees it", () => {
    const r = run(py(`
      import keras
      from keras import layers

      inputs = keras.Input(shape=(12,))
      encoder = keras.Model(inputs, layers.Dense(2)(inputs))

      class Wrapper(keras.Model):
          def __init__(self, encoder):
              super().__init__()
              self.encoder = encoder

          def call(self, x):
              x = keras.ops.reshape(x, (-1, 3, 4))
              return self.encoder(x)

      wrapper = Wrapper(encoder)
    `));
    expect(errors(r).map((d) => d.code)).toEqual(["invalid-model"]);
    expect(errors(r)[0]!.message).toContain("`Wrapper` is never built or called");
  });

  it("reads tf.keras datasets, len() of an array, and keras.backend.epsilon()", () => {
    const r = run(py(`
      import tensorflow as tf
      from tensorflow.keras import backend as K

      (x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
      x_train, x_test = x_train / 255, x_test / 255
      rows = len(x_train)

      class MyModel(tf.keras.Model):
          def __init__(self):
              super().__init__()
              self.flatten = tf.keras.layers.Flatten()
              self.fc = tf.keras.layers.Dense(rows // 6000)

          def call(self, x):
              return self.fc(self.flatten(x)) + K.epsilon()

      model = MyModel()
      model.fit(x_train, y_train, epochs=1)
    `));
    expect(errors(r)).toEqual([]);
    expect(linears(r)).toEqual(["784->10"]);
    expect(r.files[0]!.text).toContain("1e-07");
  });
});

describe("older scripts", () => {
  it("reads Keras 1 spellings as Keras 2's legacy interfaces did, with one keras-version info line", () => {
    const r = run(py(`
      from keras.models import Sequential
      from keras.layers import Dense, Convolution2D, Flatten

      model = Sequential()
      model.add(Convolution2D(8, 3, 3, border_mode="same", subsample=(2, 2), input_shape=(8, 8, 1)))
      model.add(Flatten())
      model.add(Dense(output_dim=5, init="uniform"))
    `));
    expect(errors(r)).toEqual([]);
    const text = r.files[0]!.text;
    expect(text).toContain("nn.Conv2d(1, 8, kernel_size=3, stride=2)");
    expect(linears(r)).toEqual(["128->5"]);
    const hints = r.diagnostics.filter((d) => d.code === "keras-version");
    expect(hints.map((d) => d.message)).toEqual([
      "`Convolution2D(8, 3, 3)` is a Keras 1 spelling, which Keras 2 read as `kernel_size=(3, 3)`; this file is compiled with Keras 3's definitions. If the model was trained with Keras 2, compile it with --keras-version 2",
    ]);
  });

  it("keeps Keras 3's reading of Conv2D(filters, kernel_size, strides) in code with no Keras 1 spelling", () => {
    const r = run(py(`
      import keras
      model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, 2)])
    `));
    expect(errors(r)).toEqual([]);
    expect(r.files[0]!.text).toContain("nn.Conv2d(1, 4, kernel_size=3, stride=2)");
    expect(r.diagnostics.filter((d) => d.code === "keras-version")).toEqual([]);
  });

  it("follows the shapes of data arrays through arithmetic, reshape, expand_dims and np.prod", () => {
    const r = run(py(`
      import numpy as np
      from keras.datasets import mnist
      from keras.models import Sequential
      from keras.layers import Dense

      (x_train, y_train), (x_test, y_test) = mnist.load_data()
      x_train = x_train.astype("float32") / 255.0
      flat = x_train.reshape((len(x_train), np.prod(x_train.shape[1:])))
      images = np.expand_dims(np.reshape(flat, (-1, 28, 28)), -1)
      flat -= 0.5
      model = Sequential([Dense(images.shape[3] + 9)])
      model.fit(flat, y_train)
    `));
    expect(errors(r)).toEqual([]);
    expect(linears(r)).toEqual(["784->10"]);
  });

  it("refuses a reshape NumPy would refuse", () => {
    const r = run(py(`
      import numpy as np
      import keras
      x = np.zeros((10, 6)).reshape(7, -1)
      model = keras.Sequential([keras.layers.Dense(2)])
      model.fit(x, x)
    `));
    // The data it would have given is unknown, so the model that needed it has no input shape.
    expect(r.diagnostics.find((d) => d.code === "unknown-value")?.message).toContain("cannot reshape an array of shape (10, 6) into (7, -1)");
    expect(errors(r).map((d) => d.code)).toEqual(["invalid-model"]);
  });

  it("compiles the models a main() the module calls keeps in its locals", () => {
    const r = run(py(`
      import numpy as np
      from keras.models import Sequential
      from keras.layers import Dense

      def build():
          model = Sequential()
          model.add(Dense(3, input_dim=6))
          return model

      def train():
          x = np.zeros((100, 6))
          model = build()
          head = Sequential([Dense(2, input_dim=3)])
          model.fit(x, x)

      if __name__ == "__main__":
          train()
    `));
    expect(errors(r)).toEqual([]);
    expect(r.models.map((m) => m.names)).toEqual([["model", "build"], ["head"]]);
  });

  it("does not build a wrapper with no call from the data fit gives it", () => {
    const r = run(py(`
      import numpy as np
      import keras

      class Distiller(keras.Model):
          def __init__(self, student):
              super().__init__()
              self.student = student

          def train_step(self, data):
              return {}

      student = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
      distiller = Distiller(student)
      distiller.fit(np.zeros((8, 4)), np.zeros((8, 2)))
    `));
    expect(errors(r)).toEqual([]);
    expect(linears(r)).toEqual(["4->2"]);
  });
});

describe("mistakes found in public scripts", () => {
  it("reports an assignment whose value is on the next line, which tree-sitter would join", () => {
    const r = run('import keras\nurl =\n"https://example.com/data.zip"\nmodel = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n');
    expect(errors(r).map((d) => [d.code, d.message, d.range.line])).toEqual([["syntax-error", "`=` has no value on its line; fix the Python syntax error", 2]]);
    expect(r.files).toEqual([]);
  });

  it("reports indentation Python refuses, which tree-sitter's grammar accepts", () => {
    const codes = (text: string) => errors(run(text)).map((d) => [d.message, d.range.line]);
    expect(codes("import keras\ninputs = keras.Input((8,))\n    x = keras.layers.Dense(4)(inputs)\nmodel = keras.Model(inputs, x)\n")).toEqual([["unexpected indent; fix the Python syntax error", 3]]);
    expect(codes("import keras\ndef build():\n\ninputs = keras.Input((8,))\n")).toEqual([["expected an indented block; fix the Python syntax error", 2]]);
    expect(codes("def f(x):\n    if x:\n        a = 1\n      b = 2\n    return a\n")).toEqual([["inconsistent indentation: 6 spaces where the statements before it in its block have 4 spaces; fix the Python syntax error", 4]]);
    // Deep in statements of every kind (the check walks statements, not expressions).
    const nested = (body: string) => codes(`class Trainer:\n    def run(self, data):\n        with open(data) as f:\n            try:\n                match f:\n                    case _:\n${body}            except OSError:\n                pass\n`);
    expect(nested("                        a = 1\n                          b = 2\n")).toEqual([["inconsistent indentation: 26 spaces where the statements before it in its block have 24 spaces; fix the Python syntax error", 8]]);
    expect(nested("                        a = b =\\\n 1\n                        url =\n                        3\n")).toEqual([["`=` has no value on its line; fix the Python syntax error", 9]]);
    expect(nested("                        total += \\\n 1\n")).toEqual([]);
    // Not errors: statements after `;` or on their compound statement's line, comments at any indentation, tabs.
    expect(codes("import keras\na = 1; b = 2\nif a: c = 3\ndef f():\n  # note\n\tpass\n        # another\nmodel = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n")).toEqual([]);
  });

  it("still accepts a value continued with a backslash or brackets", () => {
    const r = run('import keras\nunits = \\\n  4\nshape = (\n  8,)\nmodel = keras.Sequential([keras.Input(shape), keras.layers.Dense(units)])\n');
    expect(errors(r)).toEqual([]);
    expect(linears(r)).toEqual(["8->4"]);
  });

  it("says how to apply a merge layer given its tensors in the constructor", () => {
    const r = run(py(`
      import keras
      a = keras.Input((4,))
      b = keras.Input((4,))
      x = keras.layers.Add([a, b])
      model = keras.Model([a, b], keras.layers.Dense(2)(x))
    `));
    expect(errors(r)[0]!.message).toBe("Add(...) takes no tensors: call the layer on them, `Add()([...])`, or use the function `layers.add([...])`");
  });
});

describe("idioms of the keras.io scripts (golden case script_idioms proves the numbers)", () => {
  it("ignores regularizer objects, which only add to the loss, wherever a layer takes one", () => {
    const r = run(py(`
      import keras
      from keras import layers, regularizers
      inputs = keras.Input((6,), dtype="int32")
      x = layers.Embedding(20, 4, embeddings_regularizer=keras.regularizers.l2(1e-6))(inputs)
      x = layers.LSTM(3, recurrent_regularizer=regularizers.L1L2(l1=0.1), kernel_constraint=keras.constraints.MaxNorm(2))(x)
      model = keras.Model(inputs, x)
    `));
    expect(errors(r)).toEqual([]);
    expect(r.files[0]!.text).toMatch(/nn\.Embedding\(20, 4\)/);
  });

  it("reads keras.ops.nn.* and keras.ops.numpy.* as the keras.ops functions they are", () => {
    const r = run(py(`
      import keras
      from keras import ops
      inputs = keras.Input((4,))
      x = ops.nn.relu(keras.layers.Dense(3)(inputs))
      model = keras.Model(inputs, ops.numpy.multiply(x, 2.0))
    `));
    expect(errors(r)).toEqual([]);
    expect(r.files[0]!.text).toMatch(/F\.relu\(x\)/);
  });

  it("builds a Sequential with no input shape on its first call after its layers were read", () => {
    const r = run(py(`
      import numpy as np
      import keras
      from keras import layers
      aug = keras.Sequential([layers.Normalization(), layers.RandomFlip()])
      aug.layers[0].adapt(np.load("x.npy"))
      inputs = keras.Input((8, 8, 3))
      model = keras.Model(inputs, layers.Dense(2)(layers.Flatten()(aug(inputs))))
    `));
    expect(errors(r)).toEqual([]);
    expect(linears(r)).toEqual(["192->2"]);
  });

  it("a Model subclass given inputs and outputs is the Functional model Keras makes of it", () => {
    const source = (outputs: string) => py(`
      import keras
      import pandas as pd
      from keras import layers
      df = pd.read_csv("data.csv")
      class EmbeddingModel(keras.Model):
          def train_step(self, data):
              return {}
      inputs = keras.Input((4,))
      model = EmbeddingModel(inputs, ${outputs})
    `);
    const r = run(source("layers.Dense(3)(inputs)"));
    expect(errors(r)).toEqual([]);
    expect(r.models.map((m) => m.names)).toEqual([["model"]]);
    expect(r.files[0]!.text).toContain("Keras model `embedding_model`");
    expect(linears(r)).toEqual(["4->3"]);
    // Outputs that cannot be built are one error, not a second one about a subclass never built.
    const failed = run(source("layers.Dense(len(df.columns))(inputs)"));
    expect(errors(failed).map((d) => [d.code, d.range.line])).toEqual([["unknown-value", 9]]);
  });

  it("builds a subclassed model through fit(x=...) on a dataset array, in a function the script gives the model to", () => {
    const r = run(py(`
      import keras
      import gym
      from keras import layers
      (x_train, y_train), _ = keras.datasets.cifar10.load_data()
      env = gym.make("CartPole-v1")
      class Net(keras.Model):
          def __init__(self):
              super().__init__()
              self.flat = layers.Flatten()
              self.out = layers.Dense(10)
          def call(self, inputs):
              return self.out(self.flat(inputs))
      def run_experiment(model):
          model.compile(optimizer="adam", loss="mse")
          return model.fit(x=x_train, y=y_train, epochs=2)
      model = Net()
      history = run_experiment(model)
      while True:
          state = env.reset()
          if env.step(0)[2]:
              break
    `));
    expect(errors(r)).toEqual([]);
    expect(linears(r)).toEqual(["3072->10"]);
  });

  it("selecting from dataset arrays by a mask is data, and a plotting function given the history is not evaluated", () => {
    const r = run(py(`
      import keras
      import numpy as np
      (x_train, y_train), _ = keras.datasets.mnist.load_data()
      x_lt5 = x_train[y_train < 5]
      def plot_history(history):
          for key in history.history.keys():
              print(key, np.mean(history.history[key]))
      model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(5)])
      model.compile("adam", "mse")
      history = model.fit(x_lt5, y_train[y_train < 5])
      plot_history(history)
    `));
    expect(errors(r)).toEqual([]);
    expect(linears(r)).toEqual(["784->5"]);
  });

  it("never evaluates a prediction loop over files, however a callback class or print reads its results", () => {
    // super_resolution_sub_pixel.py and siamese_contrastive.py: the loop calls a function of the file
    // that runs the model; a callback class reads `self.model`; prints come last. None of it builds.
    const r = run(py(`
      import os
      import numpy as np
      import keras
      from keras import layers
      paths = sorted(os.listdir("test"))
      def make_pairs(x, y):
          labels = [1 for _ in x]
          return np.array(x), np.array(labels).astype("float32")
      class Monitor(keras.callbacks.Callback):
          def on_epoch_end(self, epoch, logs=None):
              print(self.model.predict(np.zeros((1, 4))))
      def upscale(model, img):
          return model.predict(np.asarray(img)[None])[0]
      model = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
      pairs, labels = make_pairs(np.load("x.npy"), np.load("y.npy"))
      model.fit(pairs, labels, callbacks=[Monitor()])
      total = 0.0
      for index, path in enumerate(paths[50:60]):
          total += float(upscale(model, np.load(path)).sum())
      print("Avg: %.4f" % (total / 10))
    `));
    expect(errors(r)).toEqual([]);
    expect(linears(r)).toEqual(["4->2"]);
  });

  it("what is computed from a model's predictions is data, even under a name that held a tensor", () => {
    // metric_learning.py: `embeddings` is a Dense output, then the test set's embeddings; the confusion
    // matrix display built from them is plotted (`disp.plot()`), which changes no model.
    const r = run(py(`
      import numpy as np
      import keras
      from keras import layers
      from sklearn.metrics import ConfusionMatrixDisplay
      inputs = keras.Input((4,))
      embeddings = layers.Dense(8)(inputs)
      model = keras.Model(inputs, embeddings)
      embeddings = model.predict(np.load("x.npy"))
      gram = np.einsum("ae,be->ab", embeddings, embeddings)
      matrix = np.zeros((10, 10))
      for i in range(10):
          for j in np.argsort(gram[i]):
              matrix[i, j] += 1
      disp = ConfusionMatrixDisplay(confusion_matrix=matrix)
      disp.plot()
    `));
    expect(errors(r)).toEqual([]);
    expect(linears(r)).toEqual(["4->8"]);
  });

  it("a demo after training (preprocess_input, predict(...).astype, a History) is not evaluated", () => {
    // fully_convolutional_network.py: preprocess_input on a test image is data, and so are the
    // predictions converted with `.astype` and everything drawn from the History.
    const r = run(py(`
      import numpy as np
      import keras
      from keras import layers
      inputs = keras.Input((8, 8, 3))
      model = keras.Model(inputs, layers.Conv2D(2, 1)(inputs))
      history = model.fit(np.zeros((4, 8, 8, 3)), np.zeros((4, 8, 8, 2)))
      curves = {k: v for k, v in history.history.items()}
      images, masks = next(iter(np.load("test.npy")))
      image = keras.applications.vgg19.preprocess_input(np.expand_dims(images[0], axis=0))
      mask = model.predict(image).astype("float")
      mask = np.argmax(mask, axis=-1)
    `));
    expect(errors(r)).toEqual([]);
    expect(r.models).toHaveLength(1);
  });

  it("sets hold Keras functions by identity", () => {
    const r = run(py(`
      import keras
      from keras import layers
      act = keras.activations.get("relu")
      units = 4 if act in {keras.activations.relu, keras.activations.gelu} else 2
      inputs = keras.Input((3,))
      model = keras.Model(inputs, layers.Dense(units)(inputs))
    `));
    expect(errors(r)).toEqual([]);
    expect(linears(r)).toEqual(["3->4"]);
  });

  it("a skipped data loop that calls a module's functions leaves the module bound", () => {
    const r = run(py(`
      import numpy as np
      import tensorflow as tf
      import keras
      from keras import layers
      for row in np.load("x.npy"):
          tf.print(row)
      inputs = keras.Input((4,))
      model = keras.Model(inputs, tf.nn.relu(layers.Dense(2)(inputs)))
    `));
    expect(errors(r)).toEqual([]);
    expect(r.diagnostics.filter((d) => d.severity === "warning")).toEqual([]);
  });

  it("a Sequential of weightless preprocessing that no model uses prepares data, with a warning", () => {
    const r = run(py(`
      import keras
      from keras import layers
      prepare = keras.Sequential([layers.Rescaling(1 / 255.0), layers.Resizing(40, 40), layers.RandomCrop(32, 32)])
      inputs = keras.Input((32, 32, 3))
      model = keras.Model(inputs, layers.Dense(2)(layers.GlobalAveragePooling2D()(inputs)))
    `));
    expect(errors(r)).toEqual([]);
    expect(r.diagnostics.filter((d) => d.code === "training-only").map((d) => d.message)).toEqual([
      "`prepare` holds only preprocessing and augmentation layers, none with weights, and no model uses it: it prepares data, so it is not translated (give --input-shape to translate it)",
    ]);
  });

  it("compiles the models a plain class holds (Keras-GAN's DCGAN), known by their attribute paths", () => {
    const source = (train: string, epochs = 90000) => py(`
      import numpy as np
      from keras.layers import Input, Dense
      from keras.models import Sequential, Model
      class GAN():
          def __init__(self):
              self.generator = self.build_generator()
              z = Input(shape=(4,))
              self.combined = Model(z, self.generator(z))
          def build_generator(self):
              model = Sequential()
              model.add(Dense(3, input_dim=4))
              return model
          def train(self, epochs):
              for epoch in range(epochs):
                  fake = self.generator.predict(np.random.normal(0, 1, (8, 4)))
                  fake = 0.5 * fake + 0.5
                  ${train}
      if __name__ == "__main__":
          gan = GAN()
          gan.train(epochs=${epochs})
    `);
    // 90000 epochs would exhaust the evaluation budget: a method that changes no model is not evaluated.
    const r = run(source("print(np.add(fake, 1).mean())"));
    expect(errors(r)).toEqual([]);
    expect(r.models.map((m) => m.names)).toEqual([["gan.generator", "build_generator"], ["gan.combined"]]);
    // A method that changes a model is not skipped quietly when it needs run-time values: the block
    // is undone whole, with a warning that says why.
    const changing = run(source("self.generator.add(Dense(int(fake.sum())))", 3));
    expect(changing.diagnostics.filter((d) => d.severity === "warning").map((d) => d.message)).toEqual([expect.stringMatching(/^the `if __name__ == "__main__":` block was skipped: it needs values known only at run time \(line 17: cannot determine `units` statically: the result of `Model.predict\(\)` is known only at run time/)]);
  });

  it("an inference loop over a dataset runs built models and tensor functions on data, and is skipped", () => {
    // adain.py: `for style, content in test_ds.take(1):` encodes, mixes and decodes, then plots.
    const r = run(py(`
      import tensorflow as tf
      import keras
      from keras import layers
      test_ds = tf.data.Dataset.zip((tf.data.Dataset.list_files("a/*"), tf.data.Dataset.list_files("b/*")))
      def mix(style, content):
          return tf.nn.relu(style) + content
      encoder = keras.Sequential([keras.Input((8, 8, 3)), layers.Conv2D(4, 3, padding="same")])
      decoder = keras.Sequential([keras.Input((8, 8, 4)), layers.Conv2D(3, 3, padding="same")])
      class StyleTransfer(keras.Model):
          def __init__(self, encoder, decoder):
              super().__init__()
              self.encoder = encoder
              self.decoder = decoder
          def train_step(self, data):
              return {}
      model = StyleTransfer(encoder, decoder)
      for style, content in test_ds.take(1):
          t = mix(model.encoder(style), model.encoder(content))
          image = model.decoder(t)
    `));
    expect(errors(r)).toEqual([]);
    expect(r.models).toHaveLength(2);
  });

  it("a data generator that writes random shapes into arrays is data, whatever its loops need", () => {
    // keras-team's conv_lstm.py: generate_movies() fills np.zeros arrays in loops of random length.
    const r = run(py(`
      import numpy as np
      import keras
      from keras import layers
      def generate_movies(n_samples=10, n_frames=15):
          movies = np.zeros((n_samples, n_frames, 40, 40, 1), dtype=float)
          for i in range(n_samples):
              n = np.random.randint(3, 8)
              for j in range(n):
                  x = np.random.randint(20, 60)
                  movies[i, :, x - 2: x + 2, x - 2: x + 2, 0] += 1
          return movies
      seq = keras.Sequential([keras.Input((None, 40, 40, 1)), layers.ConvLSTM2D(4, 3, padding="same", return_sequences=True)])
      movies = generate_movies(n_samples=12)
      seq.fit(movies[:10], movies[:10], epochs=1)
    `));
    expect(errors(r)).toEqual([]);
    expect(r.models).toHaveLength(1);
  });

  it("MultiHeadAttention over several attention axes flattens them (golden attention_rank4), and refuses what it cannot", () => {
    const source = (extra: string) => py(`
      import keras
      from keras import layers
      inputs = keras.Input((4, 6, 8))
      mask = keras.Input((4, 6, 4, 6), dtype="bool")
      x = layers.MultiHeadAttention(num_heads=2, key_dim=8)(inputs, inputs${extra})
      model = keras.Model([inputs, mask], x)
    `);
    const r = run(source(""));
    expect(errors(r)).toEqual([]);
    expect(r.files[0]!.text).toMatch(/self\.multi_head_attention\(input_layer\.flatten\(1, -2\), input_layer\.flatten\(1, -2\)\)\.unflatten\(\s*1, \(4, 6\)/);
    const refused = run(source(", attention_mask=mask"));
    expect(errors(refused).map((d) => d.message).join("\\n")).toMatch(/`attention_mask` with rank-4 inputs is not supported yet/);
  });

  it("says how to give a model that call reaches as a global a home in the module", () => {
    const r = run(py(`
      import keras
      from keras import layers
      scale = keras.Sequential([keras.Input((4,)), layers.Dense(4)], name="scale")
      class Net(keras.Model):
          def __init__(self):
              super().__init__()
              self.out = layers.Dense(2)
          def call(self, inputs):
              return self.out(scale(inputs))
      model = Net()
      model.build((None, 4))
    `));
    expect(errors(r).map((d) => d.message).join("\\n")).toMatch(/`scale` is a model built outside the class that `call` uses; make it an attribute in `__init__`/);
  });

  it("a custom layer shown on data known only at run time is traced on its first call on tensors", () => {
    const r = run(py(`
      import numpy as np
      import keras
      from keras import layers, ops
      class Double(layers.Layer):
          def call(self, x):
              return x * 2.0
      demo = Double()(ops.convert_to_tensor(np.load("image.npy")))
      print(demo.shape)
      inputs = keras.Input((4,))
      model = keras.Model(inputs, layers.Dense(2)(Double()(inputs)))
    `));
    expect(errors(r)).toEqual([]);
    expect(linears(r)).toEqual(["4->2"]);
  });
});

describe("where data became unknown", () => {
  it("a NumPy function of an unknown value says where its argument became unknown", () => {
    const r = run(py(`
      import numpy as np
      import keras
      data = np.load("frames.npy")
      frames = np.expand_dims(data, axis=-1)
      inputs = keras.Input(shape=frames.shape[1:])
      model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    `));
    const error = errors(r)[0]!;
    expect(error.message).toContain("`numpy.load` is not evaluated statically");
    expect(error.message).toContain("it became unknown at line 3:");
    expect(error.message).not.toContain("expand_dims");
  });
});

describe("augmentation applied to data", () => {
  const AUG = py(`
    import keras
    from keras import layers
    import tensorflow as tf

    train_ds = tf.keras.utils.image_dataset_from_directory("images", image_size=(32, 32))
    data_augmentation = keras.Sequential([layers.RandomFlip("horizontal"), layers.RandomRotation(0.1)])
    for images, _ in train_ds.take(1):
        augmented = data_augmentation(images)
    train_ds = train_ds.map(lambda img, label: (data_augmentation(img), label))
  `);

  it("a Sequential of augmentation layers no model uses is not a model of the file, with a warning", () => {
    const r = run(AUG + py(`
      inputs = keras.Input(shape=(32, 32, 3))
      model = keras.Model(inputs, layers.Dense(2)(layers.GlobalAveragePooling2D()(inputs)))
    `));
    expect(errors(r)).toEqual([]);
    expect(r.models.map((m) => m.names[0])).toEqual(["model"]);
    const warning = r.diagnostics.find((d) => d.code === "training-only")!;
    expect(warning.message).toBe("`data_augmentation` holds only augmentation layers (the identity at inference) and no model uses it: it augments data, so it is not translated (give --input-shape to translate it)");
    expect(warning.range.line).toBe(6);
  });

  it("counts RandomCrop, which has a rule of its own, as augmentation", () => {
    const r = run(AUG.replace('layers.RandomRotation(0.1)', "layers.RandomCrop(28, 28)") + py(`
      inputs = keras.Input(shape=(32, 32, 3))
      model = keras.Model(inputs, layers.Dense(2)(layers.GlobalAveragePooling2D()(inputs)))
    `));
    expect(errors(r)).toEqual([]);
    expect(r.diagnostics.filter((d) => d.code === "training-only").map((d) => d.range.line)).toEqual([6]);
  });

  it("is translated as part of a model that uses it", () => {
    const r = run(AUG + py(`
      inputs = keras.Input(shape=(32, 32, 3))
      x = data_augmentation(inputs)
      model = keras.Model(inputs, layers.Dense(2)(layers.GlobalAveragePooling2D()(x)))
    `));
    expect(errors(r)).toEqual([]);
    expect(r.diagnostics.some((d) => d.message.includes("no model uses it"))).toBe(false);
    expect(r.models.find((m) => m.names.includes("model"))!.keras_classes).toContain("RandomFlip");
  });
});

describe("found in the public scripts of 2026-12-04 (golden case public_script_idioms proves the numbers)", () => {
  it("reads an expression with a comment or a backslash continuation between its operands", () => {
    const r = run(py(`
      import keras
      from keras import layers
      act = layers.Dense(3) if False \\
          else layers.Dense(5)
      small = (layers.Dense(2)  # the head
               if True else layers.Dense(9))
      inputs = keras.Input(shape=(8,))
      total = (act(inputs)  # a residual
               + act(inputs))
      model = keras.Model(inputs, [small(total), inputs[:, \\
          0:2]])
    `));
    expect(errors(r)).toEqual([]);
    expect(linears(r)).toEqual(["8->5", "5->2"]);
  });

  it("reads np.newaxis and tf.newaxis as None", () => {
    const r = run(py(`
      import numpy as np
      import tensorflow as tf
      import keras
      from keras import layers
      inputs = keras.Input(shape=(10,))
      x = layers.Embedding(100, 8)(inputs)
      gate = layers.Dense(8)(layers.GlobalAveragePooling1D()(x))
      model = keras.Model(inputs, (x * gate[:, np.newaxis, :])[:, tf.newaxis])
    `));
    expect(errors(r)).toEqual([]);
    expect(r.files[0]!.text).toContain("y = y[:, None]");
    expect(r.files[0]!.text).toContain("x = x[:, None]");
  });

  it("what a skipped statement would unpack is unknown, not undefined: a size from it is a constructor parameter", () => {
    const r = run(py(`
      import io
      import keras
      def load(path):
          lines = io.open(path).read().split("\\n")
          pairs = [l for l in lines]
          return pairs, pairs
      src, tgt = load("data.txt")
      vocab_size = len(src) + 1
      model = keras.Sequential([keras.Input(shape=(10,)), keras.layers.Embedding(vocab_size, 8)])
    `));
    expect(errors(r)).toEqual([]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["unknown-value", "size-parameter"]);
    expect(r.files[0]!.text).toContain("def __init__(self, vocab_size):");
    // --set gives what the skipped code would have unpacked.
    const given = run(py(`
      import io
      import keras
      lines = io.open("data.txt").read().split("\\n")
      src, tgt = [l for l in lines], None
      model = keras.Sequential([keras.Input(shape=(10,)), keras.layers.Embedding(src, 8)])
    `), { set: { src: "20" } });
    expect(errors(given)).toEqual([]);
    expect(given.files[0]!.text).toContain("nn.Embedding(src, 8)");
  });

  it("a data function that calls Keras' text and sequence utilities builds no model, so it may be skipped", () => {
    const r = run(py(`
      import io
      import tensorflow as tf
      def tokenize(texts):
          tok = tf.keras.preprocessing.text.Tokenizer(filters="")
          tok.fit_on_texts(texts)
          return tf.keras.preprocessing.sequence.pad_sequences(tok.texts_to_sequences(texts)), tok
      lines = io.open("spa.txt").read().split("\\n")
      tensor, tok = tokenize([l for l in lines])
      vocab_size = len(tok.word_index) + 1
      model = tf.keras.Sequential([tf.keras.Input(shape=(10,)), tf.keras.layers.Embedding(vocab_size, 8)])
    `));
    // Not an error where the data is read: a constructor parameter of the model that needs it.
    expect(errors(r)).toEqual([]);
    expect(r.diagnostics.map((d) => [d.code, d.range.line])).toEqual([["unknown-value", 8], ["size-parameter", 10]]);
  });

  it("a name the file reads but never binds (a notebook cell's global) takes its --set value", () => {
    const source = "import keras\nmodel = keras.Sequential([keras.Input(shape=(10,)), keras.layers.Embedding(vocab_size, 8)])\n";
    expect(errors(run(source)).map((d) => d.message)).toEqual(["`vocab_size` is not defined (needed for `input_dim`); define it in this file, import it from a file of the input set, or give it with --set vocab_size=VALUE"]);
    const given = run(source, { set: { vocab_size: "100" } });
    expect(errors(given)).toEqual([]);
    expect(given.diagnostics.map((d) => d.code)).toEqual(["size-parameter"]);
  });

  it("refuses a layer with weights called on tensors that depend on no model input, which Keras runs eagerly", () => {
    const r = run(py(`
      import keras
      from keras import layers
      inputs = keras.Input(shape=(10,))
      positions = layers.Embedding(10, 8, name="positions")(keras.ops.arange(10))
      x = layers.Add()([layers.Embedding(100, 8)(inputs), positions])
      model = keras.Model(inputs, x)
    `));
    expect(errors(r).map((d) => [d.code, d.range.line])).toEqual([["unsupported-construct", 4]]);
    expect(errors(r)[0]!.message).toMatch(/^Embedding `positions` is called on tensors that depend on no model input .* Keras runs that call once, eagerly/);
    expect(r.files[0]!.text).toContain("raise NotImplementedError");
    // Weightless work on such tensors is the same at run time: it stays.
    const weightless = run(py(`
      import keras
      inputs = keras.Input(shape=(10,))
      model = keras.Model(inputs, inputs + keras.layers.Rescaling(2.0)(keras.ops.arange(10)))
    `));
    expect(errors(weightless)).toEqual([]);
  });

  it("compiles a builder that another builder calls as part of that one, not alone", () => {
    const r = run(py(`
      import keras
      from keras import layers
      def build_tower():
          return keras.Sequential([layers.Dense(4)])
      def build_siamese():
          a = keras.Input(shape=(8,))
          b = keras.Input(shape=(8,))
          tower = build_tower()
          return keras.Model([a, b], layers.Subtract()([tower(a), tower(b)]))
    `));
    expect(errors(r)).toEqual([]);
    // The tower is the siamese model's nested class.
    expect(r.models.map((m) => [m.names, m.class])).toEqual([[["sequential"], "Tower"], [["build_siamese"], "BuildSiamese"]]);
  });

  it("takes a model's __call__ for its call when it defines no call (older TensorFlow tutorials)", () => {
    const r = run(py(`
      import tensorflow as tf
      class Encoder(tf.keras.Model):
          def __init__(self, vocab, units):
              super().__init__()
              self.embedding = tf.keras.layers.Embedding(vocab, 8)
              self.gru = tf.keras.layers.GRU(units, return_sequences=True, return_state=True)
          def __call__(self, x):
              output, state = self.gru(self.embedding(x))
              return output, state
      encoder = Encoder(20, 4)
      out = encoder(tf.zeros((2, 5), dtype=tf.int32))
    `));
    expect(r.diagnostics.filter((d) => d.severity !== "info")).toEqual([]);
    // The GRU's own statement comes before the unpacking of its result (golden case subclass_recurrent_state).
    expect(r.files[0]!.text).toContain("        output_2, h = self.gru(self.embedding(x))");
    expect(r.files[0]!.text).toContain("        output, state = (output_2, h[0])");
  });

  it("repeats a tensor over the batch with broadcast_to, drawing noise on the device of the tensor it is sized by", () => {
    const r = run(py(`
      import tensorflow as tf
      import keras
      from keras import layers
      class Token(layers.Layer):
          def build(self, input_shape):
              self.token = self.add_weight(name="token", shape=(1, 1, 8), initializer="zeros")
          def call(self, inputs):
              batch = tf.shape(inputs)[0]
              noise = tf.random.normal((batch, 1, 8))
              return tf.concat([tf.broadcast_to(self.token, [batch, 1, 8]) + noise, inputs], axis=1)
      inputs = keras.Input(shape=(5, 8))
      model = keras.Model(inputs, Token()(inputs))
    `));
    expect(errors(r)).toEqual([]);
    expect(r.files[0]!.text).toContain("self.token.expand([inputs.shape[0], 1, 8])");
    expect(r.files[0]!.text).toContain("torch.randn((inputs.shape[0], 1, 8), device=inputs.device)");
    const wrong = run(py(`
      import keras
      inputs = keras.Input(shape=(5, 8))
      model = keras.Model(inputs, keras.ops.broadcast_to(inputs, (4, 8)))
    `));
    expect(errors(wrong).map((d) => d.message)).toEqual(["keras.ops.broadcast_to: cannot broadcast a rank-3 tensor to the rank-2 shape [4,8]"]);
  });

  it("lets --input-shape give a Sequential whose first layer's input_dim comes from data", () => {
    const source = py(`
      import pandas as pd
      from sklearn.model_selection import train_test_split
      from keras.models import Sequential
      from keras.layers import Dense
      df = pd.read_csv("races.csv")
      x_train, x_test, y_train, y_test = train_test_split(df.drop("y", axis=1), df["y"])
      model = Sequential()
      model.add(Dense(16, input_dim=x_train.shape[1], activation="relu"))
      model.add(Dense(1))
    `);
    expect(errors(run(source))[0]!.message).toMatch(/cannot determine an input dimension statically: .*; or give the model's input shape with --input-shape$/);
    const given = run(source, { inputShapes: [[null, 20]] });
    expect(errors(given)).toEqual([]);
    expect(given.diagnostics.map((d) => [d.code, d.message])).toEqual([["inferred-input", "the Sequential model's input shape is computed from data in the source; it takes the one --input-shape gives, [20]"]]);
    expect(linears(given)).toEqual(["20->16", "16->1"]);
  });

  it("one failed operation is one error: what is built on its result says nothing more", () => {
    const r = run(py(`
      import keras
      from keras import layers
      inputs = keras.Input(shape=(10,))
      tok = layers.Embedding(100, 8)(inputs)
      model = keras.Model(inputs, layers.Add()([tok, tok[tok > 0]]))
    `));
    expect(errors(r).map((d) => d.message)).toEqual(["operator `getitem_tensor` is not supported on tensors yet"]);
  });

  it("says which Keras name a file reads without importing it (a notebook cell), and only then", () => {
    const cell = run("window = 7\nmodel = keras.models.Sequential([keras.layers.Input((window, 5)), keras.layers.Dense(1)])\n");
    expect(cell.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["no-model", "no Keras model is built in this file (nothing to translate); `keras` is read at line 2 but never imported or defined, as Python would say there; add the import (`import keras`, `from tensorflow import keras`)"],
    ]);
    const library = run("def build():\n    from keras import layers\n    return layers.Dense(3)\n");
    expect(library.diagnostics.map((d) => d.message)).toEqual(["no Keras model is built in this file (nothing to translate)"]);
  });

  it("refuses a tensor made in __init__ that call reads, rather than a module that fails with AttributeError", () => {
    const r = run(py(`
      import tensorflow as tf
      class Gamma(tf.keras.layers.Layer):
          def __init__(self, dim):
              super().__init__()
              self.const = 1e-6 * tf.ones((dim,), dtype=tf.float32)
          def call(self, inputs):
              return tf.multiply(inputs, self.const)
      inputs = tf.keras.Input((4, 4, 8))
      model = tf.keras.Model(inputs, Gamma(8)(inputs))
    `));
    expect(errors(r).map((d) => [d.code, d.range.line, d.message])).toEqual([
      ["unsupported-construct", 5, "`self.const` (a tensor set in `__init__`) is read in `call`, but the module cannot hold such an attribute yet; make it a weight with `self.add_weight(...)`, or compute it in `call`"],
    ]);
    expect(r.files[0]!.text).toMatch(/super\(\).__init__\(\)\n(.*\n)*? +raise NotImplementedError\(\n +"`self.const`/);
  });

  it("says a model that adds a NumPy array of the script depends on data it never computes", () => {
    const r = run(py(`
      import numpy as np
      import tensorflow as tf
      pe = np.zeros((10, 8))
      inputs = tf.keras.Input(shape=(10, 8))
      model = tf.keras.Model(inputs, inputs + tf.cast(pe, tf.float32))
    `));
    expect(errors(r).map((d) => d.message)).toEqual([
      "the outputs depend on a NumPy array of the script (its values are data the compiler never computes, which Keras bakes into the model as a constant); compute it with `keras.ops` inside a layer's `call`, or make it a weight with `add_weight`",
    ]);
  });

  it("names an operation once in its message", () => {
    const r = run(py(`
      import keras
      inputs = keras.Input(shape=(8,))
      noise = keras.random.normal(shape=(None, 8))
      model = keras.Model(inputs, inputs + noise)
    `));
    expect(errors(r)[0]!.message).toMatch(/^keras\.random\.normal: the shape must be static here; /);
  });
});
