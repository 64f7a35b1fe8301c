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
  height,
}: {
  summary: FailureSummary | null;
  /** Why there is no summary (e.g. a run aborted before any phase failed). */
  problem: string | null;
  resumeCommand: string | null;
  hasControl: boolean;
  height: number;
}) {
  const lines: { key: string; node: ReactNode }[] = [];
  const add = (key: string, node: ReactNode) => lines.push({ key, node });
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
        <Text wrap="truncate">
          <Text color="red">{safeText(h.host)}</Text> {h.status} at task &quot;{safeText(h.task)}
          &quot;: {safeText(h.message)}
        </Text>,
      );
      if (h.hint)
        add(
          `hint:${h.host}`,
          <Text color="yellow" wrap="truncate">
            {' '}
            hint: {safeText(h.hint)}
          </Text>,
        );
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
        <Text color="yellow" wrap="truncate">
          hint: {safeText(summary.hint)}
        </Text>,
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
  const fit = Math.max(1, height);
  const shown = lines.length <= fit ? lines : [...lines.slice(0, fit - 2), ...lines.slice(-2)];
  return (
    <Box flexDirection="column">
      {shown.map((l) => (
        <Box key={l.key}>{l.node}</Box>
      ))}
    </Box>
  );
}
