// The log of a phase, virtualised: only the rows of the window are rendered, each cut to the
// width; the line under the cursor can be shown whole. Search matches are highlighted.
import { Box, Text } from 'ink';
import type { LogEntry, LogWindow } from '../screens/dashboard/logView';
import { isErrorLine } from '../screens/dashboard/logView';
import { safeText } from '../src/terminal/sanitize';

export interface LogPaneProps {
  entries: readonly LogEntry[];
  window: LogWindow;
  width: number;
  height: number;
  following: boolean;
  errorsOnly: boolean;
  query: string | null;
  typing: string | null;
  notFound: boolean;
  expanded: boolean;
  /** Lines the phase logged in all (the file may hold more than what is loaded). */
  total: number;
  /** Older lines exist that are not loaded (file truncated or not read yet). */
  olderMissing: boolean;
}

/** Longest text shown for the whole line: beyond it the line says how much is left out. */
export const EXPANDED_MAX = 16_384;

export function LogPane(p: LogPaneProps) {
  const rows = Math.max(1, p.height - 1);
  const status = statusLine(p);
  if (p.expanded && p.window.cursor >= 0) {
    const e = p.entries[p.window.cursor]!;
    const text = safeText(e.text, EXPANDED_MAX);
    return (
      <Box flexDirection="column" height={p.height} overflow="hidden">
        <Text bold wrap="truncate">
          line {e.n} in full ({e.text.length} characters) · Enter closes
        </Text>
        <Box height={rows - 1} overflow="hidden">
          <Text wrap="wrap">{text}</Text>
        </Box>
        <Text dimColor wrap="truncate">
          {status}
        </Text>
      </Box>
    );
  }
  const slice: LogEntry[] = [];
  for (let i = p.window.start; i < p.window.end; i++) slice.push(p.entries[i]!);
  const q = p.query?.toLowerCase() ?? null;
  const numWidth = String(p.total).length;
  return (
    <Box flexDirection="column" height={p.height} overflow="hidden">
      {slice.length === 0 ? (
        <Text dimColor>{p.errorsOnly ? 'No error lines.' : 'No output yet.'}</Text>
      ) : null}
      {slice.map((e, k) => {
        const cursor = p.window.start + k === p.window.cursor && !p.following;
        // Cut before sanitising so a megabyte line costs no more than a short one.
        const text = safeText(e.text, p.width + 16);
        const match = q !== null && q !== '' && e.text.toLowerCase().includes(q);
        return (
          <Text key={e.n} wrap="truncate-end" inverse={cursor}>
            <Text dimColor>{String(e.n).padStart(numWidth)} </Text>
            <Text color={match ? 'yellow' : isErrorLine(e) ? 'red' : undefined}>{text}</Text>
          </Text>
        );
      })}
      <Box flexGrow={1} />
      <Text dimColor wrap="truncate">
        {status}
      </Text>
    </Box>
  );
}

function statusLine(p: LogPaneProps): string {
  if (p.typing !== null) return `/${p.typing}▏  (Enter finds, Esc cancels)`;
  const parts: string[] = [];
  parts.push(p.following ? 'following' : 'scrolled (G follows)');
  if (p.errorsOnly) parts.push(`errors only: ${p.entries.length} lines (e shows all)`);
  if (p.query)
    parts.push(
      p.notFound
        ? `"${safeText(p.query, 60)}" not found`
        : `search "${safeText(p.query, 60)}" (n/N)`,
    );
  if (p.olderMissing) parts.push('older lines: PgUp/g loads them from the log file');
  parts.push(`${p.total} lines`);
  return parts.join(' · ');
}
