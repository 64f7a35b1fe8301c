import { useState } from 'react';
import { Box, Text } from 'ink';
import { Spinner } from '../components/Spinner';
import { TextField } from '../components/TextField';
import { safeText } from '../src/terminal/sanitize';
import { formatBytes } from '../src/discovery/eligibility';
import type { HostFacts } from '../src/discovery/types';
import {
  factsOf,
  hostName,
  hostNameError,
  hostNameWarning,
  usableHosts,
  type WizardHost,
  type WizardState,
} from '../src/state/wizard';
import { useActions, useView } from './context';
import { useKeys } from './keyRouter';
import { actionsOf } from './keymap';
import { sshOptionsFrom } from './hooks/services';
import { editText } from './hooks/editText';

/** A typed name's problem: the `validate` rules, and no other host may have it. */
export function renameError(state: WizardState, key: string, name: string): string | undefined {
  const e = hostNameError(name);
  if (e) return e;
  const lower = name.trim().toLowerCase();
  const other = usableHosts(state).find(
    (h) => h.key !== key && hostName(state, h).toLowerCase() === lower,
  );
  return other ? `${safeText(other.target.host)} already has this name` : undefined;
}

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
  /** The host being renamed and the name typed so far. */
  const [rename, setRename] = useState<{ key: string; value: string }>();

  const hosts = state.hosts;
  const ok = hosts.filter((h) => factsOf(h)).length;
  const running = hosts.filter(
    (h) => h.progress.state === 'pending' || h.progress.state === 'running',
  ).length;
  const canRetry = (h: WizardHost | undefined): h is WizardHost =>
    h !== undefined && (h.progress.state === 'done' || h.progress.state === 'idle');
  const failed = hosts.filter(
    (h) => h.progress.state === 'done' && h.progress.result.status !== 'ok',
  );
  const current = hosts[cursor];

  const renameErr = rename ? renameError(state, rename.key, rename.value) : undefined;
  useKeys((e) => {
    if (rename) {
      // The name editor owns the keys: Enter keeps a valid name, Esc leaves it unchanged.
      if (e.key.escape) return (setRename(undefined), true);
      if (e.key.return) {
        if (renameErr) return true;
        dispatch({ type: 'renameHost', key: rename.key, name: rename.value.trim() });
        setRename(undefined);
        setNote(`renamed to ${rename.value.trim()}`);
        return true;
      }
      const v = editText(rename.value, e);
      if (v !== undefined) return (setRename({ ...rename, value: v }), true);
      return e.key.upArrow || e.key.downArrow || e.key.tab;
    }
    const a = actionsOf(e, 'discovery');
    if (a.has('rename') && current) {
      if (!usableHosts(state).includes(current)) {
        setNote('only a discovered host can be renamed');
        return true;
      }
      setRename({ key: current.key, value: hostName(state, current) });
      return true;
    }
    if (a.has('up')) return (setCursor((c) => Math.max(0, c - 1)), true);
    if (a.has('down')) return (setCursor((c) => Math.min(hosts.length - 1, c + 1)), true);
    if (a.has('retry') && canRetry(current)) {
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
      else if (usableHosts(state).length === 0)
        setNote('no host was discovered: fix the failures and retry (r / R)');
      else next();
      return true;
    }
    return false;
  });

  // Keep the selected host in view: each host takes up to 3 rows (the name editor 2 more).
  const perHost = 3;
  const visible = Math.max(1, Math.floor((bodyRows - 2 - (rename ? 2 : 0)) / perHost));
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
      {rename ? (
        <TextField
          label="Name"
          value={safeText(rename.value)}
          focused
          error={renameErr}
          hint={
            hostNameWarning(rename.value) ??
            'Enter keeps it, Esc cancels: inventory and Kubernetes node name'
          }
          width={6}
        />
      ) : null}
      {note ? (
        <Text color="yellow" wrap="truncate">
          {safeText(note)}
        </Text>
      ) : null}
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
        {p.state === 'running' ? <Spinner /> : '·'} {safeText(host.target.host)}{' '}
        {p.state === 'running'
          ? 'probing…'
          : p.state === 'idle'
            ? 'not probed (saved answers kept; r probes it)'
            : 'waiting'}
      </Text>
    );
  }
  const r = p.result;
  if (r.status === 'ok') {
    return (
      <Box flexDirection="column">
        <Text wrap="truncate">
          {marker}
          <Text color="green">✓</Text> {safeText(host.target.host)}{' '}
          <Text dimColor>{name !== host.target.host ? `(${safeText(name)})` : ''}</Text>
        </Text>
        <Text dimColor wrap="truncate">
          {'    '}
          {safeText(factsLine(r.facts))}
        </Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        {marker}
        <Text color="red">✗</Text> {safeText(host.target.host)}: {safeText(r.error)}
      </Text>
      <Text color="yellow" wrap="truncate">
        {'    '}fix: {safeText(r.fix)}
      </Text>
      {r.status === 'hostKeyUnknown' && r.hostKeys
        ? r.hostKeys.slice(0, 1).map((k) => (
            <Text key={k.fingerprint} wrap="truncate">
              {'    '}
              {safeText(k.type)} {safeText(k.fingerprint)}{' '}
              <Text dimColor>(a accepts after you compare it)</Text>
            </Text>
          ))
        : null}
    </Box>
  );
}
