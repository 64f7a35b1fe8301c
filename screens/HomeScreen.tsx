import { useState } from 'react';
import { Box, Text } from 'ink';
import { Choice } from '../components/Choice';
import { TextField } from '../components/TextField';
import { initialWizardState, stateFromProfile } from '../src/state/wizard';
import { useActions, useView } from './context';
import { useKeys } from './keyRouter';
import { actionsOf } from './keymap';
import { editText } from './hooks/editText';

type Mode = 'menu' | 'open' | 'attach' | 'runs';

const MENU = [
  { id: 'new', label: 'Start a new guided setup' },
  { id: 'open', label: 'Open a saved profile' },
  { id: 'attach', label: 'Attach to a running deployment' },
  { id: 'runs', label: 'Browse past runs' },
] as const;

export function HomeScreen() {
  const { state, bodyRows } = useView();
  const { dispatch, services, exit } = useActions();
  const [mode, setMode] = useState<Mode>('menu');
  const [cursor, setCursor] = useState(0);
  const [path, setPath] = useState('');
  const [error, setError] = useState<string>();
  const recent = services.settings.recentProfiles();
  // Attach lists the runs whose engine is alive; past runs lists them all.
  const runs = mode === 'attach' || mode === 'runs' ? services.listRuns(mode === 'attach') : [];

  const openProfile = (file: string) => {
    services
      .loadProfile(file)
      .then((r) => {
        if (!r.parsed) {
          const first = r.findings.find((f) => f.severity === 'error');
          setError(
            `${file}: ${first ? `${first.path ? first.path + ': ' : ''}${first.message}` : 'not a profile'}`,
          );
          return;
        }
        services.settings.addRecentProfile(file);
        dispatch({ type: 'load', state: stateFromProfile(r.parsed, file, r.findings) });
      })
      .catch((e: Error) => setError(e.message));
  };

  useKeys((e) => {
    const a = actionsOf(e, 'home');
    if (mode === 'menu') {
      if (a.has('up')) return (setCursor((c) => Math.max(0, c - 1)), true);
      if (a.has('down')) return (setCursor((c) => Math.min(MENU.length - 1, c + 1)), true);
      if (a.has('next')) {
        const item = MENU[cursor]!;
        if (item.id === 'new' && (state.name || state.hostsText || state.hosts.length > 0)) {
          // Back on Home after starting: continue with the answers given so far.
          dispatch({ type: 'go', screen: 'hosts' });
        } else if (item.id === 'new') {
          const ssh = services.settings.sshDefaults();
          const fresh = initialWizardState({
            ...(ssh
              ? {
                  ssh: {
                    user: ssh.user,
                    port: String(ssh.port),
                    identityFile: ssh.identityFile ?? '',
                    proxyJump: ssh.proxyJump ?? '',
                  },
                }
              : {}),
          });
          dispatch({ type: 'load', state: { ...fresh, screen: 'hosts', history: ['home'] } });
        } else {
          setMode(item.id);
          setCursor(0);
          setError(undefined);
        }
        return true;
      }
      return false;
    }
    if (a.has('back') && !(mode === 'open' && path !== '' && (e.key.delete || e.key.backspace))) {
      setMode('menu');
      setCursor(0);
      return true;
    }
    if (mode === 'open') {
      if (a.has('up')) return (setCursor((c) => Math.max(0, c - 1)), true);
      if (a.has('down')) return (setCursor((c) => Math.min(recent.length, c + 1)), true);
      if (a.has('next')) {
        const file = cursor < recent.length ? recent[cursor]! : path.trim();
        if (file) openProfile(file);
        return true;
      }
      if (cursor === recent.length) {
        const v = editText(path, e);
        if (v !== undefined) return (setPath(v), true);
      }
      return false;
    }
    // attach / runs
    if (a.has('up')) return (setCursor((c) => Math.max(0, c - 1)), true);
    if (a.has('down'))
      return (setCursor((c) => Math.min(Math.max(0, runs.length - 1), c + 1)), true);
    if (a.has('next') && runs[cursor]) {
      exit({ kind: mode === 'attach' ? 'attach' : 'status', runId: runs[cursor]! });
      return true;
    }
    return false;
  });

  if (mode === 'menu') {
    return (
      <Box flexDirection="column">
        <Text wrap="wrap">
          Welcome. This installer walks you from a list of hosts to a saved, valid profile and
          Genestack’s config files, then offers to deploy. Nothing is changed on the hosts until you
          deploy.
        </Text>
        <Text> </Text>
        {MENU.map((m, i) => (
          <Choice key={m.id} label={m.label} focused={i === cursor} />
        ))}
        {state.profilePath ? <Text dimColor>last profile: {state.profilePath}</Text> : null}
      </Box>
    );
  }
  if (mode === 'open') {
    return (
      <Box flexDirection="column">
        <Text bold>Open a saved profile</Text>
        {recent.length === 0 ? (
          <Text dimColor>No recent profiles.</Text>
        ) : (
          <Text dimColor>Recent:</Text>
        )}
        {recent.slice(0, Math.max(1, bodyRows - 6)).map((r, i) => (
          <Choice key={r} label={r} focused={i === cursor} />
        ))}
        <TextField
          label="Path"
          value={path}
          focused={cursor === recent.length}
          placeholder="profiles/my-cloud.yaml"
          error={error}
        />
      </Box>
    );
  }
  return (
    <Box flexDirection="column">
      <Text bold>
        {mode === 'attach' ? 'Attach to a deployment' : 'Past runs'} ({services.stateDir})
      </Text>
      {runs.length === 0 ? (
        <Text dimColor>
          {mode === 'attach'
            ? 'No deployment is running. Start one with `genestack-installer deploy PROFILE`; finished runs are under Browse past runs.'
            : 'No runs yet. They appear here once `genestack-installer deploy PROFILE` has started one.'}
        </Text>
      ) : (
        runs
          .slice(0, bodyRows - 2)
          .map((r, i) => <Choice key={r} label={r} focused={i === cursor} />)
      )}
    </Box>
  );
}
