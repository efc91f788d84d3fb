/** Parses UTF-16 `text` with `language` (a grammar package's `language` External): 7 words per node, see flat.c. */
export function parse(language: unknown, text: string): Uint32Array;
/** The grammar's symbol names (by symbol id) and field names (by field id; id 0 is null). */
export function language(language: unknown): { symbols: string[]; fields: (string | null)[] };
