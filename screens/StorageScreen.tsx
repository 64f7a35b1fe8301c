import { useState, type ReactNode } from 'react';
import { Box, Text } from 'ink';
import { Choice } from '../components/Choice';
import { TextField } from '../components/TextField';
import { Findings } from '../components/Findings';
import { MissingFacts } from '../components/MissingFacts';
import { formatBytes } from '../src/discovery/eligibility';
import { CINDER_BACKENDS, STORAGE_BACKENDS, type StorageBackend } from '../src/profile/vocabulary';
import { safeText } from '../src/terminal/sanitize';
import {
  diskRows,
  diskSummary,
  hostsWithoutFacts,
  lvmDiskRows,
  lvmChosen,
  lvmDisksNotFound,
  lvmListActive,
  storageTextError,
  type DiskRow,
  type LvmList,
  type StorageFlag,
  type StorageTextField,
  type WizardAction,
  type WizardState,
} from '../src/state/wizard';
import { useActions, useView } from './context';
import { useKeys } from './keyRouter';
import { actionsOf, type KeyEvent } from './keymap';
import { editText } from './hooks/editText';

const LABEL: Record<StorageBackend, string> = {
  longhorn: 'Longhorn (replicated local disks)',
  'rook-ceph': 'Rook/Ceph (Ceph on whole disks)',
  'external-ceph': 'External Ceph (an existing cluster)',
  topolvm: 'TopoLVM (local LVM volumes)',
};

const TEXT_LABEL: Record<StorageTextField, { label: string; hint: string }> = {
  topolvmVolumeGroup: {
    label: 'TopoLVM volume group',
    hint: 'created on the disks below (vgcreate) before TopoLVM is installed',
  },
  cinderLvmVolumeGroup: {
    label: 'Cinder volume group',
    hint: 'created on the disks below on each cinder storage host',
  },
  cinderLvmBackendName: {
    label: 'Cinder LVM backend',
    hint: 'cinder_backend_name: a key of conf.backends (lvmdriver-1)',
  },
  netappBackendName: {
    label: 'NetApp backend',
    hint: 'cinder_backend_name: a key of conf.backends (netapp-iscsi-1)',
  },
};

const LIST_TITLE: Record<LvmList, string> = {
  topolvm: 'TopoLVM disks',
  cinderLvm: 'Cinder LVM disks',
};

/** One row of the screen: what it shows, how many lines, and what its keys do. */
interface Row {
  id: string;
  lines: number;
  render(focused: boolean): ReactNode;
  /** Handles a key on the focused row; true when consumed. */
  onKey?(e: KeyEvent, a: ReturnType<typeof actionsOf>): boolean;
  /** A blocking problem of this row (Enter goes to it). */
  error?: string | undefined;
  /** Shown in full below the list while the row is focused (disk rows are long). */
  detail?: string;
}

function cycle<T>(list: readonly T[], cur: T, step: number): T {
  const i = list.indexOf(cur);
  return list[(i + step + list.length) % list.length]!;
}

function diskNote(d: DiskRow, usedBy?: string): string {
  if (!d.id) return 'no stable /dev/disk/by-id name: cannot be used';
  if (usedBy) return `used by the ${usedBy}`;
  if (d.disk.eligible) return 'empty';
  return d.choice.wipe
    ? `WIPE acknowledged: ${d.disk.reasons.join('; ')}`
    : `holds data: ${d.disk.reasons.join('; ')} (w to acknowledge wiping it)`;
}

function diskLabel(d: DiskRow): string {
  return `${d.hostName} ${d.id ?? d.disk.path} ${formatBytes(d.disk.sizeBytes)}`;
}

/** Rows of an LVM disk list (TopoLVM or Cinder LVM): Space selects, w acknowledges a wipe. */
function lvmRows(state: WizardState, list: LvmList, dispatch: (a: WizardAction) => void): Row[] {
  const other: LvmList = list === 'topolvm' ? 'cinderLvm' : 'topolvm';
  const otherActive = lvmListActive(state, other);
  return lvmDiskRows(state, list).map((d) => {
    const usedBy =
      otherActive && d.id && lvmChosen(state, other, d.hostKey, d.id)
        ? LIST_TITLE[other]
        : undefined;
    // A disk kept from a saved profile that now holds data still needs the acknowledgement.
    const blocked = d.choice.selected && !d.disk.eligible && !d.choice.wipe;
    return {
      id: `${list}:${d.hostKey}:${d.disk.path}`,
      lines: 1,
      detail: `${diskNote(d, usedBy)} · ${d.hostName} ${d.id ?? d.disk.path}`,
      error: blocked
        ? `${d.hostName} ${d.id}: holds data; acknowledge wiping it (w) or drop it (Space)`
        : undefined,
      render: (focused) => (
        <Choice
          label={diskLabel(d)}
          focused={focused}
          checked={d.choice.selected}
          disabled={!d.id || usedBy !== undefined || (!d.disk.eligible && !d.choice.wipe)}
          note={diskNote(d, usedBy)}
        />
      ),
      onKey: (_e, a) => {
        if (!d.id) return false;
        const target = { list, hostKey: d.hostKey, diskId: d.id };
        if (a.has('toggle')) return (dispatch({ type: 'toggleLvmDisk', ...target }), true);
        if (a.has('wipe')) return (dispatch({ type: 'ackLvmWipe', ...target }), true);
        return false;
      },
    };
  });
}

