// The installer's stand-ins for parts of Ink's renderer (src/terminal/inkOutput.ts and
// frameCache.ts, swapped in by the build) must draw exactly what Ink's own modules draw. Both are
// given the same operations, frame after frame (so the stand-ins' caches carry over as they do
// on a live dashboard), and must return the same strings. Ink's modules are loaded from its
// build folder by path: its package exports only its public API.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import Output, { type Clip, type Transformer } from '../../src/terminal/inkOutput';
import {
  cachedEntries,
  measureText,
  nextFrame,
  widestLine,
  wrapText,
} from '../../src/terminal/frameCache';

const inkBuild = path.dirname(createRequire(import.meta.url).resolve('ink'));
const inkModule = async <T>(file: string): Promise<T> =>
  ((await import(pathToFileURL(path.join(inkBuild, file)).href)) as { default: T }).default;

interface OutputLike {
  write(x: number, y: number, text: string, o: { transformers: Transformer[] }): void;
  clip(c: Clip): void;
  unclip(): void;
  get(): { output: string; height: number };
}
type Op =
  | { type: 'write'; x: number; y: number; text: string; t: number }
  | { type: 'clip'; clip: Clip }
  | { type: 'unclip' };
interface Frame {
  width: number;
  height: number;
  ops: Op[];
}

const InkOutput =
  await inkModule<new (o: { width: number; height: number }) => OutputLike>('output.js');
const inkMeasureText =
  await inkModule<(t: string) => { width: number; height: number }>('measure-text.js');
const inkWrapText = await inkModule<(t: string, w: number, how: string) => string>('wrap-text.js');
const inkWidestLine = (
  (await import('widest-line')) as unknown as { default: (t: string) => number }
).default;

// What Ink's <Text> and <Box> put into a frame: chalk's styles, a transform (Ink's <Transform>).
const STYLES: Array<[string, string]> = [
  ['\x1b[1m', '\x1b[22m'], // bold
  ['\x1b[2m', '\x1b[22m'], // dim
  ['\x1b[3m', '\x1b[23m'], // italic
  ['\x1b[4m', '\x1b[24m'], // underline
  ['\x1b[7m', '\x1b[27m'], // inverse
  ['\x1b[31m', '\x1b[39m'], // red
  ['\x1b[36m', '\x1b[39m'], // cyan
  ['\x1b[90m', '\x1b[39m'], // gray
  ['\x1b[38;5;208m', '\x1b[39m'], // 256 colours
  ['\x1b[38;2;10;200;30m', '\x1b[39m'], // true colour
  ['\x1b[44m', '\x1b[49m'], // blue background
];
const TRANSFORMERS: Transformer[] = [
  (line) => line.toUpperCase(),
  (line, i) => `${i}:${line}`,
  (line) => `\x1b[7m${line}\x1b[27m`,
];
const transformersOf = (t: number): Transformer[] =>
  t === 0 ? [] : t <= 3 ? [TRANSFORMERS[t - 1]!] : [TRANSFORMERS[0]!, TRANSFORMERS[2]!];

const plain = fc.constantFrom(
  'glance-api',
  'ok: [host01]',
  ' ',
  '  ',
  '→ ✔ ✘ ⚠ …',
  '漢字',
  'ｱｲ',
  '👍',
  '👨‍👩‍👧',
  'e\u0301',
  '\t',
  'x',
  '0123456789abcdef',
);
const styled = fc.oneof(
  plain,
  fc
    .tuple(fc.integer({ min: 0, max: STYLES.length - 1 }), plain, fc.boolean())
    .map(([s, text, close]) => `${STYLES[s]![0]}${text}${close ? STYLES[s]![1] : ''}`),
  fc.constant('\x1b[0m'),
);
const text = fc
  .array(fc.oneof({ weight: 6, arbitrary: styled }, { weight: 1, arbitrary: fc.constant('\n') }), {
    minLength: 1,
    maxLength: 8,
  })
  .map((parts) => parts.join(''));
const coord = (max: number) => fc.integer({ min: -3, max: max + 3 });
const maybe = (a: fc.Arbitrary<number>) => fc.option(a, { nil: undefined });

const frameArb = fc
  .tuple(fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 8 }))
  .chain(([width, height]) =>
    fc.record({
      width: fc.constant(width),
      height: fc.constant(height),
      ops: fc.array(
        fc.oneof(
          {
            weight: 5,
            arbitrary: fc.record({
              type: fc.constant('write' as const),
              x: coord(width),
              y: coord(height),
              text,
              t: fc.integer({ min: 0, max: 4 }),
            }),
          },
          {
            weight: 1,
            arbitrary: fc.record({
              type: fc.constant('clip' as const),
              clip: fc.record({
                x1: maybe(coord(width)),
                x2: maybe(coord(width)),
                y1: maybe(coord(height)),
                y2: maybe(coord(height)),
              }),
            }),
          },
          { weight: 1, arbitrary: fc.constant({ type: 'unclip' as const }) },
        ),
        { maxLength: 12 },
      ),
    }),
  );

