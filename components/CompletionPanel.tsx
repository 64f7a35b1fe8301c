// A finished deployment: what was deployed, its endpoints, how to get credentials, how long each
// phase took (slowest first), and where the logs are.
import type { ReactNode } from 'react';
import { Box, Text } from 'ink';
import type { CompletionSummary } from '../src/state/completion';
import { safeText } from '../src/terminal/sanitize';
import { shortDuration } from '../screens/dashboard/model';

export function CompletionPanel({
  summary,
  problem,
  height,
}: {
  summary: CompletionSummary | null;
  problem: string | null;
  height: number;
}) {
  if (summary === null) return <Text wrap="wrap">{problem ?? 'Reading the run…'}</Text>;
  const lines: { key: string; node: ReactNode }[] = [];
  const add = (key: string, node: ReactNode) => lines.push({ key, node });
  add(
    'ok',
    <Text bold color="green">
      ✓ Deployment complete
    </Text>,
  );
  if (summary.deployed.length > 0) {
    add(
      'dep',
      <Text wrap="truncate">
        <Text dimColor>deployed </Text>
        {summary.deployed.map((d) => safeText(d)).join(', ')}
      </Text>,
    );
  }
  for (const e of summary.endpoints) {
    add(
      `e:${e.name}`,
      <Text wrap="truncate">
        {safeText(e.name).padEnd(12)} <Text color="cyan">{safeText(e.url)}</Text>
      </Text>,
    );
  }
  for (const [i, c] of summary.credentials.entries())
    add(`c:${i}`, <Text wrap="truncate">{safeText(c)}</Text>);
  add(
    'logs',
    <Text wrap="truncate">
      <Text dimColor>logs </Text>
      {safeText(summary.logsDir)}
    </Text>,
  );
  const slow = [...summary.durations]
    .filter((d) => d.durationMs !== null && d.status !== 'skipped')
    .sort((a, b) => (b.durationMs ?? 0) - (a.durationMs ?? 0));
  add('dur', <Text bold>phase durations (slowest first)</Text>);
  for (const d of slow) {
    add(
      `d:${d.phaseId}`,
      <Text wrap="truncate">
        {shortDuration(d.durationMs).padStart(7)} {safeText(d.title)}
      </Text>,
    );
  }
  return (
    <Box flexDirection="column">
      {lines.slice(0, Math.max(1, height)).map((l) => (
        <Box key={l.key}>{l.node}</Box>
      ))}
    </Box>
  );
}
