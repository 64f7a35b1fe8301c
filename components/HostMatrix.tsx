// An Ansible phase host by host: ok, changed, failed, skipped, unreachable, and the task each
// host runs now; above it the current play and task and how many tasks have run.
import { Box, Text } from 'ink';
import type { AnsibleState } from '../src/state/runState';
import { safeText } from '../src/terminal/sanitize';

const COLS = ['ok', 'chg', 'fail', 'skip', 'unr'] as const;

export function HostMatrix({
  ansible,
  width,
  height,
}: {
  ansible: AnsibleState | null;
  width: number;
  height: number;
}) {
  if (ansible === null) {
    return <Text dimColor>No Ansible events yet for this attempt.</Text>;
  }
  const names = Object.keys(ansible.hosts);
  const hostWidth = Math.min(24, Math.max(6, ...names.map((n) => safeText(n).length)));
  const rowsFit = Math.max(0, height - 4);
  const shown = names.slice(0, rowsFit);
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">
        <Text dimColor>play </Text>
        {safeText(ansible.play ?? '-')}
        {ansible.playbook ? <Text dimColor> ({safeText(ansible.playbook)})</Text> : null}
      </Text>
      <Text wrap="truncate">
        <Text dimColor>{ansible.tasksStarted} tasks run · now </Text>
        {safeText(ansible.task ?? (ansible.recap ? 'finished (PLAY RECAP)' : '-'))}
      </Text>
      <Text bold wrap="truncate">
        {'host'.padEnd(hostWidth)} {COLS.map((c) => c.padStart(4)).join(' ')} now
      </Text>
      {shown.map((name) => {
        const h = ansible.hosts[name]!;
        const cells = [h.ok, h.changed, h.failed, h.skipped, h.unreachable];
        const label = safeText(name);
        const now = h.firstError
          ? `${h.firstError.status}: ${safeText(h.firstError.task)}`
          : safeText(h.currentTask ?? (h.active ? '-' : 'done'));
        return (
          <Text key={name} wrap="truncate">
            <Text color={h.failed + h.unreachable > 0 ? 'red' : undefined}>
              {(label.length > hostWidth ? `${label.slice(0, hostWidth - 1)}…` : label).padEnd(
                hostWidth,
              )}
            </Text>{' '}
            {cells.map((v, i) => (
              <Text
                key={COLS[i]}
                color={v > 0 && i >= 2 && i !== 3 ? 'red' : v > 0 && i === 1 ? 'yellow' : undefined}
              >
                {String(v).padStart(4)}{' '}
              </Text>
            ))}
            <Text color={h.firstError ? 'red' : undefined}> {now}</Text>
          </Text>
        );
      })}
      {names.length > shown.length ? (
        <Text dimColor>… {names.length - shown.length} more hosts</Text>
      ) : null}
    </Box>
  );
}
