// Ten hostile Keras files, each aimed at one resource: memory, time, the stack, the parser or the input
// size. bench/memory.mjs measures a bulk run that includes them; test/limits.test.ts checks that the API
// gives each one diagnostics.
const head = "import keras\nfrom keras import layers\n";
const model = "model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(2)])\n";
/** File name → source of each hostile file. */
export const hostile = {
  "huge_string.py": `${head}s = 'a' * 10**12\n${model}`,
  "huge_list.py": `${head}x = [0] * 10**12\n${model}`,
  "doubling.py": `${head}x = [1]\nfor _ in range(60):\n    x = x + x\n${model}`,
  "nested_lists.py": `${head}x = [[0] * 90000 for _ in range(10**6)]\n${model}`,
  "endless.py": `${head}n = 0\nwhile True:\n    n = n + 1\n${model}`,
  "recursion.py": `${head}def f(n):\n    return f(n + 1) + f(n + 2)\nf(0)\n${model}`,
  "deep_parens.py": `${head}x = ${"(".repeat(20000)}1${")".repeat(20000)}\n${model}`,
  "long_sum.py": `${head}x = ${Array.from({ length: 200000 }, (_, i) => i).join(" + ")}\n${model}`,
  "big_int.py": `${head}x = 2 ** 10 ** 10\ny = 1 << 10**9\n${model}`,
  "five_mb.py": `${head}${"# a long comment line of a generated file, repeated\n".repeat(95000)}${model}`,
};

