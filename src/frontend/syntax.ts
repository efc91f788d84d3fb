// The syntax tree of a parsed file as plain JavaScript objects. Every property read on one of
// tree-sitter's native nodes crosses into the addon and builds fresh JS objects, which dominated the cost
// of compiling a file; here one pass per parse copies the whole tree (types, offsets, fields, children,
// parents, error flags), and nothing the frontend reads afterwards touches the addon. It reads the flat
// tree of keras2torch's addon (flat-tree.ts) in one loop or, without the addon, walks tree-sitter's cursor.
import Python from "tree-sitter-python";
import { END, ERROR_SYMBOL, FIELD, FLAG_MISSING, FLAG_NAMED, FLAGS, PARENT, RECORD, START, SUBTREE_END, SYMBOL, type FlatTree } from "./flat-tree.js";
import { MAX_SYNTAX_DEPTH } from "./values.js";

export interface Point {
  row: number;
  column: number;
}

/** The grammar's extras: tokens that may appear between any two others. */
const EXTRAS = new Set(["comment", "line_continuation"]);

/** Shared by every leaf (never mutated). */
const NONE: SyntaxNode[] = [];

/** The parts of tree-sitter's TreeCursor the mirror reads. */
export interface TreeWalk {
  readonly nodeTypeId: number;
  readonly nodeType: string;
  readonly nodeIsNamed: boolean;
  readonly nodeIsMissing: boolean;
  readonly currentFieldId: number;
  readonly currentFieldName: string;
  readonly startIndex: number;
  readonly endIndex: number;
  gotoFirstChild(): boolean;
  gotoNextSibling(): boolean;
  gotoParent(): boolean;
}

/** Ids are unique across every tree of the process: maps keyed by node id may mix files (imports). */
let nextId = 1;

/** One syntax node of a parsed file. Only the parts of tree-sitter's API the frontend uses. */
export class SyntaxNode {
  readonly id: number = nextId++;
  /** Child nodes, named and anonymous (comments included), in order. */
  children: SyntaxNode[] = NONE;
  /** tree-sitter's `hasError`: this node or a node under it is `ERROR` or `MISSING`. */
  hasError: boolean;
  private cachedText: string | undefined = undefined;
  private cachedNamed: SyntaxNode[] | undefined = undefined;

  constructor(
    readonly forest: SyntaxForest,
    readonly type: string,
    readonly startIndex: number,
    readonly endIndex: number,
    readonly isNamed: boolean,
    readonly isMissing: boolean,
    /** The field of the parent this node fills (`left`, `body`, ...), or null. */
    readonly fieldName: string | null,
    readonly parent: SyntaxNode | null,
    /** Whether a child of this node can fill a field (see FIELDLESS). */
    readonly fields: boolean,
    /** Its position among the nodes of its forest in document order (SyntaxForest.eachNamed). */
    readonly index: number,
  ) {
    this.hasError = isMissing || type === "ERROR";
  }

  get text(): string {
    return (this.cachedText ??= this.forest.text.slice(this.startIndex, this.endIndex));
  }
  /** Row (0-based) and column (UTF-16 units) of the start, as tree-sitter reports them. */
  get startPosition(): Point {
    return this.forest.point(this.startIndex);
  }
  /**
   * The named children, as tree-sitter's `namedChildren`, except that only a block and the module list
   * the extras among them (comments, `\` line continuations): there a comment is a statement the
   * translation carries over, anywhere else it would shift the operands (`a if c \ else b`).
   */
  get namedChildren(): SyntaxNode[] {
    if (this.cachedNamed === undefined) {
      const all = this.children;
      const extras = this.type !== "block" && this.type !== "module";
      let named = 0;
      for (let i = 0; i < all.length; i++) if (all[i]!.isNamed && !(extras && EXTRAS.has(all[i]!.type))) named++;
      this.cachedNamed = named === all.length ? all : named === 0 ? NONE : all.filter((c) => c.isNamed && !(extras && EXTRAS.has(c.type)));
    }
    return this.cachedNamed;
  }
  get firstChild(): SyntaxNode | null {
    return this.children[0] ?? null;
  }
  childForFieldName(field: string): SyntaxNode | null {
    const all = this.children;
    for (let i = 0; i < all.length; i++) if (all[i]!.fieldName === field) return all[i]!;
    return null;
  }
  childrenForFieldName(field: string): SyntaxNode[] {
    return this.children.filter((c) => c.fieldName === field);
  }
  /** This node and its descendants of `type`, in document order (as tree-sitter's `descendantsOfType`). */
  descendantsOfType(type: string): SyntaxNode[] {
    const found: SyntaxNode[] = [];
    // Iterative: a deep tree must not overflow the stack.
    const stack: SyntaxNode[] = [this];
    while (stack.length) {
      const node = stack.pop()!;
      if (node.type === type) found.push(node);
      const children = node.children;
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    }
    return found;
  }
}

