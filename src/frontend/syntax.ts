// A memoising view of tree-sitter's syntax nodes. Every property read on a native node crosses into the
// addon and builds fresh JS objects, which made a loop that the evaluator runs a million times spend
// nine tenths of its time in tree-sitter. Each node here reads what it needs once and keeps it.
import type Parser from "tree-sitter";

export interface Point {
  row: number;
  column: number;
}

/** One syntax node of a parsed file. Only the parts of tree-sitter's API the frontend uses. */
export class SyntaxNode {
  private cachedType?: string;
  private cachedText?: string;
  private cachedStart?: number;
  private cachedEnd?: number;
  private cachedChildren?: SyntaxNode[];
  private cachedNamed?: SyntaxNode[];
  private cachedParent?: SyntaxNode | null;
  private fields?: Map<string, SyntaxNode | null>;
  readonly id: number;

  constructor(
    /** The addon's node; only for queries, which need it. */
    readonly native: Parser.SyntaxNode,
    readonly forest: SyntaxForest,
  ) {
    this.id = native.id;
  }

  get type(): string {
    return (this.cachedType ??= this.native.type);
  }
  get startIndex(): number {
    return (this.cachedStart ??= this.native.startIndex);
  }
  get endIndex(): number {
    return (this.cachedEnd ??= this.native.endIndex);
  }
  get text(): string {
    return (this.cachedText ??= this.forest.text.slice(this.startIndex, this.endIndex));
  }
  get startPosition(): Point {
    return this.native.startPosition;
  }
  get isNamed(): boolean {
    return this.native.isNamed;
  }
  get isMissing(): boolean {
    return this.native.isMissing;
  }
  get hasError(): boolean {
    return this.native.hasError;
  }
  get children(): SyntaxNode[] {
    return (this.cachedChildren ??= this.forest.wrapAll(this.native.children));
  }
  get namedChildren(): SyntaxNode[] {
    return (this.cachedNamed ??= this.forest.wrapAll(this.native.namedChildren));
  }
  get firstChild(): SyntaxNode | null {
    return this.children[0] ?? null;
  }
  get parent(): SyntaxNode | null {
    if (this.cachedParent === undefined) this.cachedParent = this.forest.wrapOrNull(this.native.parent);
    return this.cachedParent;
  }
  childForFieldName(field: string): SyntaxNode | null {
    this.fields ??= new Map();
    let child = this.fields.get(field);
    if (child === undefined) {
      child = this.forest.wrapOrNull(this.native.childForFieldName(field));
      this.fields.set(field, child);
    }
    return child;
  }
  childrenForFieldName(field: string): SyntaxNode[] {
    return this.forest.wrapAll(this.native.childrenForFieldName(field));
  }
  descendantsOfType(type: string): SyntaxNode[] {
    return this.forest.wrapAll(this.native.descendantsOfType(type));
  }
  descendantForIndex(index: number): SyntaxNode {
    return this.forest.wrap(this.native.descendantForIndex(index));
  }
}

/** The nodes of one tree, one wrapper per native node (so identity and caches are shared). */
export class SyntaxForest {
  private readonly nodes = new Map<number, SyntaxNode>();
  readonly rootNode: SyntaxNode;

  constructor(
    readonly tree: Parser.Tree,
    /** The text tree-sitter parsed (offsets index into it). */
    readonly text: string,
  ) {
    this.rootNode = this.wrap(tree.rootNode);
  }

  wrap(native: Parser.SyntaxNode): SyntaxNode {
    let node = this.nodes.get(native.id);
    if (!node) {
      node = new SyntaxNode(native, this);
      this.nodes.set(native.id, node);
    }
    return node;
  }
  wrapOrNull(native: Parser.SyntaxNode | null): SyntaxNode | null {
    return native ? this.wrap(native) : null;
  }
  wrapAll(natives: Parser.SyntaxNode[]): SyntaxNode[] {
    return natives.map((n) => this.wrap(n));
  }
}
