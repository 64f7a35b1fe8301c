import { useState } from 'react';
import { Box, Text } from 'ink';
import { Findings } from '../components/Findings';
import { checkHost } from '../src/discovery/requirements';
import { ROLES, type Role } from '../src/profile/vocabulary';
import { factsOf, hostName, rolesOf, usableHosts } from '../src/state/wizard';
import { safeText } from '../src/terminal/sanitize';
import { useActions, useView } from './context';
import { useKeys } from './keyRouter';
import { actionsOf } from './keymap';

const SHORT: Record<Role, string> = {
  kube_control_plane: 'k8s',
  etcd: 'etcd',
  openstack_control_plane: 'osctl',
  ovn_network_nodes: 'net',
  openstack_compute_nodes: 'comp',
  ceph_storage_nodes: 'ceph',
  cinder_storage_nodes: 'cind',
  longhorn_storage_nodes: 'lhrn',
};

export function RolesScreen() {
  const { state, validation, bodyRows } = useView();
  const { dispatch, services, next } = useActions();
  const hosts = usableHosts(state);
  const [row, setRow] = useState(0);
  const [col, setCol] = useState(0);
  const hostFindings = validation.findings.filter(
    (f) => f.path.startsWith('hosts') && !f.path.includes('osdDisks') && f.severity !== 'info',
  );

  useKeys((e) => {
    const a = actionsOf(e, 'roles');
    if (a.has('up')) return (setRow((r) => Math.max(0, r - 1)), true);
    if (a.has('down')) return (setRow((r) => Math.min(hosts.length - 1, r + 1)), true);
    if (a.has('left')) return (setCol((c) => Math.max(0, c - 1)), true);
    if (a.has('right')) return (setCol((c) => Math.min(ROLES.length - 1, c + 1)), true);
    const h = hosts[row];
    if (a.has('toggle') && h)
      return (dispatch({ type: 'toggleRole', hostKey: h.key, role: ROLES[col]! }), true);
    if (a.has('reset') && h) return (dispatch({ type: 'resetRoles', hostKey: h.key }), true);
    if (a.has('next')) return (next(), true);
    return false;
  });

  const nameWidth = Math.min(24, Math.max(8, ...hosts.map((h) => hostName(state, h).length)));
  const visible = Math.max(1, bodyRows - 4 - Math.min(4, hostFindings.length));
  const start = Math.max(0, Math.min(row - visible + 1, hosts.length - visible));
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        {'  '}
        {'host'.padEnd(nameWidth)}{' '}
        {ROLES.map((r, i) => (
          <Text key={r} bold={i === col} color={i === col ? 'cyan' : undefined}>
            {SHORT[r].padEnd(6)}
          </Text>
        ))}
        checks
      </Text>
      {hosts.slice(start, start + visible).map((h, vi) => {
        const i = start + vi;
        const roles = rolesOf(state, h, i);
        const f = factsOf(h);
        const verdicts = f ? checkHost(f, roles, 'lab', services.requirements()) : [];
        const bad = verdicts.flatMap((v) =>
          v.checks.filter((c) => c.status !== 'pass').map((c) => ({ ...c, role: v.role })),
        );
        const worst = bad.some((c) => c.status === 'fail')
          ? 'fail'
          : bad.length > 0
            ? 'warning'
            : 'pass';
        return (
          <Text key={h.key} wrap="truncate">
            <Text color={i === row ? 'cyan' : undefined}>{i === row ? '› ' : '  '}</Text>
            {safeText(hostName(state, h)).slice(0, nameWidth).padEnd(nameWidth)}{' '}
            {ROLES.map((r, c) => (
              <Text key={r} inverse={i === row && c === col}>
                {(roles.includes(r) ? '  ■' : '  ·').padEnd(6)}
              </Text>
            ))}
            <Text color={worst === 'fail' ? 'red' : worst === 'warning' ? 'yellow' : 'green'}>
              {worst === 'pass'
                ? '✓ ok'
                : `${worst === 'fail' ? '✗' : '!'} ${bad[0]?.role}: ${safeText(bad[0]?.message ?? '')}`}
            </Text>
            {state.roleOverrides[h.key] ? <Text dimColor> (edited)</Text> : null}
          </Text>
        );
      })}
      <Text dimColor wrap="truncate">
        {ROLES[col]}: Space toggles it on the selected host; x returns the host to automatic roles.
      </Text>
      <Findings findings={hostFindings} max={4} />
    </Box>
  );
}
