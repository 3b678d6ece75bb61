/**
 * Streams a file line by line, gunzipping when the file starts with the gzip magic bytes (whatever its name).
 * Lines are split on raw bytes (a line may span many chunks; a chunk may hold many lines), decoded as UTF-8,
 * with a trailing CR removed. Blank lines are counted but not delivered. Never reads a whole file into memory.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';

export async function isGzipFile(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** True for errors raised by zlib on corrupt or truncated compressed data (as opposed to file-system errors). */
export function isCompressionError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

function deliver(parts: Buffer[], onLine: (text: string, lineNo: number) => void, lineNo: number): void {
  const buf = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  let end = buf.length;
  if (end > 0 && buf[end - 1] === 0x0d) end--;
  if (end === 0) return;
  const text = buf.toString('utf8', 0, end);
  if (text.trim() !== '') onLine(text, lineNo);
}

/** Calls onLine(text, lineNumber) for every non-blank line; line numbers start at 1. Rejects on read errors. */
export async function forEachLine(
  path: string,
  gzip: boolean,
  onLine: (text: string, lineNo: number) => void,
): Promise<number> {
  const source = createReadStream(path, { highWaterMark: 1 << 20 });
  let stream: NodeJS.ReadableStream = source;
  if (gzip) {
    const gunzip = createGunzip({ chunkSize: 1 << 20 });
    source.on('error', (e) => gunzip.destroy(e));
    stream = source.pipe(gunzip);
  }
  let carry: Buffer[] = [];
  let lineNo = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    let nl = chunk.indexOf(0x0a, start);
    while (nl >= 0) {
      lineNo++;
      carry.push(chunk.subarray(start, nl));
      deliver(carry, onLine, lineNo);
      carry = [];
      start = nl + 1;
      nl = chunk.indexOf(0x0a, start);
    }
    if (start < chunk.length) carry.push(chunk.subarray(start));
  }
  if (carry.length > 0) {
    lineNo++;
    deliver(carry, onLine, lineNo);
  }
  return lineNo;
}
