// Two start-up savings must not change a single measured width:
// - the bundle's string-width builds its emoji regex on first use (esbuild.stringWidth.mjs): here
//   string-width is bundled with that plugin, as the build does, and compared with the original;
// - the frame caches measure the interface's own symbols without string-width
//   (src/terminal/frameCache.ts, NARROW_SYMBOLS): compared with string-width too.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import fc from 'fast-check';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { stringWidthLazyEmoji, lazyRgiEmoji } from '../../esbuild.stringWidth.mjs';
import { NARROW_SYMBOLS, cachedStringWidth, nextFrame } from '../../src/terminal/frameCache';

const CORPUS = [
  '',
  'plain ascii',
  '漢字とｶﾀｶﾅ',
  '👍',
  '👍🏽',
  '👨‍👩‍👧',
  '🏳️‍🌈',
  '1️⃣',
  '#⃣',
  '❤',
  '❤️',
  '⚠',
  '⚠️',
  'e\u0301',
  '\u200b',
  '\u1100\u1161\u11a8',
  'ﾞﾟｰ',
  '\x1b[31mred\x1b[39m 漢',
  'tab\there',
  '\u0000\u0007',
  '→ ✓ ✗ · …',
];

describe('string-width with its emoji regex built on first use', () => {
  it('the plugin rewrites the installed string-width, and leaves other versions alone', async () => {
    const { createRequire } = await import('node:module');
    const file = createRequire(import.meta.url).resolve('string-width');
    const patched = lazyRgiEmoji(readFileSync(file, 'utf8'), file);
    expect(patched).toContain('rgiEmojiRegexBuilt ??=');
    expect(patched).not.toMatch(/^const rgiEmojiRegex = \/\^/m);
    const older = 'import emojiRegex from "emoji-regex";\n// TODO: use /\\p{RGI_Emoji}/v';
    expect(lazyRgiEmoji(older, 'x/string-width/index.js')).toBe(older);
    expect(() =>
      lazyRgiEmoji('const r = /^\\p{RGI_Emoji}$/v; // moved', 'x/string-width/index.js'),
    ).toThrow(/no longer declares/);
  });

  it('bundled with the plugin, it measures exactly as the original', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gsi-stringwidth-'));
    const out = path.join(dir, 'string-width.mjs');
    await build({
      stdin: { contents: "export { default } from 'string-width';", resolveDir: process.cwd() },
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      outfile: out,
      plugins: [stringWidthLazyEmoji],
      logLevel: 'silent',
    });
    expect(readFileSync(out, 'utf8')).toContain('rgiEmojiRegexBuilt');
    const lazy = ((await import(pathToFileURL(out).href)) as { default: typeof stringWidth })
      .default;
    for (const s of CORPUS) expect([s, lazy(s)]).toEqual([s, stringWidth(s)]);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 12 }), (s) => {
        expect(lazy(s)).toBe(stringWidth(s));
      }),
      { numRuns: 500 },
    );
  });
});

describe('the interface symbols measured without string-width', () => {
  it('each is one column wide, as string-width says', () => {
    for (const c of NARROW_SYMBOLS) expect([c, stringWidth(c)]).toEqual([c, 1]);
  });

  it('any mix of them, ASCII and styles measures as string-width does', () => {
    const symbols = [...NARROW_SYMBOLS];
    const piece = fc.oneof(
      fc.constantFrom(...symbols),
      fc.string({ maxLength: 4 }),
      fc.constantFrom('\x1b[1m', '\x1b[22m', '\x1b[36m', '\x1b[39m', '\u0301', '漢', '👍', '\t'),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }), (parts) => {
        const s = parts.join('');
        expect(cachedStringWidth(s)).toBe(stringWidth(s));
        nextFrame();
      }),
      { numRuns: 1000 },
    );
  });
});
