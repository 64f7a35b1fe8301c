// A script, kubectl or builtin phase: its command and done-checks with their state and detail.
import { Box, Text } from 'ink';
import type { PhaseState } from '../src/state/runState';
import { safeText } from '../src/terminal/sanitize';

const ICON = { pending: '…', passing: '✓', failing: '✗' } as const;
const COLOR = { pending: 'yellow', passing: 'green', failing: 'red' } as const;

export function ChecksPanel({ phase, height }: { phase: PhaseState; height: number }) {
  const names = Object.keys(phase.checks);
  const shown = names.slice(0, Math.max(0, height - 2));
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text dimColor>command </Text>
        {phase.argv.length > 0
          ? safeText(phase.argv.join(' '))
          : phase.status === 'pending'
            ? '(not started)'
            : '(built in)'}
      </Text>
      {names.length === 0 ? (
        <Text dimColor wrap="wrap">
          {phase.status === 'running' || phase.status === 'pending'
            ? 'Done-checks run after the command exits 0; none reported yet.'
            : 'No done-checks reported for this phase.'}
        </Text>
      ) : (
        <Text bold>done-checks</Text>
      )}
      {shown.map((n) => {
        const c = phase.checks[n]!;
        return (
          <Text key={n} wrap="truncate">
            <Text color={COLOR[c.status]}>{ICON[c.status]} </Text>
            {safeText(n)}
            <Text dimColor> {c.status}</Text>
            {c.detail ? ` · ${safeText(c.detail)}` : ''}
          </Text>
        );
      })}
    </Box>
  );
}
