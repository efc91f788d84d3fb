// The fast source of syntax trees: keras2torch's native addon (native/tree-flat) parses a file and
// returns its whole tree as one flat array, and FlatCursor walks that array with the TreeCursor methods
// the mirror reads (syntax.ts), so that mirroring the tree makes no call into native code per node.
// Without the addon (it did not build, or KERAS2TORCH_NATIVE_TREE=0), parse.ts walks tree-sitter's own
// cursor instead; both walks give the same mirror (test/frontend-syntax.test.ts).
import { createRequire } from "node:module";
import Python from "tree-sitter-python";
import type { TreeWalk } from "./syntax.js";

interface FlatTreeAddon {
  parse(language: unknown, text: string): Uint32Array;
  language(language: unknown): { symbols: string[]; fields: (string | null)[] };
}

// The layout of one node's record (flat.c).
const SYMBOL = 0;
const FIELD = 1;
const START = 2;
const END = 3;
const FLAGS = 4;
const PARENT = 5;
const SUBTREE_END = 6;
const RECORD = 7;
const FLAG_NAMED = 1;
const FLAG_MISSING = 2;
const NO_PARENT = 0xffffffff;
const ERROR_SYMBOL = 65535;

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

/** The flat tree of `text`, or null without the addon. */
export function parseFlat(text: string): FlatCursor | null {
  return addon ? new FlatCursor(addon.parse(language, text)) : null;
}

/** A TreeCursor over a flat tree: the node at `at` is words [at * RECORD, (at + 1) * RECORD). */
export class FlatCursor implements TreeWalk {
  private at = 0;

  constructor(private readonly words: Uint32Array) {}

  private word(offset: number): number {
    return this.words[this.at * RECORD + offset]!;
  }
  get nodeTypeId(): number {
    return this.word(SYMBOL);
  }
  get nodeType(): string {
    const symbol = this.word(SYMBOL);
    return symbol === ERROR_SYMBOL ? "ERROR" : names!.symbols[symbol]!;
  }
  get nodeIsNamed(): boolean {
    return (this.word(FLAGS) & FLAG_NAMED) !== 0;
  }
  get nodeIsMissing(): boolean {
    return (this.word(FLAGS) & FLAG_MISSING) !== 0;
  }
  get currentFieldId(): number {
    return this.word(FIELD);
  }
  get currentFieldName(): string {
    return names!.fields[this.word(FIELD)] ?? "";
  }
  get startIndex(): number {
    return this.word(START);
  }
  get endIndex(): number {
    return this.word(END);
  }
  gotoFirstChild(): boolean {
    if (this.word(SUBTREE_END) <= this.at + 1) return false;
    this.at++;
    return true;
  }
  gotoNextSibling(): boolean {
    const parent = this.word(PARENT);
    if (parent === NO_PARENT) return false;
    const next = this.word(SUBTREE_END);
    if (next >= this.words[parent * RECORD + SUBTREE_END]!) return false;
    this.at = next;
    return true;
  }
  gotoParent(): boolean {
    const parent = this.word(PARENT);
    if (parent === NO_PARENT) return false;
    this.at = parent;
    return true;
  }
}
