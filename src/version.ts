// The version of keras2torch, from package.json (dist/version.js and src/version.ts both sit one folder
// below it). The CLI prints it and the shared weights runtime records it.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const VERSION: string = (JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "package.json"), "utf8")) as { version: string }).version;
