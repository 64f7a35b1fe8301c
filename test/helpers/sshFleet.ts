// A fleet of real sshd processes, one per "host", each bound to its own loopback address
// (127.0.0.2, 127.0.0.3, ...), for integration tests and benchmarks. Every suite that needs
// SSH targets (discovery, the deployment engine with ansible-playbook) uses this.
//
//   const fleet = await startSshFleet({ count: 3 });
//   try {
//     // ssh: fleet.sshArgs(fleet.hosts[0]) -> ['-i', key, '-p', port, '-o', ..., 'root@127.0.0.2']
//     // ansible: write fleet.ansibleInventory() to a file and pass it with -i
//   } finally {
//     await fleet.stop();
//   }
//
// - Key-only authentication: a client key (ed25519) and one host key per host are generated
//   in a private temp dir; `fleet.knownHostsFile` already trusts every host key.
// - The login user is the user running the tests (root in CI: PermitRootLogin
//   prohibit-password), with StrictModes off so temp-dir permissions do not matter.
// - Only 127.0.0.0/8 addresses are ever used. Ports are picked free per address, so two
//   fleets (or a fleet and the machine's own sshd) never collide.
// - Readiness is polled (TCP connect + SSH banner), never a fixed sleep.
// - A host can be broken on purpose: `forceCommand` (e.g. a probe that fails), stopHost()
//   (connection refused), replaceHostKey() (changed host key).
// - When sshd or the ssh tools are missing this throws, in CI and locally alike: the README's
//   test command (`npm test`) installs them. It never skips.
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export const SSHD_PATH = '/usr/sbin/sshd';

export interface FleetHostOptions {
  /** sshd ForceCommand: runs instead of whatever the client asked for. */
  forceCommand?: string;
  /** More sshd_config lines for this host. */
  extraConfig?: string[];
}

export interface StartFleetOptions {
  count: number;
  /** Last octet of the first address; hosts get 127.0.0.<first>, <first+1>, ... Default 2. */
  firstOctet?: number;
  /** Per-host settings, by index. */
  hostOptions?: (index: number) => FleetHostOptions;
  /** How many sshd to start at once (key generation and startup). Default 8. */
  startConcurrency?: number;
  /**
   * Sessions get HOME=<fleet dir>/home instead of the user's real home, so the user's shell
   * start-up files stay out of the measurements (on the development VM root's ~/.bashrc runs
   * `pyenv init`, about 0.2 s of CPU for every remote command) and tests leave nothing in the
   * real home (ansible's ~/.ansible/tmp). Default true.
   */
  isolateHome?: boolean;
}

export interface FleetHost {
  index: number;
  address: string;
  port: number;
  /** Directory of this host's config, key, pid file and log (sshd.log). */
  dir: string;
  hostKeyFile: string;
  /** `ssh-ed25519 AAAA...` */
  hostPublicKey: string;
  /** `[127.0.0.2]:40123 ssh-ed25519 AAAA...` */
  knownHostsLine: string;
  /** `SHA256:...` of the host key. */
  fingerprint: string;
  running: boolean;
}

export interface SshFleet {
  dir: string;
  user: string;
  /** Private key the client authenticates with. */
  clientKey: string;
  clientPublicKey: string;
  /** A known_hosts file with every host's current key. */
  knownHostsFile: string;
  hosts: FleetHost[];
  /** ssh arguments reaching a host (key, port, known hosts, batch mode) ending with user@address. */
  sshArgs(host: FleetHost): string[];
  /** Write a known_hosts file for some hosts (default all). */
  writeKnownHosts(file: string, hosts?: FleetHost[]): Promise<void>;
  /** YAML inventory of the hosts (names host01..), with ansible_host/port/user/key and known hosts. */
  ansibleInventory(opts?: { names?: (h: FleetHost) => string }): string;
  /** Stop one host's sshd (and its open connections): connections are then refused. */
  stopHost(index: number): Promise<void>;
  startHost(index: number): Promise<void>;
  /** Give a host a new host key and restart it: clients that knew the old key must refuse it. */
  replaceHostKey(index: number): Promise<void>;
  stop(): Promise<void>;
}

async function need(path: string, what: string): Promise<void> {
  if (existsSync(path)) return;
  throw new Error(
    `${what} not found (${path}). The SSH integration tests need openssh-server and ` +
      "openssh-client: run the README's test command, `npm test`, which installs them.",
  );
}

async function which(cmd: string): Promise<string> {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const p = join(dir, cmd);
    if (existsSync(p)) return p;
  }
  await need(`(${cmd} on PATH)`, cmd);
  return cmd;
}

