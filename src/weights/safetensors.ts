// Writing `.safetensors` as a stream: the header first (offsets follow from the shapes and dtypes
// alone), then each tensor's bytes in turn, to a temporary file in the output folder renamed at the
// end. The layout is the one Python's safetensors 0.x `save_file` writes, byte for byte: tensors
// sorted by dtype (I64 before F32, as its Rust `Dtype` orders them, descending) and then by name, the
// JSON header compact with `__metadata__` first and padded with spaces to a multiple of 8 bytes.
import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";

export type SafeDtype = "F32" | "I64";

const DTYPE_RANK: Record<SafeDtype, number> = { F32: 15, I64: 18 };
const ITEM_SIZE: Record<SafeDtype, number> = { F32: 4, I64: 8 };

export interface SafeEntry {
  key: string;
  dtype: SafeDtype;
  shape: number[];
}

export interface Layout {
  /** Entries in file order, with their byte ranges in the data section. */
  entries: (SafeEntry & { begin: number; end: number })[];
  header: Buffer;
}

export function layout(entries: SafeEntry[], metadata: Record<string, string> = { format: "pt" }): Layout {
  const sorted = [...entries].sort((a, b) => DTYPE_RANK[b.dtype] - DTYPE_RANK[a.dtype] || Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  let offset = 0;
  const placed = sorted.map((e) => {
    const begin = offset;
    offset += e.shape.reduce((x, y) => x * y, 1) * ITEM_SIZE[e.dtype];
    return { ...e, begin, end: offset };
  });
  let json = `{"__metadata__":${JSON.stringify(metadata)}`;
  for (const e of placed) json += `,${JSON.stringify(e.key)}:{"dtype":"${e.dtype}","shape":${JSON.stringify(e.shape)},"data_offsets":[${e.begin},${e.end}]}`;
  json += "}";
  let text = Buffer.from(json, "utf8");
  const pad = (8 - (text.length % 8)) % 8;
  if (pad) text = Buffer.concat([text, Buffer.alloc(pad, 0x20)]);
  const header = Buffer.alloc(8 + text.length);
  header.writeBigUInt64LE(BigInt(text.length), 0);
  text.copy(header, 8);
  return { entries: placed, header };
}

/** A temporary file next to `output`, renamed over it by `commit`, removed by `abort`. */
export class AtomicWriter {
  readonly temp: string;
  private fd: number;
  private written = 0;

  constructor(readonly output: string) {
    this.temp = join(dirname(output), `.${basename(output)}.${randomBytes(6).toString("hex")}.tmp`);
    this.fd = openSync(this.temp, "wx", 0o644);
  }

  write(bytes: Uint8Array): void {
    this.writeAt(bytes, this.written);
  }

  /** Writes `bytes` at byte `position` of the file (counted in `position` like `write`). */
  writeAt(bytes: Uint8Array, position: number): void {
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, position + done);
    this.written += bytes.length;
  }

  get position(): number {
    return this.written;
  }

  commit(): void {
    closeSync(this.fd);
    this.fd = -1;
    renameSync(this.temp, this.output);
  }

  abort(): void {
    if (this.fd >= 0) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = -1;
    }
    rmSync(this.temp, { force: true });
  }
}
