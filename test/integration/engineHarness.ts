// Shared set-up of the engine's integration tests: a loopback sshd fleet, a copy of the engine
// test catalogs with an inventory of that fleet, a profile whose hosts are the fleet's
// addresses, a state directory, and helpers that run the built bundle and wait on journal
// conditions (never on fixed sleeps).
import { execa, type ResultPromise } from 'execa';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JournalEvent } from '../../src/journal/events';
import { followJournal, journalPath } from '../../src/journal/reader';
import { processAlive } from '../../src/engine/lock';
import { BUNDLE, REPO } from '../helpers/cli';
import { startSshFleet, type SshFleet } from '../helpers/sshFleet';

export const FIXTURES = fileURLToPath(new URL('../fixtures/catalogs/engine', import.meta.url));

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface EngineWorld {
  fleet: SshFleet;
  dir: string;
  /** The copy of test/fixtures/catalogs/engine with inventory.yml and marks/. */
  catalogDir: string;
  stateDir: string;
  configDir: string;
  profile: string;
  env: Record<string, string>;
  /** The world's private copy of the built entry (dist/genestack-installer.mjs and chunks). */
  bundle: string;
  catalog(name: string): string;
  /** Runs the bundle with --state-dir (and the test environment); waits for it. */
  cli(args: string[], env?: Record<string, string>, timeoutMs?: number): Promise<CliRun>;
  /** Starts `deploy` without waiting; the child gets its own process group, like a terminal. */
  startDeploy(args: string[], env?: Record<string, string>): ResultPromise;
  runIds(): string[];
  runDir(runId: string): string;
  /** The run that appears in the state dir after `before` (the ids that existed). */
  waitForNewRun(before: string[], timeoutMs?: number): Promise<string>;
  marks(name: string): number;
  stop(): Promise<void>;
}

export interface WorldOptions {
  hosts?: number;
  /** Extra top-level YAML for the profile (e.g. a kubeconfig path). */
  kubeconfig?: string;
}

/**
 * A copy of the built dist/ (the entry and its chunks) for this world: other suites rebuild
 * dist/ (their globalSetup), and an engine started from files being rewritten would fail to
 * load. Checked by running it.
 */
async function privateBundle(dir: string): Promise<string> {
  const copy = join(dir, 'dist', 'genestack-installer.mjs');
  for (let attempt = 1; ; attempt++) {
    let problem: string;
    try {
      cpSync(dirname(BUNDLE), join(dir, 'dist'), { recursive: true });
      const r = await execa(process.execPath, [copy, '--version'], { reject: false });
      if (r.exitCode === 0) return copy;
      problem = String(r.stderr);
    } catch (e) {
      problem = String(e);
    }
    if (attempt >= 5) throw new Error(`the bundle ${BUNDLE} does not run:\n${problem}`);
    await new Promise((res) => setTimeout(res, 1000));
  }
}

