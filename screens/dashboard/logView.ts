// The log panel's model, pure: which lines exist (the phase's log file read back for scrolling
// further than the journal's 200-line tail, then the live tail), the error filter, the search,
// the cursor and the window of visible rows. The LogPane component renders only that window.
import type { LogLine } from '../../src/state/runState';

export interface LogEntry {
  /** 1-based number of the line in the phase's output (all attempts). */
  n: number;
  text: string;
  stderr: boolean;
}

export interface LogHistory {
  /** The last lines of logs/<phase>.log, in order, the installer's own notes left out. */
  lines: string[];
  /** How many lines the phase had logged (RunState's logLines) when the file was read. */
  totalAtRead: number;
  /** True when the file was longer than what was read: the oldest lines are not here. */
  truncated: boolean;
}

/**
 * The entries to show: the file's lines (when read), then the journal's tail. `logLines` counts
 * every line the phase ever logged, so every line's number is known; where the file and the tail
 * overlap the tail wins (it is fresher and carries the stream).
 */
export function logEntries(
  tail: readonly LogLine[],
  logLines: number,
  history: LogHistory | null,
): LogEntry[] {
  const firstTailN = logLines - tail.length + 1;
  const out: LogEntry[] = [];
  if (history !== null) {
    const firstFileN = history.totalAtRead - history.lines.length + 1;
    for (let i = 0; i < history.lines.length; i++) {
      const n = firstFileN + i;
      if (n >= 1 && n < firstTailN) out.push({ n, text: history.lines[i]!, stderr: false });
    }
  }
  for (let i = 0; i < tail.length; i++) {
    const t = tail[i]!;
    out.push({ n: firstTailN + i, text: t.line, stderr: t.stream === 'stderr' });
  }
  return out;
}

// Ansible's and shells' ways of saying something went wrong.
const ERROR_RE =
  /\b(error|errors|fatal|failed|failure|exception|traceback|unreachable|denied|refused|panic)\b|FAILED!|ERROR!|\[ERROR\]|E: /i;
const NOT_ERROR_RE = /\bfailed=0\b.*\bunreachable=0\b|\bignored=\d+\b.*ok=|\bno errors?\b/i;

export function isErrorLine(e: LogEntry): boolean {
  if (NOT_ERROR_RE.test(e.text) && !/FAILED!|fatal:/i.test(e.text)) return false;
  return e.stderr ? ERROR_RE.test(e.text) || /\bwarn/i.test(e.text) : ERROR_RE.test(e.text);
}

export interface LogViewState {
  /** Keep the cursor on the newest line as lines arrive. */
  follow: boolean;
  /** Line number (LogEntry.n) under the cursor when not following. */
  cursorN: number | null;
  /** First visible row's line number, when not following. */
  topN: number | null;
  errorsOnly: boolean;
  /** The search being typed (null: not typing). */
  typing: string | null;
  query: string | null;
  /** The last search found nothing. */
  notFound: boolean;
  expanded: boolean;
}

export const INITIAL_LOG_VIEW: LogViewState = {
  follow: true,
  cursorN: null,
  topN: null,
  errorsOnly: false,
  typing: null,
  query: null,
  notFound: false,
  expanded: false,
};

export function visibleEntries(all: readonly LogEntry[], s: LogViewState): readonly LogEntry[] {
  return s.errorsOnly ? all.filter(isErrorLine) : all;
}