async function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ host: address, port: 0, exclusive: true }, () => {
      const a = srv.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Poll until the address answers with an SSH banner; throws after timeoutMs. */
export async function waitForSsh(
  address: string,
  port: number,
  timeoutMs = 10_000,
  alive: () => boolean = () => true,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: address, port });
      let buf = '';
      const done = (v: boolean) => {
        s.destroy();
        resolve(v);
      };
      s.setTimeout(1000, () => done(false));
      s.on('data', (d) => {
        buf += d.toString('latin1');
        if (buf.startsWith('SSH-')) done(true);
      });
      s.on('error', () => done(false));
      s.on('close', () => done(buf.startsWith('SSH-')));
    });
    if (ok) return;
    if (!alive()) throw new Error(`sshd for ${address}:${port} exited during startup`);
    if (Date.now() > deadline)
      throw new Error(`sshd on ${address}:${port} did not start in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 100);
  }
}

/** Every descendant of pid (from /proc), deepest last. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      // pid (comm) state ppid ...; comm may contain spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(e));
      children.set(ppid, list);
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

// sshd runs detached (its own process group), so a test process that dies without stop()
// would leave it behind: end every listener this process started, and their sessions, on exit.
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) {
      if (child.pid === undefined) continue;
      for (const pid of [...descendants(child.pid).reverse(), child.pid]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  });
}

function accountLocked(user: string): boolean {
  try {
    const line = readFileSync('/etc/shadow', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${user}:`));
    return line?.split(':')[1]?.startsWith('!') ?? false;
  } catch {
    return false;
  }
}

