import { useMemo, useState } from 'react';
import { Box, Text } from 'ink';
import path from 'node:path';
import { TextField } from '../components/TextField';
import { formatBytes } from '../src/discovery/eligibility';
import { OPENSTACK_SERVICES } from '../src/profile/vocabulary';
import type { PlannedWrite } from '../src/genestack/apply';
import { diskSummary, draftProfile, type WizardState, type Validation } from '../src/state/wizard';
import { useActions, useView } from './context';
import type { WizardServices } from './hooks/services';
import { useKeys } from './keyRouter';
import { actionsOf } from './keymap';
import { editText } from './hooks/editText';
import { safeText } from '../src/terminal/sanitize';

type Line = { text: string; color?: string; bold?: boolean };

function reviewLines(state: WizardState, v: Validation, services: WizardServices): Line[] {
  const d = draftProfile(state);
  const out: Line[] = [];
  const h = (t: string) => out.push({ text: t, bold: true });
  const l = (t: string, color?: string) => out.push(color ? { text: t, color } : { text: t });
  const errors = v.findings.filter((f) => f.severity === 'error');
  const warnings = v.findings.filter((f) => f.severity === 'warning');
  h(
    errors.length
      ? `✗ ${errors.length} error(s), ${warnings.length} warning(s): fix the errors before saving`
      : `✓ valid, ${warnings.length} warning(s)`,
  );
  for (const f of [...errors, ...warnings])
    l(
      `  ${f.severity === 'error' ? '✗' : '!'} ${f.path ? f.path + ': ' : ''}${f.message} (fix: ${f.fix})`,
      f.severity === 'error' ? 'red' : 'yellow',
    );
  h('Profile');
  l(
    `  name ${d.metadata.name || '(none)'} · topology ${d.topology} · ssh ${state.ssh.user}@…:${state.ssh.port}${state.ssh.identityFile ? ' key ' + state.ssh.identityFile : ''}${state.ssh.proxyJump ? ' via ' + state.ssh.proxyJump : ''}`,
  );
  const n = d.network;
  h('Network');
  l(`  management ${n.managementInterface} ${n.managementCidr} · provider ${n.providerInterface}`);
  l(`  pods ${n.podCidr} · services ${n.serviceCidr} · join ${n.joinCidr}`);
  l(
    `  MetalLB ${n.metallb.primary.join(', ')} · gateway VIP ${n.metallb.gatewayVip} · domain ${n.gateway.domain}${n.gateway.acmeEmail ? ' · ACME ' + n.gateway.acmeEmail : ''}`,
  );
  h('Storage');
  l(
    `  ${state.storage.backend} · cinder ${state.storage.cinder}${state.storage.backend === 'longhorn' ? ` · ${state.storage.longhornReplicas} replicas` : ''}`,
  );
  const st = d.storage;
  const devices = (list?: readonly unknown[]) => `${list?.length ?? 0} disk(s)`;
  if (st.topolvm)
    l(`  TopoLVM volume group ${st.topolvm.volumeGroup} on ${devices(st.topolvm.devices)}`);
  if (st.cinderLvm)
    l(
      `  Cinder LVM ${st.cinderLvm.backendName} · volume group ${st.cinderLvm.volumeGroup} on ${devices(st.cinderLvm.devices)}`,
    );
  if (st.cinderNetapp)
    l(
      `  NetApp ${st.cinderNetapp.backendName} · multipath ${st.cinderNetapp.storageNetworkMultipath ? 'on' : 'off'} · SSL ${st.cinderNetapp.enableStorageSsl ? 'on' : 'off'}`,
    );
  if (state.storage.backend === 'rook-ceph') {
    // From the draft: prefilled hosts keep their disks without being rediscovered.
    const disks = d.hosts.flatMap((x) => x.osdDisks ?? []);
    const raw = disks.reduce((n, x) => n + (typeof x === 'string' ? 0 : (x.sizeBytes ?? 0)), 0);
    const unknown = disks.some((x) => typeof x === 'string' || !x.sizeBytes);
    const { replicas } = diskSummary(state);
    l(
      `  ${disks.length} OSD disks, ${formatBytes(raw)} raw${unknown ? ' (some sizes not recorded)' : ''}, ~${formatBytes(Math.floor(raw / replicas))} usable with ${replicas} replicas`,
    );
  }
  h('OpenStack services');
  l(`  ${OPENSTACK_SERVICES.filter((s) => state.services[s]).join(', ')}`);
  h('Inventory preview');
  for (const host of d.hosts) {
    const own = host.ssh
      ? ` ssh ${host.ssh.user ?? state.ssh.user}@…:${host.ssh.port ?? state.ssh.port}`
      : '';
    l(`  ${host.name} (${host.address}${own}): ${(host.roles ?? []).join(', ')}`);
    for (const disk of host.osdDisks ?? [])
      l(`    osd ${typeof disk === 'string' ? disk : `${disk.path}${disk.wipe ? ' (wipe)' : ''}`}`);
  }
  h('Plan: the phases that will run');
  if (v.resolved) {
    try {
      const plan = services.planPreview(v.resolved);
      for (const p of plan.phases)
        l(
          `  ${p.skipped ? '–' : '•'} ${p.id} ${p.title}${p.skipped ? ` (skipped: ${p.skipped})` : ''}`,
          p.skipped ? 'gray' : undefined,
        );
    } catch (e) {
      l(`  cannot build the plan: ${(e as Error).message}`, 'red');
    }
  } else l('  (shown once the profile is valid)', 'gray');
  return out;
}

