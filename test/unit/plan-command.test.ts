// `genestack-installer plan PROFILE [--json] [--catalog FILE]`, through runPlan and through
// commander, with a capturing CommandIO.
import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import type { CommandIO } from '../../src/commands/io';
import { runPlan } from '../../src/commands/plan';
import { registerPlanCommand } from '../../src/commands/register';
import { CatalogError } from '../../src/plan/catalog';

function captureIO() {
  const io = { stdout: '', stderr: '' };
  const cio: CommandIO = {
    out: (t) => void (io.stdout += t),
    err: (t) => void (io.stderr += t),
    isTTY: false,
    confirm: async () => false,
  };
  return { io, cio };
}

const HOST = { home: '/home/operator', localUser: 'operator' };
const catalogFixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/catalogs/${name}`, import.meta.url));

describe('plan, human form', () => {
  it('numbers the running phases, groups them, and lists the skipped ones with reasons', async () => {
    const { io, cio } = captureIO();
    const code = await runPlan('profiles/hyperconverged-lab.yaml', {}, cio, HOST);
    expect(code).toBe(0);
    const out = io.stdout;
    expect(out).toMatch(/^Plan for profile "hyperconverged-lab": \d+ phases run, \d+ skipped$/m);
    expect(out).toMatch(/^Host preparation$/m);
    expect(out).toMatch(/^Storage$/m);
    expect(out).toMatch(/^OpenStack$/m);
    expect(out).toMatch(/^ {3}1\. preflight: Preflight checks of every host \[builtin\]$/m);
    expect(out).toMatch(/^ {3}2\. clone-genestack: Clone Genestack \[P0, command\]$/m);
    expect(out).toContain(
      'run:    sudo git clone --recurse-submodules -j4 https://github.com/rackerlabs/genestack /opt/genestack',
    );
    expect(out).toContain('run:    /opt/genestack/bin/setup-envoy-gateway.sh -d cloud.example.com');
    expect(out).toContain('deployment kube-system/kube-ovn-controller is Available (within 5m)');
    expect(out).toContain('  GATEWAY_DOMAIN=cloud.example.com *');
    expect(out).toContain('  unset: ANSIBLE_HOST_KEY_CHECKING');
    expect(out).toContain('  PATH=/home/operator/.venvs/genestack/bin:$PATH');
    expect(out).toMatch(/^Skipped \(\d+\)$/m);
    expect(out).toContain(
      '  rook-cluster: storage.backend is longhorn, not rook-ceph (when: storage.backend == rook-ceph)',
    );
    expect(out).toContain('in parallel with the rest of openstack-services');
    expect(io.stderr).toBe('');
  });
});

describe('plan --json', () => {
  it('prints phases with id, title, argv, cwd, needs, and skipped with a reason', async () => {
    const { io, cio } = captureIO();
    expect(await runPlan('profiles/full-scale.yaml', { json: true }, cio, HOST)).toBe(0);
    const plan = JSON.parse(io.stdout) as {
      profile: string;
      catalog: { source: string };
      phases: Array<{
        id: string;
        title: string;
        argv: string[];
        cwd: string;
        needs: string[];
        skipped?: { reason: string };
      }>;
    };
    expect(plan.profile).toBe('full-scale');
    expect(plan.catalog.source).toMatch(/^built-in/);
    const keystone = plan.phases.find((p) => p.id === 'keystone')!;
    expect(keystone).toMatchObject({
      title: 'Install Keystone',
      argv: ['/opt/genestack/bin/install-keystone.sh'],
      cwd: '/opt/genestack',
    });
    expect(keystone.needs).toContain('mariadb-cluster');
    expect(plan.phases.find((p) => p.id === 'longhorn')?.skipped).toEqual({
      reason: 'storage.backend is rook-ceph, not longhorn',
      condition: 'storage.backend == longhorn',
    });
  });
});

describe('plan --catalog', () => {
  it('replaces the built-in catalog', async () => {
    const { io, cio } = captureIO();
    const file = catalogFixture('test-catalog.yaml');
    expect(
      await runPlan('profiles/hyperconverged-lab.yaml', { json: true, catalog: file }, cio, HOST),
    ).toBe(0);
    const plan = JSON.parse(io.stdout) as {
      catalog: { source: string };
      phases: Array<{ id: string }>;
    };
    expect(plan.catalog.source).toBe(file);
    expect(plan.phases.map((p) => p.id)).toEqual([
      'hello',
      'greet',
      'left',
      'right',
      'ping-playbook',
      'only-topolvm',
      'after-skipped',
    ]);
  });

  it('fails with file, line and field for a broken catalog', async () => {
    const { cio } = captureIO();
    const file = catalogFixture('broken-needs.yaml');
    const error = await runPlan(
      'profiles/hyperconverged-lab.yaml',
      { catalog: file },
      cio,
      HOST,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CatalogError);
    expect((error as CatalogError).exitCode).toBe(1);
    expect((error as Error).message).toMatch(
      new RegExp(
        `${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: phases\\[1\\]\\.needs: "greet" needs unknown phase "helo"; did you mean "hello"\\?`,
      ),
    );
  });
});

describe('an invalid profile', () => {
  it('prints the findings and exits 1 without a plan', async () => {
    const { io, cio } = captureIO();
    const code = await runPlan('test/fixtures/profiles/broken-semantics.yaml', {}, cio, HOST);
    expect(code).toBe(1);
    expect(io.stdout).toBe('');
    expect(io.stderr).toMatch(
      /^test\/fixtures\/profiles\/broken-semantics\.yaml:\d+:\d+: error: /m,
    );
    expect(io.stderr).toMatch(
      /invalid \(\d+ errors?, \d+ warnings?\); fix the profile to see its plan/,
    );
  });

  it('prints the findings as JSON with --json', async () => {
    const { io, cio } = captureIO();
    expect(
      await runPlan('test/fixtures/profiles/broken-semantics.yaml', { json: true }, cio, HOST),
    ).toBe(1);
    expect(JSON.parse(io.stdout)).toMatchObject({ valid: false });
  });
});

describe('registerPlanCommand', () => {
  it('wires `plan PROFILE --json --catalog FILE` into commander', async () => {
    const { io, cio } = captureIO();
    let exit = -1;
    const program = new Command().exitOverride();
    registerPlanCommand(program, cio, (c) => (exit = c));
    await program.parseAsync(
      [
        'plan',
        'profiles/hyperconverged-ceph.yaml',
        '--json',
        '--catalog',
        catalogFixture('test-catalog.yaml'),
      ],
      { from: 'user' },
    );
    expect(exit).toBe(0);
    expect(JSON.parse(io.stdout)).toMatchObject({ profile: 'hyperconverged-ceph' });
  });
});
