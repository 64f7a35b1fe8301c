// `deploy` as a function, with the engine run in this process instead of detached: what is
// refused before anything runs (invalid profile, unknown phase names, a held lock), the run
// folder it creates, and the exit code of the run it follows.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDeploy } from '../../src/commands/deploy';
import { runStatus } from '../../src/commands/runs';
import type { CommandIO } from '../../src/commands/io';
import { runEngine } from '../../src/engine/engine';
import { acquireLock } from '../../src/engine/lock';
import { EXIT } from '../../src/exitCodes';

let dir: string;
let out: string;
let err: string;
const io: CommandIO = {
  out: (t) => void (out += t),
  err: (t) => void (err += t),
  isTTY: false,
  confirm: async () => false,
};

const CATALOG = `
apiVersion: genestack-installer/v1
kind: PhaseCatalog
metadata: { name: unit }
defaults: { expectedSeconds: 1, softTimeoutSeconds: 10, hardTimeoutSeconds: 20 }
phases:
  - { id: one, title: One, group: host-preparation, kind: command, run: { argv: ['true'], cwd: / } }
  - id: two
    title: Two
    group: kubernetes
    kind: command
    run: { argv: [sh, -c, 'echo "two says $GATEWAY_DOMAIN"; exit \${EXIT_WITH:-0}'], cwd: / }
    needs: [one]
`;

function profileText(configDir: string): string {
  return `apiVersion: genestack-installer/v1
kind: Profile
metadata: { name: unit }
topology: hyperconverged
hosts:
  - { name: a.example.com, address: 10.0.0.11 }
network:
  managementInterface: eth0
  providerInterface: eth1
  managementCidr: 10.0.0.0/24
  metallb: { primary: [10.0.0.200-10.0.0.210], gatewayVip: 10.0.0.250 }
  gateway: { domain: unit.example.com }
storage: { backend: longhorn }
genestack: { configDir: ${configDir} }
`;
}

/** Runs the engine in this process, as `__engine` would in a detached one. */
const inProcess = (env: NodeJS.ProcessEnv) => async (runDir: string) => {
  void runEngine(runDir, { launchedVia: 'foreground', env });
  return { kind: 'foreground' as const };
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gsi-deploy-unit-'));
  out = '';
  err = '';
  writeFileSync(join(dir, 'catalog.yaml'), CATALOG);
  writeFileSync(join(dir, 'profile.yaml'), profileText(join(dir, 'etc')));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const opts = () => ({ catalog: join(dir, 'catalog.yaml'), stateDir: join(dir, 'state') });

describe('deploy', () => {
  it('refuses an invalid profile with exit 1 and creates nothing', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: genestack-installer/v1\nkind: Profile\n');
    const code = await runDeploy(join(dir, 'bad.yaml'), opts(), io);
    expect(code).toBe(EXIT.invalid);
    expect(err).toMatch(/invalid .*nothing was deployed/);
    expect(existsSync(join(dir, 'state'))).toBe(false);
  });

  it('refuses --from/--only naming a phase that is not in the plan (exit 2)', async () => {
    await expect(
      runDeploy(join(dir, 'profile.yaml'), { ...opts(), from: 'tow' }, io),
    ).rejects.toMatchObject({
      exitCode: EXIT.usage,
      message: expect.stringMatching(/no phase "tow" in the plan/),
    });
  });

  it('refuses while another live run holds the lock (exit 9)', async () => {
    acquireLock(
      join(dir, 'state', 'engine.lock'),
      {
        pid: process.pid,
        procStart: null,
        user: 'op',
        host: 'bastion',
        startedAt: '2026-11-26T22:10:00.000Z',
        runId: '20261126-221000-ab12',
      },
      'the state directory',
    );
    await expect(runDeploy(join(dir, 'profile.yaml'), opts(), io)).rejects.toMatchObject({
      exitCode: EXIT.locked,
      message: expect.stringMatching(
        /run 20261126-221000-ab12 by op@bastion, pid \d+, since 22:10 UTC/,
      ),
    });
  });

  it('creates the run, follows it to the end and exits with its code', async () => {
    const env = { ...process.env, EXIT_WITH: '0' };
    const code = await runDeploy(join(dir, 'profile.yaml'), opts(), io, {
      env,
      launch: inProcess(env),
    });
    expect(err).toBe('');
    expect(code).toBe(EXIT.ok);
    expect(out).toMatch(/start +one/);
    expect(out).toMatch(/done +two/);
    expect(out).toMatch(/run succeeded/);
    const runId = /run (\d{8}-\d{6}-[0-9a-f]{4}):/.exec(out)![1]!;
    const runDir = join(dir, 'state', 'runs', runId);
    expect(statSync(runDir).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(runDir, 'logs', 'two.log'), 'utf8')).toContain(
      'two says unit.example.com',
    );
    const rec = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
    expect(rec).toMatchObject({ runId, profileName: 'unit', options: { yes: false } });
    expect(rec.engine.pid).toBe(process.pid);

    out = '';
    expect(await runStatus(runId, { json: true, stateDir: join(dir, 'state') }, io)).toBe(0);
    const s = JSON.parse(out);
    expect(s).toMatchObject({ runId, state: 'succeeded', exitCode: 0 });
    expect(s.phases.map((p: { id: string; status: string }) => [p.id, p.status])).toEqual([
      ['one', 'succeeded'],
      ['two', 'succeeded'],
    ]);
  });

  it('exits 6 when a phase fails, with the resume command, and --json prints events', async () => {
    const env = { ...process.env, EXIT_WITH: '5' };
    const code = await runDeploy(join(dir, 'profile.yaml'), { ...opts(), json: true }, io, {
      env,
      launch: inProcess(env),
    });
    expect(code).toBe(EXIT.phaseFailed);
    const events = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.at(-1)).toMatchObject({ type: 'run-finished', status: 'failed' });
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'phase-finished',
        phaseId: 'two',
        status: 'failed',
        exitCode: 5,
      }),
    );
  });
});
