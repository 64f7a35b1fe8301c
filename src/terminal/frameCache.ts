// Text measurement for Ink's renderer, cached from one frame to the next and no longer.
//
// Ink (6.8.0) measures, wraps and tokenises every string of a frame again at every frame: its
// output stage keeps its caches only for the frame being drawn, while its text measurement and
// wrapping keep theirs in module-level maps that are never emptied, so a dashboard following a
// log keeps every line it ever showed. The build (esbuild.config.mjs, "ink-frame-caches") points
// those Ink modules here and at ./inkOutput.ts: what a frame measured is kept for the next one
// (most rows of a dashboard frame are the rows of the frame before) and dropped after it.
//
// Each function returns exactly what the Ink module it stands in for returns
// (test/unit/inkOutput.test.ts compares them).
import cliTruncate from 'cli-truncate';
import stringWidth from 'string-width';
import stripAnsi from 'strip-ansi';
import wrapAnsi from 'wrap-ansi';

/**
 * A string-keyed cache of two generations: what the current frame used and what the frame before
 * used. `nextFrame` forgets the older one, so memory is bounded by two frames' worth of strings.
 */
export class FrameCache<V> {
  private current = new Map<string, V>();
  private previous = new Map<string, V>();

  get(key: string, compute: (key: string) => V): V {
    let v = this.current.get(key);
    if (v !== undefined) return v;
    v = this.previous.get(key);
    if (v === undefined) v = compute(key);
    this.current.set(key, v);
    return v;
  }

  nextFrame(): void {
    this.previous = this.current;
    this.current = new Map();
  }

  /** Entries held (both generations), for tests. */
  get size(): number {
    return this.current.size + this.previous.size;
  }
}

const caches: Array<FrameCache<unknown>> = [];
/** A cache that nextFrame() rotates with all the others. */
export function frameCache<V>(): FrameCache<V> {
  const c = new FrameCache<V>();
  caches.push(c as FrameCache<unknown>);
  return c;
}

/** Called by the output stage once per frame it composes. */
export function nextFrame(): void {
  for (const c of caches) c.nextFrame();
}

/** Entries held by all caches, for tests. */
export function cachedEntries(): number {
  return caches.reduce((n, c) => n + c.size, 0);
}

const widths = frameCache<number>();

/** Printable ASCII is one column wide: answered without a lookup (most cells of a frame). */
const isPlainAscii = (s: string) => {
  if (s.length !== 1) return false;
  const c = s.charCodeAt(0);
  return c >= 0x20 && c < 0x7f;
};

/**
 * Symbols the interface itself draws (frames, marks, arrows, spinners), one column each as
 * string-width measures them (test/unit/stringWidthLazy.test.ts checks every one). A string of
 * printable ASCII and these is measured without string-width, so the wizard's first frame does
 * not make it build its emoji regex (esbuild.stringWidth.mjs).
 */
export const NARROW_SYMBOLS = new Set(
  '·…’–§•›◂▸▶■░█▏✓✗✔✘→←↑↓↖↗↘↙↷' + '─│━┃═║┌┐└┘┏┓┗┛╒╓╔╕╖╗╘╙╚╛╜╝╭╮╯╰' + '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏' + '␀␛␟␡',
);

/** The width of printable ASCII and NARROW_SYMBOLS (one column each), else undefined. */
function plainWidth(s: string): number | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 || c >= 0x7f) && !NARROW_SYMBOLS.has(s[i]!)) return undefined;
  }
  return s.length;
}

/** `string-width` of a string. */
export function cachedStringWidth(text: string): number {
  if (isPlainAscii(text)) return 1;
  return widths.get(text, (t) => {
    // As string-width does: escape sequences take no columns.
    const shown = t.includes('\u001B') || t.includes('\u009B') ? stripAnsi(t) : t;
    return plainWidth(shown) ?? stringWidth(t);
  });
}

const widestLines = frameCache<number>();

/** `widest-line`: the width of the widest line of a text. */
export function widestLine(text: string): number {
  return widestLines.get(text, (t) => {
    let widest = 0;
    for (const line of t.split('\n')) widest = Math.max(widest, cachedStringWidth(line));
    return widest;
  });
}

const dimensions = frameCache<{ width: number; height: number }>();
const EMPTY = Object.freeze({ width: 0, height: 0 });

/** Ink's measure-text: the width and height of a text. */
export function measureText(text: string): { width: number; height: number } {
  if (text.length === 0) return EMPTY;
  return dimensions.get(text, (t) => ({ width: widestLine(t), height: t.split('\n').length }));
}

const wrapped = frameCache<string>();

/** Ink's wrap-text: a text wrapped or truncated to a width, as a <Text wrap=...> asks. */
export function wrapText(text: string, maxWidth: number, wrapType: string): string {
  return wrapped.get(`${maxWidth}\u0000${wrapType}\u0000${text}`, () => {
    if (wrapType === 'wrap') return wrapAnsi(text, maxWidth, { trim: false, hard: true });
    if (wrapType.startsWith('truncate')) {
      const position =
        wrapType === 'truncate-middle' ? 'middle' : wrapType === 'truncate-start' ? 'start' : 'end';
      return cliTruncate(text, maxWidth, { position });
    }
    return text;
  });
}
