// The weights runtime that the weights scripts of an output folder share (`OUT/keras2torch_runtime.py`),
// apart from the rest of emission: the main process of a run writes it, and must not load the compiler.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compileTemplate, type Template } from "./template.js";
import { VERSION } from "../version.js";
import { MAPPING_SCHEMA_VERSION } from "../weights/schema.js";

const templatesDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "templates");
const read = (name: string) => readFileSync(join(templatesDir, name), "utf8");

/**
 * The static runtime, the same in every weights script. templates/weights_runtime.py is kept as ruff
 * formats it (test/runtime.test.ts checks), so it is written as it is: the main process of a run, which
 * writes the shared runtime, never loads the formatter.
 */
let runtimeTemplates: { header: Template; runtime: string } | null = null;

export function staticRuntime(): string {
  if (runtimeTemplates === null) {
    const runtime = read("weights_runtime.py");
    // The runtime states the schema it reads; it must be the one the tables are written in.
    const stated = /^MAPPING_SCHEMA = (\d+)$/m.exec(runtime)?.[1];
    if (stated !== String(MAPPING_SCHEMA_VERSION))
      throw new Error(
        `templates/weights_runtime.py reads mapping schema ${stated}, the compiler writes ${MAPPING_SCHEMA_VERSION}`,
      );
    runtimeTemplates = {
      header: compileTemplate(read("weights_runtime_header.py.hbs")),
      runtime,
    };
  }
  return runtimeTemplates.runtime;
}

/** The shared runtime's file name, at the top of the output folder. */
export const RUNTIME_FILE = "keras2torch_runtime.py";

/** `OUT/keras2torch_runtime.py`: a header naming this keras2torch's version and schema, then the static runtime. */
export function renderRuntimeFile(): string {
  const runtime = staticRuntime();
  // The header is laid out as ruff would; so is the whole file (test/runtime.test.ts).
  const header = runtimeTemplates!.header({
    version: VERSION,
    schema: MAPPING_SCHEMA_VERSION,
  });
  return `${header.trimEnd()}\n\n\n${runtime}`;
}
