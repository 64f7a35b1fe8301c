import { useState } from 'react';
import { Box, Text } from 'ink';
import { TextField } from '../components/TextField';
import { dnsNameProblem } from '../src/profile/rules';
import { safeText } from '../src/terminal/sanitize';
import type { SshAnswers } from '../src/state/wizard';
import type { HostTarget } from '../src/discovery/types';
import { useActions, useView } from './context';
import { useKeys } from './keyRouter';
import { actionsOf } from './keymap';
import { editText } from './hooks/editText';

type Field = 'name' | 'hosts' | 'inventory' | keyof SshAnswers;
const FIELDS: { id: Field; label: string; placeholder?: string; hint?: string }[] = [
  {
    id: 'name',
    label: 'Profile name',
    placeholder: 'my-cloud',
    hint: 'lower case letters, digits and dashes',
  },
  {
    id: 'hosts',
    label: 'Hosts',
    placeholder: 'node[1-3].example.com 10.0.0.10-10.0.0.12',
    hint: 'names, addresses, ranges; spaces or commas between',
  },
  {
    id: 'inventory',
    label: 'Import inventory',
    placeholder: '/etc/genestack/inventory/inventory.yaml',
    hint: 'Ctrl+O imports the hosts of this file',
  },
  { id: 'user', label: 'SSH user' },
  { id: 'port', label: 'SSH port' },
  { id: 'identityFile', label: 'SSH key', placeholder: '~/.ssh/id_ed25519 (default: ssh’s own)' },
  { id: 'proxyJump', label: 'Jump host', placeholder: 'user@bastion (optional)' },
];

const INTRO =
  'Which hosts will run the cloud? They are reached over SSH; nothing is changed on them.';

/**
 * The fields [start, end) that fit in `rows` lines, always including the focused one: all of
 * them when they fit, else a window around the focus and one line saying what is hidden (on a
 * short terminal the screen scrolls with the focus instead of squashing its rows together).
 */
export function visibleFields(heights: number[], focus: number, rows: number): [number, number] {
  const total = heights.reduce((a, b) => a + b, 0);
  if (total <= rows) return [0, heights.length];
  const room = Math.max(1, rows - 1);
  let start = focus;
  let end = focus + 1;
  let used = heights[focus] ?? 1;
  for (;;) {
    if (end < heights.length && used + heights[end]! <= room) used += heights[end++]!;
    else if (start > 0 && used + heights[start - 1]! <= room) used += heights[--start]!;
    else return [start, end];
  }
}

export function nameError(name: string): string | undefined {
  if (name.trim() === '') return 'required: the profile and its files are named after it';
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name.trim()))
    return 'use lower case letters, digits and dashes (e.g. my-cloud)';
  return undefined;
}

function portError(port: string): string | undefined {
  const n = Number(port);
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? undefined : 'a port number 1-65535';
}

