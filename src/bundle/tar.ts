// A tar (POSIX ustar) writer small enough to read in one sitting. The bundle streams each
// redacted file from memory into gzip and on to the output, so no unredacted copy of anything
// is ever written to disk (a tar tool would need the files on disk first).
//
// ustar header, 512 bytes (POSIX.1-1988 / pax "ustar" interchange format):
//   name 100 @0, mode 8 @100, uid 8 @108, gid 8 @116, size 12 @124, mtime 12 @136,
//   chksum 8 @148, typeflag 1 @156, linkname 100 @157, magic "ustar\0" @257, version "00" @263,
//   uname 32 @265, gname 32 @297, devmajor 8 @329, devminor 8 @337, prefix 155 @345.
// Numbers are octal text ending in NUL; the checksum is the byte sum of the header with the
// checksum field read as eight spaces. Data follows, padded to a multiple of 512; two zero
// blocks end the archive.
import { once } from 'node:events';
import type { Writable } from 'node:stream';

export const BLOCK = 512;
/** The largest size the 11 octal digits of the size field hold (8 GiB - 1). */
export const MAX_ENTRY_SIZE = 0o77777777777;

export interface TarEntry {
  /** Path inside the archive, with forward slashes, relative. */
  name: string;
  data: Buffer;
  /** Default 0o600: a bundle holds nothing others should read. */
  mode?: number;
  /** Default now. */
  mtime?: Date;
}

export class TarError extends Error {}

function octal(value: number, width: number): string {
  // width - 1 digits, then the NUL the field ends with.
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** Splits a long name into ustar's prefix (up to 155 bytes) and name (up to 100 bytes). */
export function splitName(name: string): { prefix: string; name: string } {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', name };
  for (let i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== '') {
      return { prefix, name: rest };
    }
  }
  throw new TarError(`name too long for a ustar archive: ${name}`);
}

function checkName(name: string): void {
  if (name === '' || name.startsWith('/') || name.split('/').some((p) => p === '..' || p === '')) {
    throw new TarError(`not a relative archive path: "${name}"`);
  }
  if (/[\0\n]/.test(name)) throw new TarError(`archive path with a control character: "${name}"`);
}

/** The 512-byte header of a regular file. */
export function tarHeader(entry: Omit<TarEntry, 'data'> & { size: number }): Buffer {
  checkName(entry.name);
  if (!Number.isInteger(entry.size) || entry.size < 0 || entry.size > MAX_ENTRY_SIZE) {
    throw new TarError(`size ${entry.size} of ${entry.name} does not fit a ustar header`);
  }
  const { prefix, name } = splitName(entry.name);
  const h = Buffer.alloc(BLOCK, 0);
  const put = (text: string, at: number, width: number): void => {
    const b = Buffer.from(text, 'utf8');
    if (b.length > width) throw new TarError(`field too long in the header of ${entry.name}`);
    b.copy(h, at);
  };
  const mtime = Math.floor((entry.mtime ?? new Date()).getTime() / 1000);
  put(name, 0, 100);
  put(octal(entry.mode ?? 0o600, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(entry.size, 12), 124, 12);
  put(octal(Math.max(0, mtime), 12), 136, 12);
  put('0', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  put('root', 265, 32);
  put('root', 297, 32);
  put(octal(0, 8), 329, 8);
  put(octal(0, 8), 337, 8);
  put(prefix, 345, 155);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of h) sum += byte;
  // Six octal digits, NUL, space: what tar itself writes.
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return h;
}

/** Header, data and padding of one file. */
export function tarEntry(entry: TarEntry): Buffer[] {
  const pad = (BLOCK - (entry.data.length % BLOCK)) % BLOCK;
  const parts = [tarHeader({ ...entry, size: entry.data.length }), entry.data];
  if (pad > 0) parts.push(Buffer.alloc(pad, 0));
  return parts;
}

/** The end of an archive: two zero blocks. */
export function tarEnd(): Buffer {
  return Buffer.alloc(2 * BLOCK, 0);
}

/** Writes entries to a stream (a gzip stream, usually), waiting whenever it asks to. */
export class TarWriter {
  private names = new Set<string>();

  constructor(private readonly out: Writable) {}

  async add(entry: TarEntry): Promise<void> {
    if (this.names.has(entry.name)) throw new TarError(`duplicate archive path ${entry.name}`);
    this.names.add(entry.name);
    for (const part of tarEntry(entry)) await this.write(part);
  }

  /** Writes the end blocks and ends the stream. */
  async finish(): Promise<void> {
    await this.write(tarEnd());
    this.out.end();
  }

  private async write(chunk: Buffer): Promise<void> {
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }
}
