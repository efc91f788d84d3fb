// What the CLI tests share: small Keras sources and file-tree helpers.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";

/** Writes `files` (relative path → text) under `base/root`; returns `root`. */
export function writeTree(base: string, root: string, files: Record<string, string>): string {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(base, root, path)), { recursive: true });
    writeFileSync(join(base, root, path), text);
  }
  return root;
}

/** Every file under `dir`, relative, with `/`, sorted (none when it does not exist). */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string) => {
    for (const item of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, item.name);
      if (item.isDirectory()) visit(path);
      else out.push(relative(dir, path).split(sep).join("/"));
    }
  };
  if (existsSync(dir)) visit(dir);
  return out.sort();
}

export const MLP = `import keras
from keras import layers

inputs = keras.Input(shape=(8,), name="features")
x = layers.Dense(16, activation="relu", name="hidden")(inputs)
outputs = layers.Dense(3, name="logits")(x)
model = keras.Model(inputs, outputs, name="mlp")
`;

export const CNN = `from tensorflow import keras
from tensorflow.keras import layers


def build_model(num_classes=10):
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1), name="image"),
            layers.Conv2D(8, 3, activation="relu", name="conv"),
            layers.MaxPooling2D(2, name="pool"),
            layers.Flatten(name="flatten"),
            layers.Dense(num_classes, name="classifier"),
        ],
        name="small_cnn",
    )


model = build_model()
`;

/** A `match` statement is skipped with a warning; it makes a warnings-only run. */
export const WITH_WARNING = `import keras
from keras import layers

mode = 1
match mode:
    case 1:
        mode = 2
inputs = keras.Input(shape=(4,))
model = keras.Model(inputs, layers.Dense(2, name="out", trainable=mode > 0)(inputs))
`;
