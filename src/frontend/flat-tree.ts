// The fast source of syntax trees: keras2torch's native addon (native/tree-flat) parses a file and
// returns its whole tree as one flat array, which the mirror (syntax.ts) reads in one loop, so that
// mirroring the tree makes no call into native code per node.
// Without the addon (it did not build, or KERAS2TORCH_NATIVE_TREE=0), parse.ts walks tree-sitter's own
// cursor instead; both walks give the same mirror (test/frontend-syntax.test.ts).
import { createRequire } from "node:module";
import Python from "tree-sitter-python";

interface FlatTreeAddon {
  parse(language: unknown, text: string): Uint32Array;
  language(language: unknown): { symbols: string[]; fields: (string | null)[] };
}

// The layout of one node's record (flat.c): RECORD words per node, in document order.
export const SYMBOL = 0;
export const FIELD = 1;
export const START = 2;
export const END = 3;
export const FLAGS = 4;
export const PARENT = 5;
export const SUBTREE_END = 6;
export const RECORD = 7;
export const FLAG_NAMED = 1;
export const FLAG_MISSING = 2;
/** tree-sitter's symbol of `ERROR` nodes. */
export const ERROR_SYMBOL = 65535;

const language = (Python as unknown as { language: unknown }).language;

function loadAddon(): FlatTreeAddon | null {
  if (process.env.KERAS2TORCH_NATIVE_TREE === "0") return null;
  try {
    return createRequire(import.meta.url)("keras2torch-tree-flat") as FlatTreeAddon;
  } catch {
    return null;
  }
}

const addon = loadAddon();
const names = addon?.language(language);

/** Whether trees come from the native addon (otherwise from tree-sitter's cursor). */
export const nativeTree: boolean = addon !== null;

/** A parsed file's whole tree: RECORD words per node (the layout above), and the grammar's names. */
export interface FlatTree {
  readonly words: Uint32Array;
  /** Symbol and field names by id (the grammar's; `ERROR` is not among them). */
  readonly symbols: readonly string[];
  readonly fields: readonly (string | null)[];
}

/** The flat tree of `text`, or null without the addon. */
export function parseFlat(text: string): FlatTree | null {
  return addon ? { words: addon.parse(language, text), symbols: names!.symbols, fields: names!.fields } : null;
}
