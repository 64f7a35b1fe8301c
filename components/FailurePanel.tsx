// What went wrong, first: per host the failed task and first error with a hint, the command, the
// log file, the exact resume command, and what this viewer can do about it.
import type { ReactNode } from 'react';
import { Box, Text } from 'ink';
import type { FailureSummary } from '../src/state/failureSummary';
import { safeText } from '../src/terminal/sanitize';

export function FailurePanel({
  summary,
  problem,
  resumeCommand,
  hasControl,
  width,
  height,
}: {
  summary: FailureSummary | null;
  /** Why there is no summary (e.g. a run aborted before any phase failed). */
  problem: string | null;
  resumeCommand: string | null;
  hasControl: boolean;
  width: number;
  height: number;
}) {
  // Errors and hints wrap over up to two rows (they are what the reader needs); the rest is cut
  // to one row. `rows` counts what each entry takes, so the keys line always stays visible.
  const lines: { key: string; node: ReactNode; rows: number }[] = [];
  const add = (key: string, node: ReactNode, rows = 1) => lines.push({ key, node, rows });
  const two = Math.max(20, width * 2 - 4);
  if (summary === null) {
    add('none', <Text wrap="wrap">{problem ?? 'No phase failed.'}</Text>);
  } else {
    add(
      'title',
      <Text bold color="red" wrap="truncate">
        ✗ {safeText(summary.title)} ({safeText(summary.phaseId)}) {summary.status}
        {summary.exitCode !== null ? `, exit ${summary.exitCode}` : ''}
      </Text>,
    );
    if (summary.argv.length > 0) {
      add(
        'argv',
        <Text wrap="truncate">
          <Text dimColor>command </Text>
          {safeText(summary.argv.join(' '))}
        </Text>,
      );
    }
    for (const h of summary.hosts) {
      add(
        `h:${h.host}`,
        <Text wrap="wrap" color="red">
          {safeText(`${h.host} ${h.status} at task "${h.task}": ${h.message}`, two)}
        </Text>,
        2,
      );
      if (h.hint) {
        add(
          `hint:${h.host}`,
          <Text color="yellow" wrap="wrap">
            {safeText(`  hint: ${h.hint}`, two)}
          </Text>,
          2,
        );
      }
    }
    if (summary.hosts.length === 0) {
      for (const [i, l] of summary.lastLines.entries()) {
        add(
          `l:${i}`,
          <Text wrap="truncate" dimColor>
            {' '}
            {safeText(l)}
          </Text>,
        );
      }
    }
    if (summary.hint)
      add(
        'hint',
        <Text color="yellow" wrap="wrap">
          {safeText(`hint: ${summary.hint}`, two)}
        </Text>,
        2,
      );
    add(
      'log',
      <Text wrap="truncate">
        <Text dimColor>log </Text>
        {safeText(summary.logPath)}
      </Text>,
    );
  }
  if (resumeCommand) {
    add(
      'resume',
      <Text wrap="truncate">
        <Text dimColor>resume </Text>
        <Text color="cyan">{safeText(resumeCommand)}</Text>
      </Text>,
    );
  }
  add(
    'keys',
    hasControl ? (
      <Text wrap="truncate">
        r retry the phase · s skip it (asks, naming what will not run) · a abort
      </Text>
    ) : (
      <Text wrap="truncate" color="yellow">
        Read-only: press c to take control to retry, skip or abort.
      </Text>
    ),
  );
  // The keys and the resume command matter most: when space is short, drop lines before them.
  const last = lines.slice(-2);
  let room = Math.max(1, height) - last.reduce((n, l) => n + l.rows, 0);
  const first: typeof lines = [];
  for (const l of lines.slice(0, -2)) {
    if (l.rows > room) break;
    first.push(l);
    room -= l.rows;
  }
  const shown = [...first, ...last];
  return (
    <Box flexDirection="column">
      {shown.map((l) => (
        <Box key={l.key}>{l.node}</Box>
      ))}
    </Box>
  );
}