export function HostsScreen() {
  const { state, bodyRows, columns } = useView();
  const { dispatch, services, next } = useActions();
  const [focus, setFocus] = useState(0);
  const [imported, setImported] = useState<HostTarget[]>([]);
  const [note, setNote] = useState<string>();
  const [attempted, setAttempted] = useState(false);

  const value = (f: Field): string =>
    f === 'name'
      ? state.name
      : f === 'hosts'
        ? state.hostsText
        : f === 'inventory'
          ? state.inventoryPath
          : state.ssh[f];
  const set = (f: Field, v: string) => {
    if (f === 'name') dispatch({ type: 'setName', name: v });
    else if (f === 'hosts') dispatch({ type: 'setHostsText', text: v });
    else if (f === 'inventory') dispatch({ type: 'setInventoryPath', path: v });
    else dispatch({ type: 'setSsh', field: f, value: v });
  };

  const parse = (): { targets?: HostTarget[]; error?: string } => {
    try {
      const typed = state.hostsText.trim() ? services.parseHosts(state.hostsText) : [];
      const seen = new Set<string>();
      const targets = [...imported, ...typed].filter((t) =>
        seen.has(t.host) ? false : (seen.add(t.host), true),
      );
      if (targets.length === 0) return { error: 'give at least one host (or import an inventory)' };
      for (const t of targets) {
        if (!/^[\d.]+$/.test(t.address)) {
          const p = dnsNameProblem(t.address);
          if (p) return { error: `${t.address}: ${p}` };
        }
      }
      return { targets };
    } catch (e) {
      return { error: (e as Error).message };
    }
  };
  const parsed = parse();
  const errors: Partial<Record<Field, string>> = {
    name: state.name !== '' || attempted ? nameError(state.name) : undefined,
    hosts: state.hostsText.trim() || imported.length ? (parsed.error ?? undefined) : undefined,
    port: portError(state.ssh.port),
    user: state.ssh.user.trim() ? undefined : 'required',
    inventory: state.hostsError,
  };

  const doImport = () => {
    const file = state.inventoryPath.trim();
    if (!file)
      return dispatch({ type: 'setHostsError', error: 'type the path of an inventory.yaml first' });
    services
      .importInventory(file)
      .then((t) => {
        setImported(t);
        setNote(`imported ${t.length} host${t.length === 1 ? '' : 's'} from ${file}`);
        dispatch({ type: 'setHostsError', error: undefined });
      })
      .catch((e: Error) => dispatch({ type: 'setHostsError', error: e.message }));
  };

  useKeys((e) => {
    const a = actionsOf(e, 'hosts');
    if (a.has('up')) return (setFocus((f) => Math.max(0, f - 1)), true);
    if (a.has('down')) return (setFocus((f) => Math.min(FIELDS.length - 1, f + 1)), true);
    if (a.has('import')) return (doImport(), true);
    if (a.has('next')) {
      setAttempted(true);
      if (nameError(state.name)) return (setFocus(0), true);
      const firstBad = FIELDS.findIndex((f) => errors[f.id] !== undefined);
      if (firstBad >= 0) return (setFocus(firstBad), true);
      if (!parsed.targets) {
        setFocus(1);
        if (!state.hostsText.trim()) dispatch({ type: 'setHostsError', error: undefined });
        setNote(parsed.error);
        return true;
      }
      dispatch({ type: 'setTargets', targets: parsed.targets });
      services.settings.setSshDefaults({
        user: state.ssh.user,
        port: Number(state.ssh.port),
        ...(state.ssh.identityFile ? { identityFile: state.ssh.identityFile } : {}),
        ...(state.ssh.proxyJump ? { proxyJump: state.ssh.proxyJump } : {}),
      });
      next();
      return true;
    }
    const field = FIELDS[focus]!.id;
    // Backspace in an empty field goes back (the router's low-priority handler).
    if ((e.key.delete || e.key.backspace) && value(field) === '') return false;
    const v = editText(value(field), e);
    if (v !== undefined) {
      set(field, v);
      setNote(undefined);
      return true;
    }
    return false;
  });

  // Each field is one line, plus one for its error or the focused field's hint.
  const heights = FIELDS.map((f, i) => (errors[f.id] || (i === focus && f.hint) ? 2 : 1));
  const below = (parsed.targets ? 1 : 0) + (note ? 1 : 0);
  const introRows = INTRO.length <= columns ? 1 : 2;
  const fieldRows = heights.reduce((a, b) => a + b, 0);
  const showIntro = introRows + fieldRows + below <= bodyRows;
  const [start, end] = visibleFields(
    heights,
    focus,
    bodyRows - below - (showIntro ? introRows : 0),
  );
  const hidden = FIELDS.length - (end - start);
  return (
    <Box flexDirection="column">
      {showIntro ? <Text>{INTRO}</Text> : null}
      {FIELDS.slice(start, end).map((f, k) => (
        <TextField
          key={f.id}
          label={f.label}
          value={value(f.id)}
          focused={start + k === focus}
          error={errors[f.id]}
          {...(f.placeholder ? { placeholder: f.placeholder } : {})}
          {...(f.hint ? { hint: f.hint } : {})}
        />
      ))}
      {hidden > 0 ? (
        <Text dimColor wrap="truncate">
          {hidden} more field{hidden === 1 ? '' : 's'} {start > 0 ? 'above' : 'below'}
          {start > 0 && end < FIELDS.length ? ' and below' : ''} (↑/↓)
        </Text>
      ) : null}
      {parsed.targets ? (
        <Text color="green" wrap="truncate">
          {parsed.targets.length} host{parsed.targets.length === 1 ? '' : 's'}:{' '}
          {safeText(parsed.targets.map((t) => t.host).join(', '))}
        </Text>
      ) : null}
      {note ? <Text color="yellow">{safeText(note)}</Text> : null}
    </Box>
  );
}