function draw(out: OutputLike, frame: Frame): { output: string; height: number } {
  for (const op of frame.ops) {
    if (op.type === 'write') out.write(op.x, op.y, op.text, { transformers: transformersOf(op.t) });
    else if (op.type === 'clip') out.clip(op.clip);
    else out.unclip();
  }
  return out.get();
}

/** Each frame drawn by both; a frame repeated or slightly changed, as a live screen is. */
function sameFrames(frames: Frame[]): void {
  for (const frame of frames) {
    const ink = draw(new InkOutput(frame), frame);
    const ours = draw(new Output(frame), frame);
    expect(ours).toEqual(ink);
  }
}

describe('the output stage drawn by the installer equals Ink 6.8.0', () => {
  it('gives the same frame for random writes, styles, wide characters, clips and transforms', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 6 }), (frames) => {
        // Every frame twice, then with its first write moved: rows reused, rows redrawn.
        const sequence = frames.flatMap((f) => {
          const moved = f.ops.map((op, i) =>
            i === 0 && op.type === 'write' ? { ...op, y: op.y + 1 } : op,
          );
          return [f, f, { ...f, ops: moved }];
        });
        sameFrames(sequence);
      }),
      { numRuns: 400 },
    );
  });

  it('gives the same frame for a dashboard-like screen scrolling a log', () => {
    const frames: Frame[] = [];
    for (let k = 0; k < 30; k++) {
      const ops: Op[] = [
        { type: 'write', x: 0, y: 0, text: `\x1b[1mrun 20261127\x1b[22m · ${k} s`, t: 0 },
        { type: 'clip', clip: { x1: 0, x2: 30, y1: 1, y2: 9 } },
      ];
      for (let r = 0; r < 8; r++) {
        const n = k + r;
        ops.push({
          type: 'write',
          x: 0,
          y: 1 + r,
          text: `\x1b[2m${String(n).padStart(3)}\x1b[22m ${n % 5 === 0 ? '\x1b[31mfatal: 漢字 failed\x1b[39m' : `ok: [host0${n % 3}] => changed=${n}`} and more text past the clip`,
          t: r === 3 ? 3 : 0,
        });
      }
      ops.push({ type: 'unclip' });
      ops.push({ type: 'write', x: 0, y: 9, text: '\x1b[7m q \x1b[27m quit · ? help', t: 0 });
      frames.push({ width: 40, height: 10, ops });
    }
    sameFrames(frames);
  });
});

describe('text measurement drawn by the installer equals Ink 6.8.0', () => {
  it('measures, wraps, truncates and finds the widest line as Ink does', () => {
    const widths = fc.integer({ min: 0, max: 30 });
    const how = fc.constantFrom(
      'wrap',
      'truncate',
      'truncate-end',
      'truncate-middle',
      'truncate-start',
      'end',
      'middle',
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(text, widths, how), { maxLength: 10 }), (cases) => {
        for (const [t, w, h] of cases) {
          expect(measureText(t)).toEqual(inkMeasureText(t));
          expect(widestLine(t)).toBe(inkWidestLine(t));
          expect(wrapText(t, w, h)).toBe(inkWrapText(t, w, h));
          nextFrame();
          // Asked again after a frame: from the cache, still the same.
          expect(wrapText(t, w, h)).toBe(inkWrapText(t, w, h));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('the frame caches forget', () => {
  it('keep no more than the last two frames of a log that never repeats a line', () => {
    const sizes: number[] = [];
    for (let k = 0; k < 200; k++) {
      const out = new Output({ width: 80, height: 20 });
      for (let r = 0; r < 20; r++) {
        const line = `line ${k * 20 + r} of a log that never repeats`;
        measureText(line);
        wrapText(line, 30, 'truncate-end');
        out.write(0, r, line, { transformers: [] });
      }
      out.get();
      sizes.push(cachedEntries());
    }
    // One frame's worth is about 20 lines x 3 caches plus the widths of their few wide
    // characters; a cache that kept everything would hold 200 frames' worth.
    expect(Math.max(...sizes.slice(10))).toBeLessThan(20 * 3 * 2 + 40);
    expect(sizes.at(-1)).toBe(sizes.at(-2));
  });
});
