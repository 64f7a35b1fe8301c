// The world of the end-to-end tests (test/e2e): the built bundle in a real pseudo-terminal,
// as an operator runs it on a bastion, against a fleet of real sshd on 127.0.0.x with the
// system's ssh and ansible-playbook.
//
// What an operator's machine has that a test must not touch is given to the child instead:
// - HOME, XDG_CONFIG_HOME and the state directory are temporary folders;
// - `ssh` on PATH is the system ssh with a config file of its own (`ssh -F`), whose only line is
//   the known_hosts file: ssh reads ~/.ssh from the passwd entry, not from $HOME, and the
//   wizard's "accept this host key" must write somewhere the test owns. The same config then
//   serves the deploy's ansible-playbook (it runs `ssh` from PATH), so the keys accepted in the
//   wizard are the keys the deployment trusts, as on a real bastion.
//
// One adaptation, as in test/screens/walk.test.tsx: this container has no spare network
// interface (eth0 carries the address and the default route), so no host could offer an OVN
// provider interface. The fleet's sshd runs the discovery probe (`sh -s`) through a filter that
// adds one physical, up, address-less NIC `ens9` to the probe's output; every other SSH command
// (ansible's included) runs as asked. Everything else the wizard shows comes from the real probe.
import { expect } from 'vitest';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { killLeftovers } from '../integration/engineHarness';
import { runCli, type CliResult } from './cli';
import { runInPty, type PtyRun } from './pty';
import { startSshFleet, type SshFleet } from './sshFleet';

export const E2E_CATALOGS = fileURLToPath(new URL('../fixtures/catalogs/e2e', import.meta.url));
const ENGINE_CATALOGS = fileURLToPath(new URL('../fixtures/catalogs/engine', import.meta.url));

export const ENTER_ALT = '\x1b[?1049h';
export const LEAVE_ALT = '\x1b[?1049l';
export const SHOW_CURSOR = '\x1b[?25h';

// `ip -j -d addr show` entry and /sys/class/net line of the spare NIC (probe.sh's formats).
const SPARE_IP_JSON =
  '{"ifindex":99,"ifname":"ens9","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,' +
  '"operstate":"UP","link_type":"ether","address":"52:54:00:00:00:09","addr_info":[]}';
const SPARE_SYS_LINE =
  'ens9 speed=10000 mtu=1500 operstate=up address=52:54:00:00:00:09 master= physical=yes';

function spareNicAwk(): string {
  return [
    `/^==> gsi:/ { sec = $0; print; if (sec == "==> gsi:net-sys <==") print "${SPARE_SYS_LINE}"; next }`,
    `sec == "==> gsi:ip-addr <==" && /^\\[.*\\]$/ { sub(/\\]$/, ",${SPARE_IP_JSON.replace(/"/g, '\\"')}]") }`,
    '{ print }',
    '',
  ].join('\n');
}

// sshd runs a ForceCommand instead of what the client asked; SSH_ORIGINAL_COMMAND is that.
function forceCommandScript(awkFile: string): string {
  return [
    '# ForceCommand of the e2e fleet: the discovery probe gets one more NIC (see e2eWorld.ts).',
    'case "$SSH_ORIGINAL_COMMAND" in',
    `  "sh -s") sh -s | awk -f ${awkFile} ;;`,
    '  internal-sftp) exec /usr/lib/openssh/sftp-server ;;',
    '  "") exec sh ;;',
    '  *) exec /bin/sh -c "$SSH_ORIGINAL_COMMAND" ;;',
    'esac',
    '',
  ].join('\n');
}

