import { useState } from 'react';
import { Box, Text } from 'ink';
import { Spinner } from '../components/Spinner';
import { formatBytes } from '../src/discovery/eligibility';
import type { HostFacts } from '../src/discovery/types';
import { factsOf, hostName, type WizardHost } from '../src/state/wizard';
import { useActions, useView } from './context';
import { useKeys } from './keyRouter';
import { actionsOf } from './keymap';
import { useDiscovery } from './hooks/useDiscovery';
import { sshOptionsFrom } from './hooks/services';

export function factsLine(f: HostFacts): string {
  const cpu = `${f.cpu.threads ?? f.cpu.cores ?? '?'} CPU`;
  const mem = `${formatBytes(f.memory.totalBytes)} RAM`;
  const disks = `${f.disks.length} disk${f.disks.length === 1 ? '' : 's'} (${f.disks.filter((d) => d.eligible).length} free)`;
  const nics = `NICs ${
    f.nics
      .filter((n) => n.kind !== 'loopback')
      .map((n) => n.name)
      .join(',') || 'none'
  }`;
  return `${cpu} · ${mem} · ${disks} · ${nics} · kernel ${f.kernel.release ?? '?'}`;
}

export function DiscoveryScreen() {
  const { state, bodyRows } = useView();
  const { dispatch, services, next } = useActions();
  const [cursor, setCursor] = useState(0);
  const [note, setNote] = useState<string>();
  useDiscovery(state, dispatch, services);

  const hosts = state.hosts;
  const ok = hosts.filter((h) => factsOf(h)).length;
  const running = hosts.filter((h) => h.progress.state !== 'done').length;
  const failed = hosts.filter(
    (h) => h.progress.state === 'done' && h.progress.result.status !== 'ok',
  );
  const current = hosts[cursor];

  useKeys((e) => {
    const a = actionsOf(e, 'discovery');
    if (a.has('up')) return (setCursor((c) => Math.max(0, c - 1)), true);
    if (a.has('down')) return (setCursor((c) => Math.min(hosts.length - 1, c + 1)), true);
    if (a.has('retry') && current && current.progress.state === 'done') {
      dispatch({ type: 'hostRetry', keys: [current.key] });
      return true;
    }
    if (a.has('retryAll') && failed.length > 0) {
      dispatch({ type: 'hostRetry', keys: failed.map((h) => h.key) });
      return true;
    }
    if (a.has('acceptKey') && current && current.progress.state === 'done') {
      const r = current.progress.result;
      if (r.status === 'hostKeyUnknown' && r.hostKeys && r.hostKeys.length > 0) {
        services
          .acceptHostKeys(current.target, r.hostKeys, sshOptionsFrom(state.ssh))
          .then((file) => {
            setNote(`key recorded in ${file}`);
            dispatch({ type: 'hostRetry', keys: [current.key] });
          })
          .catch((err: Error) => setNote(`could not record the key: ${err.message}`));
      }
      return true;
    }
    if (a.has('next')) {
      if (running > 0) setNote('wait for discovery to finish (or go back to change the hosts)');
      else if (ok === 0) setNote('no host was discovered: fix the failures and retry (r / R)');
      else next();
      return true;
    }
    return false;
  });

  // Keep the selected host in view: each host takes up to 3 rows.
  const perHost = 3;
  const visible = Math.max(1, Math.floor((bodyRows - 2) / perHost));
  const start = Math.max(0, Math.min(cursor - visible + 1, hosts.length - visible));
  return (
    <Box flexDirection="column">
      <Text>
        {ok}/{hosts.length} discovered
        {running > 0 ? `, ${running} in progress` : ''}
        {failed.length > 0 ? `, ${failed.length} failed` : ''}
        {failed.length > 0 && ok > 0 && running === 0
          ? ' (Enter continues with the discovered hosts)'
          : ''}
      </Text>
      {hosts.slice(start, start + visible).map((h, i) => (
        <HostRow key={h.key} host={h} name={hostName(state, h)} focused={start + i === cursor} />
      ))}
      {note ? <Text color="yellow">{note}</Text> : null}
    </Box>
  );
}

function HostRow({ host, name, focused }: { host: WizardHost; name: string; focused: boolean }) {
  const marker = <Text color={focused ? 'cyan' : undefined}>{focused ? '› ' : '  '}</Text>;
  const p = host.progress;
  if (p.state !== 'done') {
    return (
      <Text wrap="truncate">
        {marker}
        {p.state === 'running' ? <Spinner /> : '·'} {host.target.host}{' '}
        {p.state === 'running' ? 'probing…' : 'waiting'}
      </Text>
    );
  }
  const r = p.result;
  if (r.status === 'ok') {
    return (
      <Box flexDirection="column">
        <Text wrap="truncate">
          {marker}
          <Text color="green">✓</Text> {host.target.host}{' '}
          <Text dimColor>{name !== host.target.host ? `(${name})` : ''}</Text>
        </Text>
        <Text dimColor wrap="truncate">
          {'    '}
          {factsLine(r.facts)}
        </Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        {marker}
        <Text color="red">✗</Text> {host.target.host}: {r.error}
      </Text>
      <Text color="yellow" wrap="truncate">
        {'    '}fix: {r.fix}
      </Text>
      {r.status === 'hostKeyUnknown' && r.hostKeys
        ? r.hostKeys.slice(0, 1).map((k) => (
            <Text key={k.fingerprint} wrap="truncate">
              {'    '}
              {k.type} {k.fingerprint} <Text dimColor>(a accepts after you compare it)</Text>
            </Text>
          ))
        : null}
    </Box>
  );
}