async function pool<T>(n: number, items: T[], fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

export async function startSshFleet(opts: StartFleetOptions): Promise<SshFleet> {
  const first = opts.firstOctet ?? 2;
  if (opts.count < 1 || first < 2 || first + opts.count - 1 > 254) {
    throw new Error('a fleet uses 127.0.0.2 to 127.0.0.254: check count and firstOctet');
  }
  await need(SSHD_PATH, 'sshd');
  const sshKeygen = await which('ssh-keygen');
  await which('ssh');
  // sshd's privilege separation directory (normally created by the service unit).
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });

  const dir = await mkdtemp(join(tmpdir(), 'gsi-fleet-'));
  const user = userInfo().username;
  const clientKey = join(dir, 'client_ed25519');
  await exec(sshKeygen, [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    'gsi-fleet-client',
    '-f',
    clientKey,
  ]);
  const clientPublicKey = (await readFile(`${clientKey}.pub`, 'utf8')).trim();
  const authorizedKeys = join(dir, 'authorized_keys');
  await writeFile(authorizedKeys, `${clientPublicKey}\n`, { mode: 0o600 });
  const knownHostsFile = join(dir, 'known_hosts');
  await mkdir(join(dir, 'home'), { mode: 0o700 });
  const usePam = accountLocked(user) ? 'yes' : 'no';

  const procs = new Map<number, ChildProcess>();
  const hosts: FleetHost[] = [];

  const genHostKey = async (h: { dir: string; hostKeyFile: string }) => {
    await rm(h.hostKeyFile, { force: true });
    await rm(`${h.hostKeyFile}.pub`, { force: true });
    await exec(sshKeygen, ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', h.hostKeyFile]);
    const pub = (await readFile(`${h.hostKeyFile}.pub`, 'utf8'))
      .trim()
      .split(/\s+/)
      .slice(0, 2)
      .join(' ');
    const { stdout } = await exec(sshKeygen, ['-l', '-f', `${h.hostKeyFile}.pub`]);
    return { pub, fingerprint: stdout.trim().split(/\s+/)[1] ?? '' };
  };

  const writeConfig = async (h: FleetHost) => {
    const o = opts.hostOptions?.(h.index) ?? {};
    const lines = [
      `ListenAddress ${h.address}:${h.port}`,
      `HostKey ${h.hostKeyFile}`,
      `PidFile ${join(h.dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      `UsePAM ${usePam}`,
      'StrictModes no',
      'PrintMotd no',
      'PrintLastLog no',
      'UseDNS no',
      'X11Forwarding no',
      // ansible copies modules with sftp; multiplexed clients open many sessions.
      'Subsystem sftp internal-sftp',
      'MaxSessions 64',
      'MaxStartups 100:30:200',
      'LogLevel INFO',
      ...(opts.isolateHome === false ? [] : [`SetEnv HOME=${join(dir, 'home')}`]),
      ...(o.extraConfig ?? []),
    ];
    if (o.forceCommand !== undefined) lines.push(`ForceCommand ${o.forceCommand}`);
    await writeFile(join(h.dir, 'sshd_config'), lines.join('\n') + '\n');
  };

  const launch = async (h: FleetHost) => {
    for (let attempt = 0; ; attempt++) {
      await writeConfig(h);
      const log = openSync(join(h.dir, 'sshd.log'), 'a');
      const child = spawn(SSHD_PATH, ['-D', '-e', '-f', join(h.dir, 'sshd_config')], {
        stdio: ['ignore', log, log],
        detached: true,
      });
      closeSync(log);
      installExitHook();
      live.add(child);
      let exited = false;
      child.once('exit', () => {
        exited = true;
        live.delete(child);
      });
      procs.set(h.index, child);
      try {
        await waitForSsh(h.address, h.port, 10_000, () => !exited);
        h.running = true;
        return;
      } catch (e) {
        child.kill('SIGKILL');
        const text = await readFile(join(h.dir, 'sshd.log'), 'utf8').catch(() => '');
        // Someone took the port between our probe and sshd's bind: pick another.
        if (attempt < 3 && /Address already in use|Bind to port/.test(text)) {
          h.port = await freePort(h.address);
          h.knownHostsLine = `[${h.address}]:${h.port} ${h.hostPublicKey}`;
          continue;
        }
        throw new Error(
          `${(e as Error).message}\n${join(h.dir, 'sshd.log')}:\n${text.slice(-2000)}`,
        );
      }
    }
  };

  const kill = async (index: number) => {
    const child = procs.get(index);
    if (!child || child.pid === undefined) return;
    procs.delete(index);
    const h = hosts[index];
    if (h) h.running = false;
    if (child.exitCode !== null || child.signalCode !== null) return;
    // Each connection's sshd calls setsid(), so killing the listener's group is not enough:
    // end its descendants (open sessions, multiplexed masters' peers) by pid first.
    for (const pid of descendants(child.pid).reverse()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await gone;
  };

  const indexes = Array.from({ length: opts.count }, (_, i) => i);
  for (const i of indexes) {
    const address = `127.0.0.${first + i}`;
    const hdir = join(dir, `host${String(i + 1).padStart(2, '0')}`);
    hosts.push({
      index: i,
      address,
      port: 0,
      dir: hdir,
      hostKeyFile: join(hdir, 'ssh_host_ed25519_key'),
      hostPublicKey: '',
      knownHostsLine: '',
      fingerprint: '',
      running: false,
    });
  }

  const writeKnownHosts = async (file: string, which: FleetHost[] = hosts) => {
    await writeFile(file, which.map((h) => `${h.knownHostsLine}\n`).join(''), { mode: 0o600 });
  };

  const fleet: SshFleet = {
    dir,
    user,
    clientKey,
    clientPublicKey,
    knownHostsFile,
    hosts,
    sshArgs: (h) => [
      '-i',
      clientKey,
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      `UserKnownHostsFile=${knownHostsFile}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
      '-p',
      String(h.port),
      `${user}@${h.address}`,
    ],
    writeKnownHosts,
    ansibleInventory: (o) => {
      const name = o?.names ?? ((h: FleetHost) => `host${String(h.index + 1).padStart(2, '0')}`);
      const lines = ['all:', '  vars:', `    ansible_user: ${user}`];
      lines.push(`    ansible_ssh_private_key_file: ${clientKey}`);
      lines.push(
        `    ansible_ssh_common_args: "-o UserKnownHostsFile=${knownHostsFile} -o StrictHostKeyChecking=yes"`,
      );
      lines.push('  hosts:');
      for (const h of hosts) {
        lines.push(
          `    ${name(h)}:`,
          `      ansible_host: ${h.address}`,
          `      ansible_port: ${h.port}`,
        );
      }
      return lines.join('\n') + '\n';
    },
    stopHost: kill,
    startHost: async (index) => {
      const h = hosts[index];
      if (!h) throw new Error(`no host ${index}`);
      if (!h.running) await launch(h);
    },
    replaceHostKey: async (index) => {
      const h = hosts[index];
      if (!h) throw new Error(`no host ${index}`);
      await kill(index);
      const k = await genHostKey(h);
      h.hostPublicKey = k.pub;
      h.fingerprint = k.fingerprint;
      h.knownHostsLine = `[${h.address}]:${h.port} ${k.pub}`;
      await launch(h);
    },
    stop: async () => {
      await Promise.all([...procs.keys()].map(kill));
      await rm(dir, { recursive: true, force: true });
    },
  };

  try {
    await pool(opts.startConcurrency ?? 8, hosts, async (h) => {
      await mkdir(h.dir, { recursive: true });
      const k = await genHostKey(h);
      h.hostPublicKey = k.pub;
      h.fingerprint = k.fingerprint;
      h.port = await freePort(h.address);
      h.knownHostsLine = `[${h.address}]:${h.port} ${k.pub}`;
      await launch(h);
    });
    await writeKnownHosts(knownHostsFile);
  } catch (e) {
    await fleet.stop();
    throw e;
  }
  return fleet;
}