type Phase =
  | { kind: 'idle' }
  | { kind: 'working'; what: string }
  | { kind: 'confirm'; profilePath: string; plan: PlannedWrite[] }
  | { kind: 'done'; profilePath: string; configWritten: boolean; message: string }
  | { kind: 'error'; message: string };

export function ReviewScreen() {
  const { state, validation, bodyRows } = useView();
  const { dispatch, services, exit } = useActions();
  const [scroll, setScroll] = useState(0);
  const [edit, setEdit] = useState<'path' | 'configDir' | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const lines = useMemo(
    () => reviewLines(state, validation, services),
    [state, validation, services],
  );
  const [pathEdited, setPathEdited] = useState(false);
  const defaultPath = path.join(services.profilesDir, `${state.name || 'profile'}.yaml`);
  const profilePath = pathEdited ? state.profilePath : state.profilePath || defaultPath;

  const write = (p: string, plan: PlannedWrite[]) => {
    setPhase({ kind: 'working', what: 'writing the config files' });
    services
      .writeConfig(plan)
      .then((w) =>
        setPhase({
          kind: 'done',
          profilePath: p,
          configWritten: true,
          message: `saved ${p}; ${w.filter((x) => x.action !== 'unchanged').length} config files written`,
        }),
      )
      .catch((e: Error) => setPhase({ kind: 'error', message: e.message }));
  };
  const save = () => {
    if (!validation.profile || !validation.resolved) {
      setPhase({ kind: 'error', message: 'the profile has errors (listed above): fix them first' });
      return;
    }
    const resolved = validation.resolved;
    setPhase({ kind: 'working', what: 'saving the profile' });
    services
      .saveProfile(validation.profile, profilePath)
      .then(async ({ profilePath: saved }) => {
        dispatch({ type: 'setProfilePath', path: saved });
        const plan = await services.planConfig(resolved, saved);
        if (plan.some((w) => w.status === 'changed')) {
          setScroll(0);
          setPhase({ kind: 'confirm', profilePath: saved, plan });
        } else write(saved, plan);
      })
      .catch((e: Error) => setPhase({ kind: 'error', message: e.message }));
  };

  const maxScroll = Math.max(0, lines.length - (bodyRows - 4));
  useKeys((e) => {
    const a = actionsOf(e, 'review');
    if (edit) {
      if (a.has('next') || e.key.escape) return (setEdit(null), true);
      const cur = edit === 'path' ? profilePath : state.configDir;
      const v = editText(cur, e);
      if (v !== undefined) {
        dispatch(
          edit === 'path' ? { type: 'setProfilePath', path: v } : { type: 'setConfigDir', path: v },
        );
        return true;
      }
      return true;
    }
    if (phase.kind === 'confirm') {
      if (a.has('yes')) return (write(phase.profilePath, phase.plan), true);
      if (a.has('no')) {
        setPhase({
          kind: 'done',
          profilePath: phase.profilePath,
          configWritten: false,
          message: `saved ${phase.profilePath}; config files left as they were`,
        });
        return true;
      }
    }
    if (a.has('up')) return (setScroll((s) => Math.max(0, s - 1)), true);
    if (a.has('down')) return (setScroll((s) => Math.min(maxScroll, s + 1)), true);
    if (a.has('pageUp')) return (setScroll((s) => Math.max(0, s - (bodyRows - 5))), true);
    if (a.has('pageDown')) return (setScroll((s) => Math.min(maxScroll, s + (bodyRows - 5))), true);
    if (a.has('editPath')) {
      // Editing starts from the default shown, which then becomes the explicit path.
      dispatch({ type: 'setProfilePath', path: profilePath });
      setPathEdited(true);
      setEdit('path');
      return true;
    }
    if (a.has('editConfigDir')) return (setEdit('configDir'), true);
    if (a.has('save')) return (save(), true);
    if (a.has('deploy')) {
      if (phase.kind === 'done') exit({ kind: 'deploy', profilePath: phase.profilePath });
      else setPhase({ kind: 'error', message: 'save first (s), then deploy (d)' });
      return true;
    }
    if (a.has('next') && phase.kind === 'done') {
      exit({ kind: 'saved', profilePath: phase.profilePath, configWritten: phase.configWritten });
      return true;
    }
    if (a.has('next')) return (save(), true);
    return false;
  });

  const pane = Math.max(1, bodyRows - 4);
  const diffLines =
    phase.kind === 'confirm'
      ? phase.plan.filter((w) => w.status === 'changed').flatMap((w) => (w.diff ?? '').split('\n'))
      : [];
  return (
    <Box flexDirection="column">
      {phase.kind === 'confirm' ? (
        <>
          <Text color="yellow">
            These files exist and differ. y replaces them (a backup is kept), n leaves them:
          </Text>
          {diffLines.slice(scroll, scroll + pane).map((t, i) => (
            <Text
              key={i}
              wrap="truncate"
              color={t.startsWith('+') ? 'green' : t.startsWith('-') ? 'red' : undefined}
            >
              {safeText(t)}
            </Text>
          ))}
        </>
      ) : (
        lines.slice(Math.min(scroll, maxScroll), Math.min(scroll, maxScroll) + pane).map((t, i) => (
          <Text
            key={i}
            wrap="truncate"
            bold={t.bold ?? false}
            {...(t.color ? { color: t.color } : {})}
          >
            {/* host names, facts and profile strings: never raw on the terminal */}
            {safeText(t.text)}
          </Text>
        ))
      )}
      <TextField label="Profile file" value={profilePath} focused={edit === 'path'} width={14} />
      <TextField
        label="Config folder"
        value={state.configDir}
        focused={edit === 'configDir'}
        width={14}
      />
      <Text
        wrap="truncate"
        {...(phase.kind === 'error'
          ? { color: 'red' }
          : phase.kind === 'done'
            ? { color: 'green' }
            : {})}
      >
        {phase.kind === 'idle'
          ? 's saves the profile and writes the config files'
          : phase.kind === 'working'
            ? `${phase.what}…`
            : phase.kind === 'confirm'
              ? 'y replace · n keep'
              : phase.kind === 'done'
                ? `✓ ${phase.message}. d deploys now; Enter exits with the commands to deploy later`
                : `✗ ${safeText(phase.message)}`}
      </Text>
    </Box>
  );
}
