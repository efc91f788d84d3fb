// Globs in input arguments, for when the shell leaves them to us (quoted, or on Windows). Only the
// matching is ours: the files are found by the same walk as a folder argument (links, hidden folders,
// virtualenvs), under the glob's static base folder, and the tree under that base is mirrored under -o.
// `*` and `?` stay within a path segment, `**` spans segments, `[abc]`/`[!a-z]` and `{a,b}` as in bash.

const MAGIC = /[*?[{]/;

export const hasGlobMagic = (pattern: string) => MAGIC.test(pattern);

/** The leading folders of `pattern` that hold no glob character: `models/**\/*.py` → `models`. */
export function globBase(pattern: string): string {
  const parts = pattern.split(/[\\/]/);
  const fixed: string[] = [];
  for (const part of parts) {
    if (MAGIC.test(part)) break;
    fixed.push(part);
  }
  if (fixed.length === parts.length) fixed.pop();
  const base = fixed.join("/");
  return base === "" && pattern.startsWith("/") ? "/" : base || ".";
}

/** A test of a `/`-separated path relative to the base against the rest of the pattern. */
export function globMatcher(rest: string): (path: string) => boolean {
  const regex = new RegExp(`^${toRegex(rest.replace(/\\/g, "/"))}$`);
  return (path) => regex.test(path);
}

function toRegex(glob: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") {
      if (glob[i + 1] === "*") {
        // `**/` matches zero or more folders; a trailing `**` anything.
        const slash = glob[i + 2] === "/";
        out += slash ? "(?:[^/]+/)*" : ".*";
        i += slash ? 2 : 1;
      } else out += "[^/]*";
    } else if (c === "?") out += "[^/]";
    else if (c === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close < 0) out += "\\[";
      else {
        let body = glob.slice(i + 1, close);
        const negate = body.startsWith("!") || body.startsWith("^");
        if (negate) body = body.slice(1);
        out += `[${negate ? "^/" : ""}${body.replace(/[\\\]]/g, "\\$&")}]`;
        i = close;
      }
    } else if (c === "{") {
      const close = glob.indexOf("}", i);
      if (close < 0) out += "\\{";
      else {
        out += `(?:${glob.slice(i + 1, close).split(",").map(toRegex).join("|")})`;
        i = close;
      }
    } else out += c.replace(/[.+^$()|\\]/g, "\\$&");
  }
  return out;
}
