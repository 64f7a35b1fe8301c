// The bundle's own ustar writer, checked by the real GNU tar: what tar extracts must be the
// bytes written, with the names, modes and times given.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import {
  BLOCK,
  TarError,
  TarWriter,
  splitName,
  tarEnd,
  tarEntry,
  tarHeader,
  type TarEntry,
} from '../../src/bundle/tar';

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gsi-tar-'));
  const r = await execa('tar', ['--version'], { reject: false });
  if (r.exitCode !== 0) throw new Error('these tests need tar (apt-get install tar)');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function writeArchive(file: string, entries: TarEntry[]): Promise<void> {
  const gzip = createGzip();
  const done = pipeline(gzip, createWriteStream(file, { mode: 0o600 }));
  const tar = new TarWriter(gzip);
  for (const e of entries) await tar.add(e);
  await tar.finish();
  await done;
}

const longDir = `top/${'d'.repeat(90)}/${'e'.repeat(50)}`;
const entries: TarEntry[] = [
  { name: 'top/hello.txt', data: Buffer.from('hello\n') },
  { name: 'top/empty', data: Buffer.alloc(0) },
  { name: 'top/one-block', data: Buffer.alloc(BLOCK, 0x61) },
  { name: 'top/binary.bin', data: Buffer.from(Array.from({ length: 1500 }, (_, i) => i % 256)) },
  { name: 'top/ünïcode-名前.txt', data: Buffer.from('utf-8 name\n') },
  { name: `${longDir}/${'f'.repeat(95)}.log`, data: Buffer.from('deep\n') },
  { name: 'top/exec.sh', data: Buffer.from('#!/bin/sh\n'), mode: 0o700 },
];

describe('TarWriter + gzip, extracted by the real tar', () => {
  it('gives back every file byte for byte, with its mode and time', async () => {
    const file = join(dir, 'a.tar.gz');
    const mtime = new Date('2025-03-04T05:06:07Z');
    await writeArchive(
      file,
      entries.map((e) => ({ ...e, mtime })),
    );
    const out = join(dir, 'out');
    mkdirSync(out);
    const x = await execa('tar', ['-xzf', file, '-C', out], { reject: false });
    expect(x.stderr).toBe('');
    expect(x.exitCode).toBe(0);
    for (const e of entries) {
      const p = join(out, e.name);
      expect(readFileSync(p).equals(e.data), e.name).toBe(true);
      const st = statSync(p);
      expect(st.mode & 0o777, e.name).toBe(e.mode ?? 0o600);
      expect(st.mtime.getTime()).toBe(mtime.getTime());
    }
    const list = await execa('tar', ['-tvzf', file]);
    expect(list.stdout).toContain('-rw------- root/root');
    expect(list.stdout.split('\n')).toHaveLength(entries.length);
  });

  it('writes an archive that tar reads without complaint (checksums, end blocks)', async () => {
    const file = join(dir, 'b.tar.gz');
    await writeArchive(file, [{ name: 'x/y.txt', data: Buffer.from('y') }]);
    // --warning=all would report a bad checksum or a missing end-of-archive block.
    const r = await execa('tar', ['--warning=all', '-tzf', file], { reject: false });
    expect([r.exitCode, r.stdout, r.stderr]).toEqual([0, 'x/y.txt', '']);
  });

  it('streams large files without holding the reader back (backpressure)', async () => {
    const file = join(dir, 'c.tar.gz');
    const big = Buffer.alloc(5 << 20);
    for (let i = 0; i < big.length; i += 4096) big.write(`block ${i}\n`, i);
    await writeArchive(file, [{ name: 'big/data', data: big }]);
    const out = join(dir, 'out-c');
    mkdirSync(out);
    await execa('tar', ['-xzf', file, '-C', out]);
    expect(readFileSync(join(out, 'big/data')).equals(big)).toBe(true);
  });
});

describe('ustar headers', () => {
  it('have the ustar magic, octal fields and a valid checksum', () => {
    const h = tarHeader({ name: 'a/b', size: 10, mode: 0o600, mtime: new Date(0) });
    expect(h.length).toBe(BLOCK);
    expect(h.subarray(257, 263).toString()).toBe('ustar\0');
    expect(h.subarray(124, 136).toString()).toBe('00000000012\0');
    const stored = parseInt(h.subarray(148, 154).toString(), 8);
    const copy = Buffer.from(h);
    copy.fill(0x20, 148, 156);
    expect(stored).toBe(copy.reduce((a, b) => a + b, 0));
  });

  it('pads data to whole blocks and ends with two zero blocks', () => {
    const parts = tarEntry({ name: 'a', data: Buffer.from('abc') });
    expect(Buffer.concat(parts).length).toBe(2 * BLOCK);
    expect(tarEnd().equals(Buffer.alloc(2 * BLOCK))).toBe(true);
  });

  it('splits long names into prefix and name at a slash', () => {
    expect(splitName('short')).toEqual({ prefix: '', name: 'short' });
    const long = `${'p'.repeat(120)}/${'n'.repeat(80)}`;
    expect(splitName(long)).toEqual({ prefix: 'p'.repeat(120), name: 'n'.repeat(80) });
    expect(() => splitName('n'.repeat(101))).toThrow(TarError);
    expect(() => splitName(`${'p'.repeat(156)}/n`)).toThrow(TarError);
  });

  it('refuses paths that would escape the folder tar extracts into', () => {
    for (const bad of ['/etc/passwd', '../x', 'a/../../x', 'a//b', '', 'a\nb']) {
      expect(() => tarHeader({ name: bad, size: 0 }), bad).toThrow(TarError);
    }
  });

  it('refuses the same path twice', async () => {
    const gzip = createGzip();
    gzip.resume();
    const tar = new TarWriter(gzip);
    await tar.add({ name: 'a', data: Buffer.from('1') });
    await expect(tar.add({ name: 'a', data: Buffer.from('2') })).rejects.toThrow(TarError);
  });
});