/** What the mirror reads of a grammar symbol, once per process. */
interface SymbolFacts {
  type: string;
  named: boolean;
  /** Whether a child of such a node can fill a field (reading a child's field costs an addon call). */
  fields: boolean;
  /** Whether such a node is a token (has no children: asking the addon for them is skipped). */
  leaf: boolean;
}
/** By symbol, learnt from its first node; `ERROR` (whose symbol would leave the array sparse) has its own. */
const symbolFacts: SymbolFacts[] = [];
const ERROR_FACTS: SymbolFacts = { type: "ERROR", named: true, fields: true, leaf: false };
/** Field names by field id. */
const fieldNames: (string | null)[] = [null];
type NodeTypeInfo = { type: string; named: boolean; fields?: Record<string, unknown>; subtypes?: unknown[] };
const NODE_TYPES = (Python as unknown as { nodeTypeInfo?: NodeTypeInfo[] }).nodeTypeInfo ?? [];
const key = (type: string, named: boolean) => `${named ? "N" : "A"}${type}`;
/**
 * From the grammar's node-types: a rule (which can have children) lists `fields`, possibly empty, and a
 * token does not. Node types include what hidden rules and aliases inline into them (`block` lists the
 * `alternative` of its hidden match block; the anonymous `not in` is a rule). `ERROR` and any type not
 * listed are read in full.
 */
const TOKENS = new Set(NODE_TYPES.filter((t) => !t.subtypes && !("fields" in t)).map((t) => key(t.type, t.named)));
/** Node types whose children never fill a field. */
const FIELDLESS = new Set(NODE_TYPES.filter((t) => !t.subtypes && "fields" in t && Object.keys(t.fields!).length === 0).map((t) => key(t.type, t.named)));
/** Learns a symbol from its first node. */
function learnSymbol(symbol: number, name: string, named: boolean): SymbolFacts {
  return (symbolFacts[symbol] = { type: internalized(name), named, fields: !FIELDLESS.has(key(name, named)), leaf: TOKENS.has(key(name, named)) });
}

/** Set by `read`: whether the node it read is a token. */
let readLeaf = false;

/**
 * The same string, internalized. The frontend compares node types and field names with literals millions
 * of times per run; V8 compares two internalized strings by pointer, but the names the addons make are
 * plain strings, compared character by character. A property key is always internalized.
 */
function internalized<T extends string | null | undefined>(name: T): T {
  return typeof name === "string" ? (Object.keys({ [name]: 0 })[0]! as T) : name;
}

/** Binary operators whose left operand nests to the left: `a + b + c` is a chain, not depth. */
const CHAINS = new Set(["binary_operator", "boolean_operator"]);

/** An array for the children of record `at` of a flat tree, of their number (children are siblings in a row). */
function childArray(words: Uint32Array, at: number): SyntaxNode[] {
  let count = 0;
  for (let c = at + 1, end = words[at * RECORD + SUBTREE_END]!; c < end; c = words[c * RECORD + SUBTREE_END]!) count++;
  // A very long array made at its size would be a slow dictionary-mode one: that one grows by push.
  return count <= 4096 ? new Array<SyntaxNode>(count) : [];
}

/**
 * hasError flows up from each node read before record `end` to its parent, as the cursor walk does it
 * when it leaves a node: `open` and its ancestors, which the walk stopped inside, pass nothing up. A
 * backward pass sees every node before its parent.
 */
function propagateErrors(nodes: SyntaxNode[], end: number, open: SyntaxNode | null): void {
  const unfinished = new Set<SyntaxNode>();
  for (let n = open; n; n = n.parent) unfinished.add(n);
  for (let i = end - 1; i > 0; i--) {
    const node = nodes[i];
    if (node?.hasError && !unfinished.has(node)) node.parent!.hasError = true;
  }
}

/** A mirrored tree, and its first node nested too deep (SyntaxForest.tooDeep). */
interface Mirrored {
  root: SyntaxNode;
  tooDeep: SyntaxNode | null;
}

/** The mirrored tree of one parse. */
export class SyntaxForest {
  readonly rootNode: SyntaxNode;
  /**
   * The first node nested deeper than MAX_SYNTAX_DEPTH (a chain of `+` or `and` to the left counts as
   * one level), or null. The walk stops there: nothing else is read from such a file.
   */
  readonly tooDeep: SyntaxNode | null;
  private lineStarts: number[] | null = null;
  /**
   * Every node by its index, in document order (which both mirrors make them in; an index of the flat tree
   * is its record's, and the records under a token have none), and where each one's subtree ends: the
   * word `endStride * index + endOffset` of `ends`.
   */
  private readonly ordered: (SyntaxNode | undefined)[];
  private readonly ends: Uint32Array | Int32Array;
  private readonly endStride: number;
  private readonly endOffset: number;

