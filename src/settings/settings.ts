// User settings kept between runs with conf: recently opened or saved profiles, and the SSH
// defaults last used in the wizard. Tests point `cwd` at a temporary directory.
import Conf from 'conf';

export interface SshDefaults {
  user: string;
  port: number;
  identityFile?: string;
  proxyJump?: string;
}

interface Store {
  recentProfiles: string[];
  ssh?: SshDefaults;
}

export const MAX_RECENT = 10;

export interface Settings {
  recentProfiles(): string[];
  addRecentProfile(path: string): void;
  sshDefaults(): SshDefaults | undefined;
  setSshDefaults(ssh: SshDefaults): void;
}

export function openSettings(opts: { cwd?: string } = {}): Settings {
  const conf = new Conf<Store>({
    projectName: 'genestack-installer',
    projectSuffix: '',
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    defaults: { recentProfiles: [] },
  });
  return {
    recentProfiles: () => conf.get('recentProfiles', []),
    addRecentProfile(p) {
      const list = [p, ...conf.get('recentProfiles', []).filter((x) => x !== p)].slice(
        0,
        MAX_RECENT,
      );
      conf.set('recentProfiles', list);
    },
    sshDefaults: () => conf.get('ssh'),
    setSshDefaults(ssh) {
      conf.set('ssh', ssh);
    },
  };
}

/** Settings that forget everything: used when the store cannot be opened. */
export function memorySettings(): Settings {
  let recent: string[] = [];
  let ssh: SshDefaults | undefined;
  return {
    recentProfiles: () => recent,
    addRecentProfile(p) {
      recent = [p, ...recent.filter((x) => x !== p)].slice(0, MAX_RECENT);
    },
    sshDefaults: () => ssh,
    setSshDefaults(s) {
      ssh = s;
    },
  };
}
