// Python identifiers for generated names.

const PYTHON_KEYWORDS = new Set([
  "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
  "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or",
  "pass", "raise", "return", "try", "while", "with", "yield", "match", "case", "input", "type", "id", "list", "dict",
  "tuple", "len", "sum", "min", "max", "abs", "print", "range", "super", "object", "any", "all", "map", "filter",
  "iter", "next", "round", "pow",
]);

/** A Keras name (`conv2d_1`, `block1/conv`, `dense-out`) as a Python identifier. */
export function pythonIdentifier(name: string): string {
  let id = name.replace(/[^A-Za-z0-9_]/g, "_");
  if (!id) id = "value";
  if (/^[0-9]/.test(id)) id = `_${id}`;
  if (PYTHON_KEYWORDS.has(id)) id = `${id}_`;
  return id;
}

/** `mnist_cnn` → `MnistCnn`. */
export function pascalCase(name: string): string {
  const parts = name.split(/[^A-Za-z0-9]+|_/).filter(Boolean);
  let out = parts.map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join("");
  if (!out) out = "Model";
  if (/^[0-9]/.test(out)) out = `Model${out}`;
  return out;
}

/** Hands out names that have not been used yet (`x`, `x_2`, ...). */
export class UniqueNames {
  private readonly used = new Set<string>();
  constructor(private readonly reserved: Set<string> = new Set()) {}

  claim(base: string): string {
    let name = this.reserved.has(base) ? `${base}_` : base;
    for (let i = 2; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }
}
