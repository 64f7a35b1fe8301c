import { Box, Text } from 'ink';
import { safeText } from '../src/terminal/sanitize';
import type { Finding } from '../src/profile/findings';

export function Findings({ findings, max = 6 }: { findings: readonly Finding[]; max?: number }) {
  if (findings.length === 0) return null;
  const shown = findings.slice(0, max);
  return (
    <Box flexDirection="column">
      {shown.map((f, i) => (
        <Text
          key={i}
          color={f.severity === 'error' ? 'red' : f.severity === 'warning' ? 'yellow' : 'gray'}
          wrap="truncate"
        >
          {f.severity === 'error' ? '✗' : f.severity === 'warning' ? '!' : 'i'}{' '}
          {f.path ? `${f.path}: ` : ''}
          {safeText(f.message)}
          {f.severity !== 'info' ? ` (fix: ${safeText(f.fix)})` : ''}
        </Text>
      ))}
      {findings.length > max ? (
        <Text dimColor>… and {findings.length - max} more (all on the Review screen)</Text>
      ) : null}
    </Box>
  );
}
