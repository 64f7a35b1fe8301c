// The phase list, grouped by stage: status, elapsed / expected, and a visible "slow" mark past the
// soft timeout. Only the rows that fit are rendered, in a window that keeps the selection visible.
import { Box, Text } from 'ink';
import type { PhaseListRow } from '../screens/dashboard/model';
import { STATUS_ICON } from '../screens/dashboard/model';

const COLOR: Record<string, string | undefined> = {
  running: 'cyan',
  succeeded: 'green',
  failed: 'red',
  'timed-out': 'red',
  aborted: 'yellow',
  skipped: 'gray',
};

export function PhaseList({
  rows,
  selectedId,
  width,
  height,
}: {
  rows: readonly PhaseListRow[];
  selectedId: string | undefined;
  width: number;
  height: number;
}) {
  const sel = rows.findIndex((r) => r.type === 'phase' && r.id === selectedId);
  const h = Math.max(1, height);
  // Centre the selection when the list is longer than the box.
  let start = Math.max(0, Math.min(sel - Math.floor(h / 2), rows.length - h));
  if (sel < 0) start = 0;
  const visible = rows.slice(start, start + h);
  return (
    <Box flexDirection="column" width={width} height={h} overflow="hidden">
      {visible.map((r) => {
        if (r.type === 'group') {
          return (
            <Text key={r.key} bold wrap="truncate">
              {r.title} {r.done}/{r.total}
            </Text>
          );
        }
        const selected = r.id === selectedId;
        const time =
          r.elapsed === ''
            ? r.expected
              ? `~${r.expected}`
              : ''
            : r.expected
              ? `${r.elapsed}/${r.expected}`
              : r.elapsed;
        const right = r.overdue ? `${time} slow` : time;
        const titleWidth = Math.max(4, width - 4 - right.length);
        const title =
          r.title.length > titleWidth
            ? `${r.title.slice(0, titleWidth - 1)}…`
            : r.title.padEnd(titleWidth);
        return (
          <Text key={r.key} inverse={selected} wrap="truncate">
            <Text color={COLOR[r.status]}>{` ${STATUS_ICON[r.status]} `}</Text>
            {title}
            <Text color={r.overdue ? 'yellow' : undefined} dimColor={!r.overdue}>
              {' '}
              {right}
            </Text>
          </Text>
        );
      })}
    </Box>
  );
}