export interface E2eWorld {
  fleet: SshFleet;
  dir: string;
  stateDir: string;
  configDir: string;
  /** Copy of test/fixtures/catalogs/e2e (plus engine/dashboard.yaml), with marks/. */
  catalogDir: string;
  /** The known_hosts file the child's ssh uses (empty at start unless trusted). */
  knownHosts: string;
  /** The child's environment (pty and CLI). */
  env: Record<string, string>;
  catalog(name: string): string;
  /** Touch marks/NAME (the catalogs' playbooks and commands wait on or read them). */
  mark(name: string): void;
  marks(name: string): number;
  /** Record every fleet host key in the child's known_hosts (tests that skip the wizard). */
  trustFleet(): void;
  /** A profile of the fleet's hosts, written as an operator would (tests that skip the wizard). */
  writeProfile(name: string): string;
  /** The bundle in a pseudo-terminal, 120x40 unless told. */
  pty(
    args: string[],
    extra?: Record<string, string>,
    size?: { cols: number; rows: number },
  ): PtyRun;
  cli(args: string[], extra?: Record<string, string>): Promise<CliResult>;
  runIds(): string[];
  runDir(runId: string): string;
  /** The run that appears after `before`. */
  waitForNewRun(before: string[], timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

export async function startE2eWorld(opts: {
  hosts: number;
  firstOctet: number;
}): Promise<E2eWorld> {
  const dir = mkdtempSync(path.join(tmpdir(), 'gsi-e2e-'));
  const awkFile = path.join(dir, 'spare-nic.awk');
  writeFileSync(awkFile, spareNicAwk());
  const forceFile = path.join(dir, 'force-command.sh');
  writeFileSync(forceFile, forceCommandScript(awkFile));
  const fleet = await startSshFleet({
    count: opts.hosts,
    firstOctet: opts.firstOctet,
    hostOptions: () => ({ forceCommand: `sh ${forceFile}` }),
  });

  const home = path.join(dir, 'home');
  const bin = path.join(dir, 'bin');
  mkdirSync(home, { mode: 0o700 });
  mkdirSync(bin);
  const knownHosts = path.join(dir, 'known_hosts');
  writeFileSync(knownHosts, '', { mode: 0o600 });
  const sshConfig = path.join(dir, 'ssh_config');
  writeFileSync(sshConfig, `Host *\n  UserKnownHostsFile ${knownHosts}\n`);
  const sshWrapper = path.join(bin, 'ssh');
  writeFileSync(sshWrapper, `#!/bin/sh\nexec /usr/bin/ssh -F ${sshConfig} "$@"\n`);
  chmodSync(sshWrapper, 0o755);

  const catalogDir = path.join(dir, 'catalog');
  cpSync(E2E_CATALOGS, catalogDir, { recursive: true });
  cpSync(path.join(ENGINE_CATALOGS, 'dashboard.yaml'), path.join(catalogDir, 'dashboard.yaml'));
  mkdirSync(path.join(catalogDir, 'marks'));

  const stateDir = path.join(dir, 'state');
  const configDir = path.join(dir, 'etc-genestack');
  const env: Record<string, string> = {
    HOME: home,
    PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    XDG_CONFIG_HOME: path.join(dir, 'config'),
    GENESTACK_INSTALLER_STATE_DIR: stateDir,
    // No systemd on the test machine: forced, so every machine tests the same path.
    GENESTACK_INSTALLER_DETACH: 'setsid',
    GENESTACK_INSTALLER_KILL_GRACE_SECONDS: '2',
    ANSIBLE_LOCAL_TEMP: path.join(dir, 'ansible-tmp'),
  };

  const world: E2eWorld = {
    fleet,
    dir,
    stateDir,
    configDir,
    catalogDir,
    knownHosts,
    env,
    catalog: (name) => path.join(catalogDir, name),
    mark: (name) => writeFileSync(path.join(catalogDir, 'marks', name), 'set by the test\n'),
    marks(name) {
      try {
        return readFileSync(path.join(catalogDir, 'marks', name), 'utf8')
          .split('\n')
          .filter(Boolean).length;
      } catch {
        return 0;
      }
    },
    trustFleet() {
      writeFileSync(knownHosts, fleet.hosts.map((h) => `${h.knownHostsLine}\n`).join(''));
    },
    writeProfile(name) {
      const file = path.join(dir, `${name}.yaml`);
      const hosts = fleet.hosts
        .map(
          (h) =>
            `  - name: node-${h.address.replace(/\./g, '-')}\n    address: ${h.address}\n    ssh:\n      port: ${h.port}`,
        )
        .join('\n');
      writeFileSync(
        file,
        `apiVersion: genestack-installer/v1
kind: Profile
metadata:
  name: ${name}
topology: hyperconverged
ssh:
  user: ${fleet.user}
  identityFile: ${fleet.clientKey}
hosts:
${hosts}
network:
  managementInterface: lo
  providerInterface: ens9
  managementCidr: 127.0.0.0/8
  metallb:
    primary:
      - 127.0.200.1-127.0.200.20
    gatewayVip: 127.0.200.50
  gateway:
    domain: cloud.example.com
storage:
  backend: longhorn
genestack:
  configDir: ${configDir}
`,
      );
      return file;
    },
    pty: (args, extra = {}, size = { cols: 120, rows: 40 }) =>
      runInPty(args, { ...size, env: { ...env, ...extra } }),
    cli: (args, extra = {}) => runCli(args, { env: { ...env, ...extra } }),
    runIds() {
      try {
        return readdirSync(path.join(stateDir, 'runs')).sort();
      } catch {
        return [];
      }
    },
    runDir: (runId) => path.join(stateDir, 'runs', runId),
    async waitForNewRun(before, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const id = world.runIds().find((r) => !before.includes(r));
        if (id && existsSync(path.join(world.runDir(id), 'run.json'))) return id;
        if (Date.now() > deadline) throw new Error('no new run appeared');
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async stop() {
      // Any engine or phase a failed test left running.
      killLeftovers(world);
      await fleet.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}

/** The dashboard shows deploy.yaml's `hold` playbook running (the run waits for marks/release). */
export function waitForHoldRunning(r: PtyRun, what: string): Promise<void> {
  return r.waitFor(
    () => r.screen().includes('RUNNING') && r.screen().includes('▶ Hold on every host'),
    what,
    60_000,
  );
}

/** The dashboard shows the run succeeded with all its `phases` done. */
export function waitForSucceeded(r: PtyRun, phases: number, what: string): Promise<void> {
  return r.waitFor(
    () => r.screen().includes('SUCCEEDED') && r.screen().includes(`${phases}/${phases} phases`),
    what,
    90_000,
  );
}

/** Waits for the process in the terminal to end with `code`, then checks the terminal is restored. */
export async function expectExitRestored(r: PtyRun, code: number): Promise<void> {
  expect((await r.exited).exitCode).toBe(code);
  expect(restored(r)).toEqual({ normal: true, leftAlt: true, cursorShown: true });
}

/** The terminal is back to normal: the alternate screen left, the cursor shown, after the last entry. */
export function restored(r: PtyRun): { normal: boolean; leftAlt: boolean; cursorShown: boolean } {
  const out = r.output();
  const enter = out.lastIndexOf(ENTER_ALT);
  return {
    normal: r.term.buffer.active.type === 'normal',
    leftAlt: enter >= 0 && out.lastIndexOf(LEAVE_ALT) > enter,
    cursorShown: enter >= 0 && out.lastIndexOf(SHOW_CURSOR) > enter,
  };
}

/** `status RUN --json` through the CLI. */
export async function statusOf(
  world: E2eWorld,
  runId: string,
): Promise<{
  state: string;
  exitCode: number | null;
  phases: { id: string; status: string; attempt: number }[];
}> {
  const r = await world.cli(['status', runId, '--json']);
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(
      `status --json printed no JSON (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`,
    );
  }
}

/** Polls `status` until the run is in one of `states`. */
export async function waitForState(
  world: E2eWorld,
  runId: string,
  states: string[],
  timeoutMs = 60_000,
): Promise<Awaited<ReturnType<typeof statusOf>>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await statusOf(world, runId);
    if (states.includes(s.state)) return s;
    if (Date.now() > deadline)
      throw new Error(`run ${runId} is ${s.state}, not ${states.join('/')}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