/** Index in `entries` of the line numbered n, or of the nearest line before it. */
function indexOfN(entries: readonly LogEntry[], n: number): number {
  let lo = 0;
  let hi = entries.length - 1;
  let best = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (entries[mid]!.n <= n) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

export interface LogWindow {
  /** Index range [start, end) of `entries` to render. */
  start: number;
  end: number;
  /** Index of the cursor line, -1 when there are no lines. */
  cursor: number;
}

/** The rows to render: `height` lines around the cursor (the newest when following). */
export function logWindow(
  entries: readonly LogEntry[],
  s: LogViewState,
  height: number,
): LogWindow {
  const count = entries.length;
  if (count === 0 || height <= 0) return { start: 0, end: 0, cursor: -1 };
  if (s.follow || s.cursorN === null) {
    return { start: Math.max(0, count - height), end: count, cursor: count - 1 };
  }
  const cursor = indexOfN(entries, s.cursorN);
  let start = s.topN === null ? cursor - height + 1 : indexOfN(entries, s.topN);
  if (cursor < start) start = cursor;
  if (cursor >= start + height) start = cursor - height + 1;
  start = Math.max(0, Math.min(start, count - height));
  return { start, end: Math.min(count, start + height), cursor };
}

export type LogCommand =
  | { type: 'move'; by: number }
  | { type: 'top' }
  | { type: 'follow' }
  | { type: 'errors' }
  | { type: 'searchStart' }
  | { type: 'searchType'; text: string }
  | { type: 'searchErase' }
  | { type: 'searchCancel' }
  | { type: 'searchSubmit' }
  | { type: 'match'; dir: 1 | -1 }
  | { type: 'expand' };

function find(
  entries: readonly LogEntry[],
  query: string,
  from: number,
  dir: 1 | -1,
  includeFrom: boolean,
): number {
  const q = query.toLowerCase();
  const n = entries.length;
  for (let k = includeFrom ? 0 : 1; k <= n; k++) {
    const i = (((from + dir * k) % n) + n) % n;
    if (entries[i]!.text.toLowerCase().includes(q)) return i;
  }
  return -1;
}

/** The next view state; `entries` are the visible ones (after the filter), `height` the rows. */
export function logCommand(
  s: LogViewState,
  cmd: LogCommand,
  entries: readonly LogEntry[],
  height: number,
): LogViewState {
  const win = logWindow(entries, s, height);
  const at = (i: number, keepTop = true): LogViewState => {
    if (entries.length === 0) return s;
    const idx = Math.max(0, Math.min(entries.length - 1, i));
    // Moving to the last line while it is visible resumes following, like `tail -f` views do.
    const follow =
      idx === entries.length - 1 && cmd.type !== 'match' && cmd.type !== 'searchSubmit';
    let top = keepTop ? win.start : idx;
    if (idx < top) top = idx;
    if (idx >= top + height) top = idx - height + 1;
    return {
      ...s,
      follow,
      cursorN: follow ? null : entries[idx]!.n,
      topN: follow ? null : entries[Math.max(0, top)]!.n,
    };
  };
  switch (cmd.type) {
    case 'move':
      return at(win.cursor + cmd.by);
    case 'top':
      return at(0);
    case 'follow':
      return { ...s, follow: true, cursorN: null, topN: null };
    case 'errors': {
      // Keep the cursor line (or the nearest) when switching the filter.
      const n = win.cursor >= 0 ? entries[win.cursor]!.n : null;
      return { ...s, errorsOnly: !s.errorsOnly, cursorN: s.follow ? null : n, topN: null };
    }
    case 'searchStart':
      return { ...s, typing: '' };
    case 'searchType':
      return s.typing === null ? s : { ...s, typing: s.typing + cmd.text };
    case 'searchErase':
      return s.typing === null ? s : { ...s, typing: s.typing.slice(0, -1) };
    case 'searchCancel':
      return { ...s, typing: null };
    case 'searchSubmit': {
      const query = s.typing === null || s.typing === '' ? s.query : s.typing;
      const base = { ...s, typing: null, query };
      if (!query || entries.length === 0) return base;
      // Search backwards from the cursor first: while following, the newest match is wanted.
      const i = find(entries, query, win.cursor, -1, true);
      if (i < 0) return { ...base, notFound: true };
      return { ...atIndex(base, entries, i, height), notFound: false };
    }
    case 'match': {
      if (!s.query || entries.length === 0) return s;
      // n goes to older lines (the way the first search went), N to newer ones.
      const i = find(entries, s.query, win.cursor, cmd.dir === 1 ? -1 : 1, false);
      if (i < 0) return { ...s, notFound: true };
      return { ...atIndex(s, entries, i, height), notFound: false };
    }
    case 'expand':
      return { ...s, expanded: !s.expanded };
  }
}

/** The cursor on entries[i], the window centred on it, not following. */
function atIndex(
  s: LogViewState,
  entries: readonly LogEntry[],
  i: number,
  height: number,
): LogViewState {
  const top = Math.max(0, Math.min(i - Math.floor(height / 2), entries.length - height));
  return { ...s, follow: false, cursorN: entries[i]!.n, topN: entries[Math.max(0, top)]!.n };
}
