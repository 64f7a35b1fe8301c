import { useState } from 'react';
import { Box, Text } from 'ink';
import { Choice } from '../components/Choice';
import { TextField } from '../components/TextField';
import { Findings } from '../components/Findings';
import { formatBytes } from '../src/discovery/eligibility';
import { CINDER_BACKENDS, STORAGE_BACKENDS, type StorageBackend } from '../src/profile/schema';
import { diskRows, diskSummary } from '../src/state/wizard';
import { useActions, useView } from './context';
import { useKeys } from './keyRouter';
import { actionsOf } from './keymap';
import { editText } from './hooks/editText';

const LABEL: Record<StorageBackend, string> = {
  longhorn: 'Longhorn (replicated local disks)',
  'rook-ceph': 'Rook/Ceph (Ceph on whole disks)',
  'external-ceph': 'External Ceph (an existing cluster)',
  topolvm: 'TopoLVM (local LVM volumes)',
};

export function StorageScreen() {
  const { state, validation, bodyRows } = useView();
  const { dispatch, next } = useActions();
  const [row, setRow] = useState(0);
  const backend = state.storage.backend;
  const disks = backend === 'rook-ceph' ? diskRows(state) : [];
  // rows: 0 backend, 1 cinder, 2.. backend details
  const detailCount =
    backend === 'rook-ceph'
      ? disks.length
      : backend === 'longhorn' || backend === 'external-ceph'
        ? 1
        : 0;
  const maxRow = 1 + detailCount;

  useKeys((e) => {
    const a = actionsOf(e, 'storage');
    if (a.has('up')) return (setRow((r) => Math.max(0, r - 1)), true);
    if (a.has('down')) return (setRow((r) => Math.min(maxRow, r + 1)), true);
    const step = a.has('right') ? 1 : a.has('left') ? -1 : 0;
    if (step !== 0 && row === 0) {
      const i = STORAGE_BACKENDS.indexOf(backend);
      dispatch({
        type: 'setBackend',
        backend: STORAGE_BACKENDS[(i + step + STORAGE_BACKENDS.length) % STORAGE_BACKENDS.length]!,
      });
      return true;
    }
    if (step !== 0 && row === 1) {
      const i = CINDER_BACKENDS.indexOf(state.storage.cinder);
      dispatch({
        type: 'setCinder',
        cinder: CINDER_BACKENDS[(i + step + CINDER_BACKENDS.length) % CINDER_BACKENDS.length]!,
      });
      return true;
    }
    if (step !== 0 && row === 2 && backend === 'longhorn') {
      dispatch({ type: 'setReplicas', replicas: state.storage.longhornReplicas + step });
      return true;
    }
    const disk = backend === 'rook-ceph' ? disks[row - 2] : undefined;
    if (disk?.id && a.has('toggle'))
      return (dispatch({ type: 'toggleDisk', hostKey: disk.hostKey, diskId: disk.id }), true);
    if (disk?.id && a.has('wipe'))
      return (dispatch({ type: 'ackWipe', hostKey: disk.hostKey, diskId: disk.id }), true);
    if (a.has('next')) {
      if (
        !validation.findings.some(
          (f) =>
            f.severity === 'error' && (f.path.startsWith('storage') || f.path.includes('osdDisks')),
        )
      )
        next();
      return true;
    }
    if (backend === 'external-ceph' && row === 2) {
      if ((e.key.delete || e.key.backspace) && state.storage.externalMonHosts === '') return false;
      const v = editText(state.storage.externalMonHosts, e);
      if (v !== undefined) return (dispatch({ type: 'setExternalMons', value: v }), true);
    }
    return false;
  });

  const sum = diskSummary(state);
  const findings = validation.findings.filter(
    (f) => (f.path.startsWith('storage') || f.path.includes('osdDisks')) && f.severity !== 'info',
  );
  const diskVisible = Math.max(1, bodyRows - 8);
  const dStart = Math.max(0, Math.min(row - 2 - diskVisible + 1, disks.length - diskVisible));
  return (
    <Box flexDirection="column">
      <Choice label={`Backend:  ◂ ${LABEL[backend]} ▸`} focused={row === 0} />
      <Choice
        label={`Cinder:   ◂ ${state.storage.cinder} ▸`}
        focused={row === 1}
        note="block volumes backend"
      />
      {backend === 'longhorn' ? (
        <Choice label={`Replicas: ◂ ${state.storage.longhornReplicas} ▸`} focused={row === 2} />
      ) : null}
      {backend === 'external-ceph' ? (
        <TextField
          label="Monitor hosts"
          value={state.storage.externalMonHosts}
          focused={row === 2}
          placeholder="10.0.0.5:6789, 10.0.0.6:6789"
        />
      ) : null}
      {backend === 'rook-ceph' ? (
        <>
          <Text bold>
            Disk plan ({sum.disks} disks, {formatBytes(sum.rawBytes)} raw, ~
            {formatBytes(sum.usableBytes)} usable with {sum.replicas} replicas)
          </Text>
          {disks.length === 0 ? (
            <Text color="yellow">
              No Ceph storage host has disks. Give hosts the ceph_storage_nodes role on the Roles
              screen.
            </Text>
          ) : null}
          {disks.slice(dStart, dStart + diskVisible).map((d, vi) => {
            const i = dStart + vi;
            const why = d.disk.eligible
              ? 'empty'
              : d.choice.wipe
                ? `WIPE acknowledged: ${d.disk.reasons.join('; ')}`
                : `holds data: ${d.disk.reasons.join('; ')} (w to acknowledge wiping it)`;
            return (
              <Choice
                key={`${d.hostKey}:${d.disk.path}`}
                label={`${d.hostName} ${d.id ?? d.disk.path} ${formatBytes(d.disk.sizeBytes)}`}
                focused={row === i + 2}
                checked={d.choice.selected}
                disabled={!d.id || (!d.disk.eligible && !d.choice.wipe)}
                note={d.id ? why : 'no stable /dev/disk/by-id name: cannot be used'}
              />
            );
          })}
        </>
      ) : null}
      <Findings findings={findings} max={3} />
    </Box>
  );
}