  constructor(
    /** The parsed tree: the addon's flat tree, or a cursor at the root of tree-sitter's. */
    tree: FlatTree | TreeWalk,
    /** The text tree-sitter parsed (offsets index into it). */
    readonly text: string,
  ) {
    if ("words" in tree) {
      this.ordered = new Array<SyntaxNode>(tree.words.length / RECORD);
      ({ root: this.rootNode, tooDeep: this.tooDeep } = this.readFlat(tree));
      // The flat tree has where each record's subtree ends.
      this.ends = tree.words;
      this.endStride = RECORD;
      this.endOffset = SUBTREE_END;
    } else {
      this.ordered = [];
      ({ root: this.rootNode, tooDeep: this.tooDeep } = this.walk(tree));
      // A subtree is a run of nodes in document order: it ends where its last child's does.
      const ordered = this.ordered as SyntaxNode[];
      const ends = new Int32Array(ordered.length);
      for (let k = ordered.length - 1; k >= 0; k--) {
        const node = ordered[k]!;
        if (ends[k]! < k + 1) ends[k] = k + 1;
        if (node.parent && ends[node.parent.index]! < ends[k]!) ends[node.parent.index] = ends[k]!;
      }
      this.ends = ends;
      this.endStride = 1;
      this.endOffset = 0;
    }
  }

  /**
   * Calls `visit` with `node` and each node under it that a walk through `namedChildren` reaches, in
   * document order (a node before its children), and the index just past each one's subtree: one loop
   * over the forest's nodes instead of a stack of children.
   */
  eachNamed(node: SyntaxNode, visit: (n: SyntaxNode, end: number) => void): void {
    const { ordered, ends, endStride: stride, endOffset: offset } = this;
    const last = ends[node.index * stride + offset]!;
    visit(node, last);
    for (let i = node.index + 1; i < last; ) {
      const n = ordered[i];
      // Under a token: not mirrored.
      if (n === undefined) {
        i++;
        continue;
      }
      const parent = n.parent!;
      // What namedChildren leaves out, with everything under it.
      if (!n.isNamed || (EXTRAS.has(n.type) && parent.type !== "block" && parent.type !== "module")) {
        i = ends[i * stride + offset]!;
        continue;
      }
      visit(n, ends[i * stride + offset]!);
      i++;
    }
  }

  private add(node: SyntaxNode): SyntaxNode {
    this.ordered[node.index] = node;
    return node;
  }

  /** The mirror of a flat tree, in one loop over its records (children follow their parents). */
  private readFlat(tree: FlatTree): Mirrored {
    const words = tree.words;
    const count = words.length / RECORD;
    // The node of each record (readRecord puts it there), and its depth; none under a token (whose
    // children are not read).
    const nodes = this.ordered as SyntaxNode[];
    const depths = new Int32Array(count);
    // How many of its children each node has so far: its array is made at the first, of the right size
    // (an array grown by push holds at least 16 slots, most of them empty).
    const placed = new Int32Array(count);
    const root = this.readRecord(tree, 0, null);
    for (let i = readLeaf ? count : 1; i < count; ) {
      const at = words[i * RECORD + PARENT]!;
      const parent = nodes[at]!;
      const child = this.readRecord(tree, i, parent);
      const depth = CHAINS.has(parent.type) && child.type === parent.type && child.fieldName === "left" ? depths[at]! : depths[at]! + 1;
      const slot = placed[at]!++;
      if (slot === 0) parent.children = childArray(words, at);
      parent.children[slot] = child;
      if (depth > MAX_SYNTAX_DEPTH) {
        // The walk stops inside `parent` and its ancestors: their children are those read.
        for (let r = at; ; r = words[r * RECORD + PARENT]!) {
          nodes[r]!.children.length = placed[r]!;
          if (r === 0) break;
        }
        propagateErrors(nodes, i, parent);
        return { root, tooDeep: child };
      }
      depths[i] = depth;
      i = readLeaf ? words[i * RECORD + SUBTREE_END]! : i + 1;
    }
    propagateErrors(nodes, count, null);
    return { root, tooDeep: null };
  }

