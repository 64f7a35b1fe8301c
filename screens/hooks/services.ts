// Everything the wizard's screens need from the outside world, behind one interface: hooks
// call these, screens never spawn processes or touch files. The real implementation wraps
// src/ services; tests pass their own temp dirs (and may replace discovery).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
// Modules only an action needs (discovery's SSH runs, profile load and save, the config
// files) are imported when it runs, so the home screen's first frame does not wait for them
// (docs/benchmarks.md, Startup).
import type {
  DiscoveryEvent,
  HostKeyInfo,
  HostTarget,
  Requirements,
  SshOptions,
} from '../../src/discovery/index';
import { sshOptionsFromProfile } from '../../src/discovery/ssh';
import type { PlannedWrite, AppliedWrite } from '../../src/genestack/apply';
import type { ResolvedProfile } from '../../src/profile/normalize';
import type { Profile } from '../../src/profile/schema';
import type { LoadResult } from '../../src/profile/load';
import { engineAlive } from '../../src/engine/alive';
import { listRunIds, resolveStateDir, runDirOf } from '../../src/engine/stateDir';
import type { Settings } from '../../src/settings/settings';
import type { SshAnswers } from '../../src/state/wizard';

export interface PlanPreview {
  phases: { id: string; title: string; skipped?: string }[];
}

export interface WizardServices {
  settings: Settings;
  stateDir: string;
  /** Default folder for saved profiles: <state dir>/profiles. */
  profilesDir: string;
  /** The hardware requirements of each role (parsed on first use). */
  requirements(): Requirements;
  parseHosts(text: string): HostTarget[];
  importInventory(file: string): Promise<HostTarget[]>;
  discover(
    targets: readonly HostTarget[],
    ssh: SshOptions,
    signal: AbortSignal,
  ): AsyncIterable<DiscoveryEvent>;
  acceptHostKeys(
    target: HostTarget,
    keys: readonly HostKeyInfo[],
    ssh: SshOptions,
  ): Promise<string>;
  loadProfile(file: string): Promise<LoadResult>;
  saveProfile(profile: Profile, file: string): Promise<{ profilePath: string; schemaPath: string }>;
  planConfig(profile: ResolvedProfile, profilePath: string): Promise<PlannedWrite[]>;
  writeConfig(plan: readonly PlannedWrite[]): Promise<AppliedWrite[]>;
  planPreview(profile: ResolvedProfile): PlanPreview;
  /** Run ids, newest first; with `inProgress`, only runs whose engine is alive. */
  listRuns(inProgress?: boolean): string[];
  /**
   * True when the synchronous members (requirements, parseHosts, planPreview) can be used, else
   * a promise of that: the real services load their code after the first frame. Absent: ready.
   */
  ready?(): true | Promise<void>;
}

export function sshOptionsFrom(a: SshAnswers, extra: Partial<SshOptions> = {}): SshOptions {
  const port = Number(a.port);
  return {
    ...sshOptionsFromProfile({
      user: a.user || undefined,
      port: Number.isInteger(port) ? port : undefined,
      identityFile: a.identityFile || undefined,
      proxyJump: a.proxyJump || undefined,
    }),
    ...extra,
  };
}

export interface RealServicesOptions {
  settings: Settings;
  env?: NodeJS.ProcessEnv;
  /** Extra ssh options (tests: a known_hosts file). */
  ssh?: Partial<SshOptions>;
}

type Core = typeof import('./servicesCore');

export function realServices(opts: RealServicesOptions): WizardServices {
  const stateDir = resolveStateDir({ env: opts.env ?? process.env });
  let core: Core | null = null;
  let loading: Promise<void> | null = null;
  const needCore = (): Core => {
    if (!core) throw new Error('internal error: a wizard service was used before ready() resolved');
    return core;
  };
  const ready = (): true | Promise<void> =>
    core !== null ||
    (loading ??= import('./servicesCore').then((m) => {
      core = m;
    }));
  return {
    ready,
    settings: opts.settings,
    stateDir,
    profilesDir: path.join(stateDir, 'profiles'),
    // Parsed on first use (the roles screen), not before the first frame.
    requirements: () => needCore().builtinRequirements(),
    parseHosts: (text) => needCore().parseHosts(text),
    async importInventory(file) {
      await ready();
      return needCore().parseInventory(await readFile(file, 'utf8'), file);
    },
    async *discover(targets, ssh, signal) {
      const [{ discoverHosts }, { PROBE_SCRIPT }] = await Promise.all([
        import('../../src/discovery/discover'),
        import('../../src/discovery/assets'),
      ]);
      yield* discoverHosts(targets, {
        probeScript: PROBE_SCRIPT,
        ssh: { ...ssh, ...opts.ssh },
        signal,
      });
    },
    async acceptHostKeys(target, keys, ssh) {
      const { recordHostKeys } = await import('../../src/discovery/ssh');
      return recordHostKeys(target, keys, { ...ssh, ...opts.ssh });
    },
    async loadProfile(file) {
      const { loadProfileFile } = await import('../../src/profile/load');
      return loadProfileFile(file);
    },
    async saveProfile(profile, file) {
      const [{ renderProfileYaml, SCHEMA_FILE_NAME }, { profileJsonSchemaText }] =
        await Promise.all([
          import('../../src/profile/save'),
          import('../../src/profile/jsonSchema'),
        ]);
      const profilePath = path.resolve(file);
      await mkdir(path.dirname(profilePath), { recursive: true });
      await writeFile(profilePath, renderProfileYaml(profile));
      const schemaPath = path.join(path.dirname(profilePath), SCHEMA_FILE_NAME);
      await writeFile(schemaPath, profileJsonSchemaText());
      opts.settings.addRecentProfile(profilePath);
      return { profilePath, schemaPath };
    },
    async planConfig(profile, profilePath) {
      const [{ planWrites }, { renderConfigFiles }] = await Promise.all([
        import('../../src/genestack/apply'),
        import('../../src/genestack/render'),
      ]);
      return planWrites(
        renderConfigFiles(profile, { profileName: profile.metadata.name, profilePath }),
        profile.genestack.configDir,
      );
    },
    async writeConfig(plan) {
      const { applyWrites } = await import('../../src/genestack/apply');
      return applyWrites(plan);
    },
    planPreview: (profile) => needCore().planPreview(profile),
    listRuns: (inProgress = false) =>
      listRunIds(stateDir).filter(
        (id) => !inProgress || engineAlive(runDirOf(stateDir, id), stateDir, id),
      ),
  };
}
