// Ink's output stage (ink/build/output.js of Ink 6.8.0), rewritten to draw a frame in a fraction
// of the time when it differs little from the frame before, which is what a live dashboard does
// ten times a second. The build (esbuild.config.mjs, "ink-frame-caches") makes Ink's renderer
// import this class instead of its own; the result of `get()` is the same string, character for
// character (test/unit/inkOutput.test.ts draws the same operations with both).
//
// Where Ink's time went (docs/benchmarks.md, "Dashboard: where the time goes"): tokenising every
// line into styled characters, cutting clipped lines with slice-ansi, measuring widths, and
// turning each row of cells back into a string by diffing the styles of neighbouring cells.
// Here:
// - lines, clipped lines and widths are cached for the next frame (./frameCache.ts);
// - neighbouring characters of a line share one styles array, so a row is turned back into a
//   string with a style diff only where the style changes;
// - a row whose cells are the very cells of the same row last frame reuses last frame's string;
// - blank cells are one shared object.
import {
  ansiCodesToString,
  diffAnsiCodes,
  reduceAnsiCodesIncremental,
  tokenize,
  type AnsiCode,
  type StyledChar,
} from '@alcalzone/ansi-tokenize';
import sliceAnsi from 'slice-ansi';
import { cachedStringWidth, frameCache, nextFrame, widestLine } from './frameCache';

export type Transformer = (line: string, index: number) => string;

export interface Clip {
  x1: number | undefined;
  x2: number | undefined;
  y1: number | undefined;
  y2: number | undefined;
}

type Operation =
  | { type: 'write'; x: number; y: number; text: string; transformers: Transformer[] }
  | { type: 'clip'; clip: Clip }
  | { type: 'unclip' };

const NO_STYLES: AnsiCode[] = [];
const BLANK: StyledChar = Object.freeze({
  type: 'char',
  value: ' ',
  fullWidth: false,
  styles: NO_STYLES,
}) as StyledChar;

/**
 * A line as styled characters (ansi-tokenize's styledCharsFromTokens, except that characters
 * of one style share one styles array).
 */
function toStyledChars(line: string): StyledChar[] {
  let codes: AnsiCode[] = NO_STYLES;
  let shared: AnsiCode[] | null = NO_STYLES;
  const chars: StyledChar[] = [];
  for (const token of tokenize(line)) {
    if (token.type === 'ansi') {
      codes = reduceAnsiCodesIncremental(codes, [token]);
      shared = null;
    } else {
      shared ??= codes.length === 0 ? NO_STYLES : [...codes];
      chars.push({ type: 'char', value: token.value, fullWidth: token.fullWidth, styles: shared });
    }
  }
  return chars;
}

const styledLines = frameCache<StyledChar[]>();
const clippedLines = frameCache<string>();

/** A row of cells as ansi-tokenize's styledCharsToString writes it. */
function rowToString(cells: StyledChar[]): string {
  let out = '';
  let prev: AnsiCode[] = NO_STYLES;
  for (let i = 0; i < cells.length; i++) {
    const styles = cells[i]!.styles;
    if (i === 0) out += ansiCodesToString(styles);
    else if (styles !== prev && !(styles.length === 0 && prev.length === 0)) {
      out += ansiCodesToString(diffAnsiCodes(prev, styles));
    }
    out += cells[i]!.value;
    prev = styles;
  }
  if (prev.length > 0) out += ansiCodesToString(diffAnsiCodes(prev, []));
  return out;
}

/** Last frame's rows (their cells) and the strings they made. */
let lastRows: Array<{ cells: Array<StyledChar | undefined>; text: string }> = [];

function sameCells(a: Array<StyledChar | undefined>, b: Array<StyledChar | undefined>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export default class Output {
  width: number;
  height: number;
  private readonly operations: Operation[] = [];

  constructor(options: { width: number; height: number }) {
    this.width = options.width;
    this.height = options.height;
  }

  write(x: number, y: number, text: string, options: { transformers: Transformer[] }): void {
    if (!text) return;
    this.operations.push({ type: 'write', x, y, text, transformers: options.transformers });
  }

  clip(clip: Clip): void {
    this.operations.push({ type: 'clip', clip });
  }

  unclip(): void {
    this.operations.push({ type: 'unclip' });
  }

  get(): { output: string; height: number } {
    nextFrame();
    const output: Array<Array<StyledChar | undefined>> = [];
    for (let y = 0; y < this.height; y++) {
      const row: StyledChar[] = [];
      for (let x = 0; x < this.width; x++) row.push(BLANK);
      output.push(row);
    }
    const clips: Clip[] = [];
    for (const op of this.operations) {
      if (op.type === 'clip') clips.push(op.clip);
      else if (op.type === 'unclip') clips.pop();
      else this.draw(output, op, clips.at(-1));
    }
    const rows: typeof lastRows = output.map((cells, y) => {
      const last = lastRows[y];
      if (last && sameCells(last.cells, cells)) return last;
      const present = cells.filter((c): c is StyledChar => c !== undefined);
      return { cells, text: rowToString(present).trimEnd() };
    });
    lastRows = rows;
    return { output: rows.map((r) => r.text).join('\n'), height: output.length };
  }

  /** One write, clipped as Ink clips it; the same cells Ink's loop puts in the same places. */
  private draw(
    output: Array<Array<StyledChar | undefined>>,
    op: Extract<Operation, { type: 'write' }>,
    clip: Clip | undefined,
  ): void {
    let { x, y } = op;
    let lines = op.text.split('\n');
    if (clip) {
      const clipH = typeof clip.x1 === 'number' && typeof clip.x2 === 'number';
      const clipV = typeof clip.y1 === 'number' && typeof clip.y2 === 'number';
      if (clipH) {
        const width = widestLine(op.text);
        if (x + width < clip.x1! || x > clip.x2!) return;
      }
      if (clipV && (y + lines.length < clip.y1! || y > clip.y2!)) return;
      if (clipH) {
        const x1 = clip.x1!;
        const x2 = clip.x2!;
        lines = lines.map((line) => {
          const from = x < x1 ? x1 - x : 0;
          const width = cachedStringWidth(line);
          const to = x + width > x2 ? x2 - x : width;
          return clippedLines.get(`${from}:${to}:${line}`, () => sliceAnsi(line, from, to));
        });
        if (x < x1) x = x1;
      }
      if (clipV) {
        const y1 = clip.y1!;
        const from = y < y1 ? y1 - y : 0;
        const to = y + lines.length > clip.y2! ? clip.y2! - y : lines.length;
        lines = lines.slice(from, to);
        if (y < y1) y = y1;
      }
    }
    let offsetY = 0;
    for (let index = 0; index < lines.length; index++) {
      const row = output[y + offsetY];
      // As in Ink: a row outside the frame is skipped without moving on to the next one.
      if (!row) continue;
      let line = lines[index]!;
      for (const transformer of op.transformers) line = transformer(line, index);
      const chars = styledLines.get(line, toStyledChars);
      let offsetX = x;
      for (const ch of chars) {
        row[offsetX] = ch;
        const w = Math.max(1, cachedStringWidth(ch.value));
        for (let k = 1; k < w; k++) {
          row[offsetX + k] = { type: 'char', value: '', fullWidth: false, styles: ch.styles };
        }
        offsetX += w;
      }
      offsetY++;
    }
  }
}