export function StorageScreen() {
  const { state, validation, bodyRows } = useView();
  const { dispatch, next } = useActions();
  const [focus, setFocus] = useState(0);
  const [attempted, setAttempted] = useState(false);
  const s = state.storage;
  const backend = s.backend;

  const textRow = (field: StorageTextField): Row => {
    const value = s.text[field];
    const error = storageTextError(field, value);
    return {
      id: field,
      lines: 2,
      error,
      render: (focused) => (
        <TextField
          label={TEXT_LABEL[field].label}
          value={value}
          focused={focused}
          error={value !== '' || attempted ? error : undefined}
          hint={TEXT_LABEL[field].hint}
        />
      ),
      onKey: (e) => {
        if ((e.key.delete || e.key.backspace) && value === '') return false;
        const v = editText(value, e);
        if (v === undefined) return false;
        dispatch({ type: 'setStorageText', field, value: v });
        return true;
      },
    };
  };
  const flagRow = (flag: StorageFlag, label: string, note: string): Row => ({
    id: flag,
    lines: 1,
    render: (focused) => <Choice label={label} focused={focused} checked={s[flag]} note={note} />,
    onKey: (_e, a) =>
      a.has('toggle') ? (dispatch({ type: 'toggleStorageFlag', flag }), true) : false,
  });
  const heading = (id: string, text: ReactNode): Row => ({
    id,
    lines: 1,
    render: () => <Text bold>{text}</Text>,
  });

  const rows: Row[] = [
    {
      id: 'backend',
      lines: 1,
      render: (focused) => <Choice label={`Backend:  ◂ ${LABEL[backend]} ▸`} focused={focused} />,
      onKey: (_e, a) => {
        const step = a.has('right') ? 1 : a.has('left') ? -1 : 0;
        if (step === 0) return false;
        dispatch({ type: 'setBackend', backend: cycle(STORAGE_BACKENDS, backend, step) });
        return true;
      },
    },
    {
      id: 'cinder',
      lines: 1,
      render: (focused) => (
        <Choice
          label={`Cinder:   ◂ ${s.cinder} ▸`}
          focused={focused}
          note="block volumes backend"
        />
      ),
      onKey: (_e, a) => {
        const step = a.has('right') ? 1 : a.has('left') ? -1 : 0;
        if (step === 0) return false;
        dispatch({ type: 'setCinder', cinder: cycle(CINDER_BACKENDS, s.cinder, step) });
        return true;
      },
    },
  ];

  if (backend === 'longhorn') {
    rows.push({
      id: 'replicas',
      lines: 1,
      render: (focused) => (
        <Choice label={`Replicas: ◂ ${s.longhornReplicas} ▸`} focused={focused} />
      ),
      onKey: (_e, a) => {
        const step = a.has('right') ? 1 : a.has('left') ? -1 : 0;
        if (step === 0) return false;
        dispatch({ type: 'setReplicas', replicas: s.longhornReplicas + step });
        return true;
      },
    });
  }
  if (backend === 'external-ceph') {
    rows.push({
      id: 'mons',
      lines: 2,
      render: (focused) => (
        <TextField
          label="Monitor hosts"
          value={s.externalMonHosts}
          focused={focused}
          placeholder="10.0.0.5:6789, 10.0.0.6:6789"
        />
      ),
      onKey: (e) => {
        if ((e.key.delete || e.key.backspace) && s.externalMonHosts === '') return false;
        const v = editText(s.externalMonHosts, e);
        if (v === undefined) return false;
        dispatch({ type: 'setExternalMons', value: v });
        return true;
      },
    });
  }
  if (backend === 'rook-ceph') {
    const sum = diskSummary(state);
    const disks = diskRows(state);
    rows.push(
      flagRow('allowFewerHosts', 'Allow fewer than 3 Ceph hosts', 'labs only'),
      heading(
        'plan',
        `Disk plan (${sum.disks} disks, ${formatBytes(sum.rawBytes)} raw, ~${formatBytes(sum.usableBytes)} usable with ${sum.replicas} replicas)`,
      ),
    );
    if (disks.length === 0) {
      rows.push(
        heading(
          'nodisks',
          <Text color="yellow">
            No Ceph storage host has disks. Give hosts the ceph_storage_nodes role on the Roles
            screen.
          </Text>,
        ),
      );
    }
    for (const d of disks) {
      rows.push({
        id: `ceph:${d.hostKey}:${d.disk.path}`,
        lines: 1,
        detail: `${diskNote(d)} · ${d.hostName} ${d.id ?? d.disk.path}`,
        render: (focused) => (
          <Choice
            label={diskLabel(d)}
            focused={focused}
            checked={d.choice.selected}
            disabled={!d.id || (!d.disk.eligible && !d.choice.wipe)}
            note={diskNote(d)}
          />
        ),
        onKey: (_e, a) => {
          if (!d.id) return false;
          if (a.has('toggle'))
            return (dispatch({ type: 'toggleDisk', hostKey: d.hostKey, diskId: d.id }), true);
          if (a.has('wipe'))
            return (dispatch({ type: 'ackWipe', hostKey: d.hostKey, diskId: d.id }), true);
          return false;
        },
      });
    }
  }
  const lvmSection = (list: LvmList) => {
    const disks = lvmRows(state, list, dispatch);
    const chosen = lvmDiskRows(state, list).filter((r) => r.choice.selected);
    const bytes = chosen.reduce((n, r) => n + (r.disk.sizeBytes ?? 0), 0);
    rows.push(
      heading(
        `${list}:title`,
        `${LIST_TITLE[list]} (${chosen.length} chosen, ${formatBytes(bytes)}; Space picks, w acknowledges wiping)`,
      ),
    );
    if (disks.length === 0) {
      rows.push(
        heading(
          `${list}:none`,
          <Text color="yellow">
            {list === 'cinderLvm'
              ? 'No cinder storage host with discovered disks (Roles screen: cinder_storage_nodes).'
              : 'No discovered host has disks to offer.'}
          </Text>,
        ),
      );
    }
    rows.push(...disks);
    for (const id of lvmDisksNotFound(state, list)) {
      rows.push(
        heading(
          `${list}:missing:${id}`,
          <Text color="yellow">
            {safeText(id)}: saved, not found on the discovered hosts (kept)
          </Text>,
        ),
      );
    }
  };
  if (backend === 'topolvm') {
    rows.push(textRow('topolvmVolumeGroup'));
    lvmSection('topolvm');
  }
  if (s.cinder === 'lvm') {
    rows.push(textRow('cinderLvmVolumeGroup'), textRow('cinderLvmBackendName'));
    lvmSection('cinderLvm');
  }
  if (s.cinder === 'netapp') {
    rows.push(
      textRow('netappBackendName'),
      flagRow('netappMultipath', 'NetApp iSCSI multipath', 'storage_network_multipath'),
      flagRow('netappSsl', 'NetApp storage SSL', 'cinder_enable_storage_ssl'),
    );
  }

  // Headings are not focusable: the cursor moves over the rows that take keys.
  const focusable = rows.flatMap((r, i) => (r.onKey ? [i] : []));
  const cur = Math.min(focus, focusable.length - 1);
  const focusedIndex = focusable[cur] ?? 0;

  useKeys((e) => {
    const a = actionsOf(e, 'storage');
    if (a.has('up')) return (setFocus(Math.max(0, cur - 1)), true);
    if (a.has('down')) return (setFocus(Math.min(focusable.length - 1, cur + 1)), true);
    if (a.has('next')) {
      setAttempted(true);
      const bad = rows.findIndex((r) => r.error !== undefined);
      if (bad >= 0) {
        const f = focusable.indexOf(bad);
        if (f >= 0) setFocus(f);
        return true;
      }
      if (
        !validation.findings.some(
          (f) =>
            f.severity === 'error' && (f.path.startsWith('storage') || f.path.includes('osdDisks')),
        )
      )
        next();
      return true;
    }
    return rows[focusedIndex]?.onKey?.(e, a) ?? false;
  });

  // Hosts whose disks could not be listed: said once, their saved disks are kept.
  const unknown = hostsWithoutFacts(state);
  const findings = validation.findings.filter(
    (f) => (f.path.startsWith('storage') || f.path.includes('osdDisks')) && f.severity !== 'info',
  );
  const rowError = rows[focusedIndex]?.error ?? rows.find((r) => r.error)?.error;
  const detail = rows[focusedIndex]?.detail;
  const footLines =
    (unknown.length > 0 ? 1 : 0) +
    Math.min(3, findings.length) +
    (rowError ? 1 : 0) +
    (detail ? 1 : 0);
  // Keep the focused row in view: a window of rows that fits above the notes.
  const room = Math.max(3, bodyRows - footLines);
  let start = 0;
  let used = 0;
  for (let i = focusedIndex; i >= 0; i--) {
    if (used + rows[i]!.lines > room) break;
    used += rows[i]!.lines;
    start = i;
  }
  const shown: Row[] = [];
  used = 0;
  for (let i = start; i < rows.length && used + rows[i]!.lines <= room; i++) {
    shown.push(rows[i]!);
    used += rows[i]!.lines;
  }
  return (
    <Box flexDirection="column">
      {shown.map((r) => (
        <Box key={r.id} flexDirection="column">
          {r.render(rows.indexOf(r) === focusedIndex)}
        </Box>
      ))}
      {detail ? (
        <Text color="cyan" wrap="truncate">
          {safeText(detail)}
        </Text>
      ) : null}
      <MissingFacts hosts={unknown} what="its disks are not listed; saved disks are kept" />
      {rowError && attempted ? (
        <Text color="red" wrap="truncate">
          ✗ {safeText(rowError)}
        </Text>
      ) : null}
      <Findings findings={findings} max={3} />
    </Box>
  );
}