export async function startWorld(opts: WorldOptions = {}): Promise<EngineWorld> {
  const count = opts.hosts ?? 2;
  const fleet = await startSshFleet({ count });
  const dir = mkdtempSync(join(tmpdir(), 'gsi-engine-'));
  const catalogDir = join(dir, 'catalog');
  cpSync(FIXTURES, catalogDir, { recursive: true });
  mkdirSync(join(catalogDir, 'marks'));
  // The fleet's inventory (host key checking on, the fleet's known_hosts), plus the Python
  // Ansible should use without discovering it on every host.
  const inventory = fleet
    .ansibleInventory()
    .replace('  vars:\n', '  vars:\n    ansible_python_interpreter: /usr/bin/python3\n');
  writeFileSync(join(catalogDir, 'inventory.yml'), inventory);
  const bundle = await privateBundle(dir);
  const stateDir = join(dir, 'state');
  const configDir = join(dir, 'etc-genestack');
  const profile = join(dir, 'profile.yaml');
  const hosts = fleet.hosts
    .map(
      (h, i) =>
        `  - name: host${String(i + 1).padStart(2, '0')}.test.example\n    address: ${h.address}`,
    )
    .join('\n');
  writeFileSync(
    profile,
    `apiVersion: genestack-installer/v1
kind: Profile
metadata:
  name: engine-test
topology: hyperconverged
ssh:
  user: ${fleet.user}
  port: ${fleet.hosts[0]!.port}
  identityFile: ${fleet.clientKey}
hosts:
${hosts}
network:
  managementInterface: lo
  providerInterface: dummy0
  managementCidr: 127.0.0.0/8
  metallb:
    primary:
      - 127.0.0.200-127.0.0.220
    gatewayVip: 127.0.0.250
  gateway:
    domain: test.example
storage:
  backend: longhorn
genestack:
  repoDir: ${join(dir, 'repo')}
  configDir: ${configDir}
  kubeconfig: ${opts.kubeconfig ?? join(dir, 'kubeconfig')}
`,
  );
  const env: Record<string, string> = {
    NO_COLOR: '1',
    // The only host without systemd here; forced so every machine tests the same path.
    GENESTACK_INSTALLER_DETACH: 'setsid',
    GENESTACK_INSTALLER_KILL_GRACE_SECONDS: '2',
    // ansible's own temp files stay in the test folder.
    ANSIBLE_LOCAL_TEMP: join(dir, 'ansible-tmp'),
  };

  const world: EngineWorld = {
    fleet,
    dir,
    catalogDir,
    stateDir,
    configDir,
    profile,
    env,
    bundle,
    catalog: (name) => join(catalogDir, name),
    async cli(args, extra = {}, timeoutMs = 120_000) {
      const r = await execa(process.execPath, [bundle, ...args, '--state-dir', stateDir], {
        cwd: REPO,
        reject: false,
        stdin: 'ignore',
        env: { ...env, ...extra },
        timeout: timeoutMs,
      });
      return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
    },
    startDeploy(args, extra = {}) {
      return execa(
        process.execPath,
        [bundle, 'deploy', profile, ...args, '--state-dir', stateDir],
        {
          cwd: REPO,
          reject: false,
          stdin: 'ignore',
          env: { ...env, ...extra },
          detached: true,
          timeout: 120_000,
        },
      );
    },
    runIds() {
      try {
        return readdirSync(join(stateDir, 'runs')).sort();
      } catch {
        return [];
      }
    },
    runDir: (runId) => join(stateDir, 'runs', runId),
    async waitForNewRun(before, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const id = world.runIds().find((r) => !before.includes(r));
        if (id && existsSync(join(world.runDir(id), 'run.json'))) return id;
        if (Date.now() > deadline) throw new Error('no new run appeared');
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    marks(name) {
      try {
        return readFileSync(join(catalogDir, 'marks', name), 'utf8')
          .split('\n')
          .filter(Boolean).length;
      } catch {
        return 0;
      }
    },
    async stop() {
      killLeftovers(world);
      await fleet.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}

/** Kills any engine (and phase process group) a failed test left running. */
export function killLeftovers(world: Pick<EngineWorld, 'runIds' | 'runDir'>): void {
  for (const id of world.runIds()) {
    const runDir = world.runDir(id);
    try {
      const procs = join(runDir, 'procs');
      for (const f of existsSync(procs) ? readdirSync(procs) : []) {
        const { pgid } = JSON.parse(readFileSync(join(procs, f), 'utf8')) as { pgid: number };
        try {
          process.kill(-pgid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      const rec = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as {
        engine?: { pid: number; procStart: string | null };
      };
      if (rec.engine && processAlive(rec.engine.pid, rec.engine.procStart)) {
        process.kill(rec.engine.pid, 'SIGKILL');
      }
    } catch {
      // nothing to clean
    }
  }
}

/** Resolves with the first journal event matching `pred` (reading from the start). */
export async function waitForEvent(
  runDir: string,
  pred: (e: JournalEvent) => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<JournalEvent> {
  const stop = new AbortController();
  let found: JournalEvent | undefined;
  const timer = setTimeout(() => stop.abort(), timeoutMs);
  try {
    await followJournal(
      journalPath(runDir),
      0,
      (events) => {
        const hit = events.find(pred);
        if (hit && !found) {
          found = hit;
          stop.abort();
        }
      },
      stop.signal,
      { pollMs: 50 },
    );
  } finally {
    clearTimeout(timer);
  }
  if (!found) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
  return found;
}

/** Resolves once `cond()` holds, polling every 25 ms (for conditions outside the journal). */
export async function until(cond: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function statusJson(r: CliRun): {
  runId: string;
  state: string;
  failedPhase: string | null;
  phases: Array<{
    id: string;
    status: string;
    attempt: number;
    exitCode: number | null;
    durationMs: number | null;
  }>;
  [k: string]: unknown;
} {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(
      `status --json printed no JSON (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`,
    );
  }
}