  /** The node of record `i` (as `read` reads it at the cursor). */
  private readRecord(tree: FlatTree, i: number, parent: SyntaxNode | null): SyntaxNode {
    const at = i * RECORD;
    const words = tree.words;
    const symbol = words[at + SYMBOL]!;
    const facts = symbol === ERROR_SYMBOL ? ERROR_FACTS : symbolFacts[symbol] ?? learnSymbol(symbol, tree.symbols[symbol]!, (words[at + FLAGS]! & FLAG_NAMED) !== 0);
    readLeaf = facts.leaf;
    const field = parent && parent.fields ? words[at + FIELD]! : 0;
    const fieldName = field === 0 ? null : fieldNames[field] !== undefined ? fieldNames[field]! : (fieldNames[field] = internalized(tree.fields[field] ?? ""));
    const start = words[at + START]!;
    const end = words[at + END]!;
    const missing = start === end && (words[at + FLAGS]! & FLAG_MISSING) !== 0;
    return this.add(new SyntaxNode(this, facts.type, start, end, facts.named, missing, fieldName, parent, facts.fields, i));
  }

  /** The mirror of tree-sitter's tree, walked with its cursor. */
  private walk(cursor: TreeWalk): Mirrored {
    const root = this.read(cursor, null);
    // The path from the root to the cursor, and the nesting depth of each.
    const path: SyntaxNode[] = [root];
    const depths: number[] = [0];
    let node = root;
    let leaf = readLeaf;
    for (;;) {
      if (!leaf && cursor.gotoFirstChild()) {
        const child = this.read(cursor, node);
        const depth = CHAINS.has(node.type) && child.type === node.type && child.fieldName === "left" ? depths[depths.length - 1]! : depths[depths.length - 1]! + 1;
        if (node.children === NONE) node.children = [child];
        else node.children.push(child);
        if (depth > MAX_SYNTAX_DEPTH) return { root, tooDeep: child };
        path.push(child);
        depths.push(depth);
        node = child;
        leaf = readLeaf;
        continue;
      }
      for (;;) {
        // `node` and everything under it is read.
        path.pop();
        depths.pop();
        const parent = node.parent;
        if (!parent) return { root, tooDeep: null };
        if (node.hasError) parent.hasError = true;
        if (cursor.gotoNextSibling()) {
          const child = this.read(cursor, parent);
          const depth = CHAINS.has(parent.type) && child.type === parent.type && child.fieldName === "left" ? depths[depths.length - 1]! : depths[depths.length - 1]! + 1;
          parent.children.push(child);
          if (depth > MAX_SYNTAX_DEPTH) return { root, tooDeep: child };
          path.push(child);
          depths.push(depth);
          node = child;
          leaf = readLeaf;
          break;
        }
        cursor.gotoParent();
        node = parent;
      }
    }
  }

  /** The node at the cursor. */
  private read(cursor: TreeWalk, parent: SyntaxNode | null): SyntaxNode {
    const symbol = cursor.nodeTypeId;
    const facts = symbol === ERROR_SYMBOL ? ERROR_FACTS : symbolFacts[symbol] ?? learnSymbol(symbol, cursor.nodeType, cursor.nodeIsNamed);
    readLeaf = facts.leaf;
    const field = parent && parent.fields ? cursor.currentFieldId : 0;
    const fieldName = field === 0 ? null : fieldNames[field] !== undefined ? fieldNames[field]! : (fieldNames[field] = internalized(cursor.currentFieldName));
    const start = cursor.startIndex;
    const end = cursor.endIndex;
    // Only an empty node can be MISSING.
    const missing = start === end && cursor.nodeIsMissing;
    return this.add(new SyntaxNode(this, facts.type, start, end, facts.named, missing, fieldName, parent, facts.fields, this.ordered.length));
  }

  /** The smallest node spanning the UTF-16 offset `index`, as tree-sitter's `descendantForIndex` finds it. */
  descendantForIndex(index: number): SyntaxNode {
    let node = this.rootNode;
    for (;;) {
      let next: SyntaxNode | null = null;
      for (const child of node.children) {
        const end = child.endIndex;
        // It must reach past `index`, or, if empty, at least to it, and start at or before it.
        if (child.startIndex === end ? end < index : end <= index) continue;
        if (index < child.startIndex) break;
        next = child;
        break;
      }
      if (!next) return node;
      node = next;
    }
  }

  /** tree-sitter's point of a UTF-16 offset: rows split at `\n`, columns in UTF-16 units. */
  point(index: number): Point {
    if (!this.lineStarts) {
      const starts = [0];
      for (let i = this.text.indexOf("\n"); i >= 0; i = this.text.indexOf("\n", i + 1)) starts.push(i + 1);
      this.lineStarts = starts;
    }
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return { row: lo, column: index - starts[lo]! };
  }
}
