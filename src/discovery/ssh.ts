// The SSH side of discovery: the system `ssh` through execa with an argv array, so the
// operator's ~/.ssh/config, agent, keys and ProxyJump all apply. Host key checking is never
// disabled: StrictHostKeyChecking is `yes`, or `accept-new` when asked (which records an
// unknown key but still refuses a changed one). Failures are told apart from ssh's exit code
// (255 = ssh itself failed) and its stderr.
import { mkdirSync, statSync } from 'node:fs';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { homedir, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import type { FailureKind, HostKeyInfo, HostTarget } from './types';

export interface SshOptions {
  /** Default user; a target's own user (user@host, ansible_user) wins. */
  user?: string;
  /** Default port; a target's own port wins. */
  port?: number;
  identityFile?: string;
  proxyJump?: string;
  /** UserKnownHostsFile; default: ssh's own (normally ~/.ssh/known_hosts). */
  knownHostsFile?: string;
  /** StrictHostKeyChecking=accept-new: record unknown keys, still refuse changed ones. */
  acceptNewHostKeys?: boolean;
  /** ConnectTimeout, seconds. Default 10. */
  connectTimeoutSeconds?: number;
  /** ControlMaster=auto with ControlPersist, so a second look at a host reuses the connection. */
  multiplex?: boolean;
  /** Directory of the control sockets; default a private one under the system temp dir. */
  controlDir?: string;
  /** ControlPersist, seconds. Default 60. */
  controlPersistSeconds?: number;
  /** The ssh binary; default `ssh` from PATH. */
  sshBinary?: string;
}

export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;

/** The profile's `ssh:` block (src/profile/schema.ts SshSchema) as discovery options. */
export function sshOptionsFromProfile(ssh: {
  user?: string;
  port?: number;
  identityFile?: string;
  proxyJump?: string;
}): SshOptions {
  const o: SshOptions = {};
  if (ssh.user !== undefined) o.user = ssh.user;
  if (ssh.port !== undefined) o.port = ssh.port;
  if (ssh.identityFile !== undefined) o.identityFile = ssh.identityFile;
  if (ssh.proxyJump !== undefined) o.proxyJump = ssh.proxyJump;
  return o;
}
export const DEFAULT_CONTROL_PERSIST_SECONDS = 60;

// A unix socket path is at most 108 bytes. %C is 40 hex characters (a hash of local host,
// remote host, port, user and jump host), and ssh adds a 17-character random suffix while it
// creates the socket.
const SOCKET_PATH_MAX = 107;
const CONTROL_NAME_LEN = 40 + 17 + 1;

/**
 * A directory for control sockets only this user can enter. Another user able to create a
 * socket there could stand in for our connections, so ownership and mode are checked.
 */
export function defaultControlDir(): string {
  const uid = userInfo().uid;
  for (const base of [tmpdir(), '/tmp']) {
    const dir = join(base, `gsi-ssh-${uid}`);
    if (dir.length + 1 + CONTROL_NAME_LEN > SOCKET_PATH_MAX) continue;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = statSync(dir);
    if (st.uid !== uid || (st.mode & 0o077) !== 0) {
      throw new Error(
        `${dir} is not private to this user (owner ${st.uid}, mode ${(st.mode & 0o777).toString(8)}): ` +
          'remove it, or set multiplexing off',
      );
    }
    return dir;
  }
  throw new Error('no temporary directory short enough for SSH control sockets');
}

/** The destination as ssh sees it, plus -l/-p when the target or the defaults name them. */
function destination(target: HostTarget, opts: SshOptions): string[] {
  const out: string[] = [];
  const user = target.user ?? opts.user;
  const port = target.port ?? opts.port;
  if (port !== undefined) out.push('-p', String(port));
  if (user !== undefined) out.push('-l', user);
  return out;
}

/** Options shared by every ssh call for a target (probe, -G, -O exit). */
export function sshCommonArgs(target: HostTarget, opts: SshOptions): string[] {
  const a: string[] = [
    '-o',
    'BatchMode=yes',
    '-o',
    `ConnectTimeout=${opts.connectTimeoutSeconds ?? DEFAULT_CONNECT_TIMEOUT_SECONDS}`,
    '-o',
    `StrictHostKeyChecking=${opts.acceptNewHostKeys ? 'accept-new' : 'yes'}`,
  ];
  if (opts.knownHostsFile !== undefined) a.push('-o', `UserKnownHostsFile=${opts.knownHostsFile}`);
  if (opts.multiplex !== false) {
    const dir = opts.controlDir ?? defaultControlDir();
    a.push(
      '-o',
      'ControlMaster=auto',
      '-o',
      `ControlPath=${join(dir, '%C')}`,
      '-o',
      `ControlPersist=${opts.controlPersistSeconds ?? DEFAULT_CONTROL_PERSIST_SECONDS}`,
    );
  }
  if (opts.identityFile !== undefined) {
    // Only this key: an agent full of keys would otherwise hit MaxAuthTries first.
    a.push('-o', 'IdentitiesOnly=yes', '-i', opts.identityFile);
  }
  if (opts.proxyJump !== undefined) a.push('-J', opts.proxyJump);
  a.push(...destination(target, opts));
  return a;
}

/** argv of `ssh ... HOST sh -s`: the probe goes on stdin, so the login shell only sees `sh -s`. */
export function buildProbeArgv(target: HostTarget, opts: SshOptions): string[] {
  return [
    '-T',
    '-o',
    'ServerAliveInterval=15',
    '-o',
    'ServerAliveCountMax=3',
    ...sshCommonArgs(target, opts),
    '--',
    target.address,
    'sh',
    '-s',
  ];
}

// ---- classification -----------------------------------------------------------------------

export interface SshFailure {
  kind: FailureKind;
  error: string;
  fix: string;
}

export interface ClassifyInput {
  exitCode: number | undefined;
  stderr: string;
  timedOut: boolean;
  timeoutMs: number;
  /** user@host:port as shown to the user. */
  who: { host: string; user: string | null; port: number | null };
  /** The probe's output had no sections at all. */
  noOutput?: boolean;
}

function lastMeaningfulLine(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^Warning: Permanently added/.test(l) && !/^@+$/.test(l));
  return lines[lines.length - 1] ?? '';
}

/** Which known_hosts line disagrees: "Offending ED25519 key in /root/.ssh/known_hosts:3". */
export function offendingKeyLocation(stderr: string): string | null {
  const m = /Offending \S+ key in (\S+:\d+)/.exec(stderr);
  return m?.[1] ?? null;
}

/** null when the run succeeded as far as ssh is concerned. */
export function classifySshFailure(i: ClassifyInput): SshFailure | null {
  const { stderr } = i;
  const host = i.who.host;
  const port = i.who.port ?? 22;
  const userPart = i.who.user !== null ? ` as ${i.who.user}` : '';
  if (i.timedOut) {
    return {
      kind: 'timeout',
      error: `no result within ${Math.round(i.timeoutMs / 1000)} s: the connection or the probe hung`,
      fix: 'check the host is not overloaded and its disks respond (lsblk hangs on failing devices); raise --timeout',
    };
  }
  if (i.exitCode === 0 && !i.noOutput) return null;

  if (i.exitCode === 255) {
    if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/i.test(stderr)) {
      const where = offendingKeyLocation(stderr);
      const offered = /key sent by the remote host is\s+(SHA256:[A-Za-z0-9+/=]+)/.exec(stderr)?.[1];
      return {
        kind: 'hostKeyChanged',
        error: `HOST KEY CHANGED: ${host} offers a different key${offered ? ` (${offered})` : ''} than the one recorded${where ? ` in ${where}` : ''} (a reinstalled host, or an attack)`,
        fix: `if the host was reinstalled, check its new fingerprint and remove the old key with ssh-keygen -R ${port === 22 ? host : `'[${host}]:${port}'`}${where ? ` -f ${where.replace(/:\d+$/, '')}` : ''}; never bypassed`,
      };
    }
    if (
      /Host key verification failed|No \S+ host key is known|host key is not known/i.test(stderr)
    ) {
      return {
        kind: 'hostKeyUnknown',
        error: `the host key of ${host} is not known yet`,
        fix: 'compare the fingerprint with the host console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then accept it, or re-run with --accept-new-host-keys',
      };
    }
    if (/Connection refused/i.test(stderr)) {
      return {
        kind: 'connectionRefused',
        error: `connection refused on port ${port}: no SSH server is listening`,
        fix: `start sshd on ${host}, or give the right port (--port, host:port)`,
      };
    }
    if (
      /Could not resolve hostname|Name or service not known|Temporary failure in name resolution|nodename nor servname/i.test(
        stderr,
      )
    ) {
      return {
        kind: 'unreachable',
        error: `cannot resolve the name ${host}`,
        fix: 'check the name (DNS or /etc/hosts), or give the address instead',
      };
    }
    if (
      /No route to host|Network is unreachable|Connection timed out|Operation timed out|Host is down|Connection reset|Connection closed by|kex_exchange_identification/i.test(
        stderr,
      )
    ) {
      return {
        kind: 'unreachable',
        error: `${host} is unreachable: ${lastMeaningfulLine(stderr)}`,
        fix: `check the host is up and that port ${port} is open from the bastion (routing, firewall)`,
      };
    }
    if (/Permission denied|Too many authentication failures|Authentication failed/i.test(stderr)) {
      return {
        kind: 'authFailed',
        error: `authentication failed${userPart}: ${lastMeaningfulLine(stderr)}`,
        fix: `install your public key on the host (ssh-copy-id${i.who.user ? ` ${i.who.user}@${host}` : ` ${host}`}), or pass --user / --key`,
      };
    }
    return {
      kind: 'sshFailed',
      error: `ssh failed: ${lastMeaningfulLine(stderr) || 'exit code 255 and no message'}`,
      fix: `run ssh -v ${host} true by hand to see why`,
    };
  }
  const detail = lastMeaningfulLine(stderr);
  if (i.exitCode === 0) {
    return {
      kind: 'probeFailed',
      error: `the probe printed no result${detail ? `: ${detail}` : ''}`,
      fix: 'check that the login shell on the host runs commands (a ForceCommand or a restricted shell stops the probe)',
    };
  }
  return {
    kind: 'probeFailed',
    error: `the probe failed (exit code ${i.exitCode ?? 'none'})${detail ? `: ${detail}` : ''}`,
    fix: 'check that /bin/sh works for this user on the host; the stderr shows what it said',
  };
}

// ---- host keys ----------------------------------------------------------------------------

export interface ResolvedSshConfig {
  hostname: string;
  port: number;
  user: string | null;
  hostKeyAlias: string | null;
  proxyJump: string | null;
  knownHostsFiles: string[];
}

/** What ssh itself would use for the target, after ~/.ssh/config (`ssh -G`). */
export async function resolveSshConfig(
  target: HostTarget,
  opts: SshOptions,
): Promise<ResolvedSshConfig> {
  const { execa } = await import('execa'); // on use: the wizard loads this file before its first frame
  const r = await execa(
    opts.sshBinary ?? 'ssh',
    ['-G', ...sshCommonArgs(target, { ...opts, multiplex: false }), '--', target.address],
    { reject: false, timeout: 10_000, stdin: 'ignore' },
  );
  const kv = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const m = /^(\S+)\s+(.*)$/.exec(line.trim());
    if (m && m[1] && m[2] !== undefined) kv.set(m[1].toLowerCase(), m[2]);
  }
  const expand = (p: string) => (p.startsWith('~/') ? join(homedir(), p.slice(2)) : p);
  // A ProxyCommand is a jump of its own kind: ssh-keyscan cannot follow it either.
  const pj = kv.get('proxyjump') ?? kv.get('proxycommand');
  return {
    hostname: kv.get('hostname') ?? target.address,
    port: Number(kv.get('port') ?? target.port ?? opts.port ?? 22),
    user: kv.get('user') ?? null,
    hostKeyAlias: kv.get('hostkeyalias') ?? null,
    proxyJump: pj === undefined || pj === 'none' ? null : pj,
    knownHostsFiles: (kv.get('userknownhostsfile') ?? '~/.ssh/known_hosts')
      .split(/\s+/)
      .filter((x) => x !== '')
      .map(expand),
  };
}

/** The name a known_hosts entry must carry for ssh to find it. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

// ssh offers ED25519 first by default: show that one first.
const KEY_ORDER = ['ED25519', 'ECDSA', 'RSA'];

/**
 * The keys the host offers, with fingerprints, fetched with ssh-keyscan. Returns null when
 * the host is reached through a jump host (ssh-keyscan cannot go through one).
 */
export async function fetchHostKeys(
  target: HostTarget,
  opts: SshOptions,
): Promise<HostKeyInfo[] | null> {
  const cfg = await resolveSshConfig(target, opts);
  if (cfg.proxyJump !== null) return null;
  const { execa } = await import('execa');
  const scan = await execa(
    'ssh-keyscan',
    ['-p', String(cfg.port), '-T', String(opts.connectTimeoutSeconds ?? 5), '--', cfg.hostname],
    { reject: false, timeout: 20_000, stdin: 'ignore' },
  );
  const name = knownHostsName(cfg.hostKeyAlias ?? cfg.hostname, cfg.port);
  const keys: { type: string; blob: string }[] = [];
  for (const line of scan.stdout.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 3 || line.startsWith('#') || f[1] === undefined || f[2] === undefined) continue;
    keys.push({ type: f[1], blob: f[2] });
  }
  const out: HostKeyInfo[] = [];
  for (const k of keys) {
    const fp = await execa('ssh-keygen', ['-l', '-f', '-'], {
      input: `${k.type} ${k.blob}\n`,
      reject: false,
      timeout: 10_000,
    });
    // "256 SHA256:abc... no comment (ED25519)"
    const m = /^\d+\s+(\S+)\s.*\((\S+)\)\s*$/.exec(fp.stdout.trim());
    if (!m || m[1] === undefined || m[2] === undefined) continue;
    out.push({ type: m[2], fingerprint: m[1], knownHostsLine: `${name} ${k.type} ${k.blob}` });
  }
  const rank = (t: string) => (KEY_ORDER.indexOf(t) === -1 ? 99 : KEY_ORDER.indexOf(t));
  return out.sort((a, b) => rank(a.type) - rank(b.type));
}

/**
 * Record keys the user accepted, in the known_hosts file ssh reads for this target (the
 * explicit one, or the first UserKnownHostsFile of the ssh configuration). Returns the file.
 */
export async function recordHostKeys(
  target: HostTarget,
  keys: readonly HostKeyInfo[],
  opts: SshOptions,
): Promise<string> {
  const file =
    opts.knownHostsFile ?? (await resolveSshConfig(target, opts)).knownHostsFiles[0] ?? '';
  if (file === '' || file === '/dev/null') {
    throw new Error('no known_hosts file to record the key in (UserKnownHostsFile is /dev/null)');
  }
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // Never glue a key onto a last line that lacks its newline.
  const current = await readFile(file, 'utf8').catch(() => '');
  const sep = current === '' || current.endsWith('\n') ? '' : '\n';
  await appendFile(file, sep + keys.map((k) => `${k.knownHostsLine}\n`).join(''), {
    mode: 0o600,
  });
  return file;
}

/** Close the multiplexed connection to a target, if there is one (best effort). */
export async function closeMaster(target: HostTarget, opts: SshOptions): Promise<void> {
  if (opts.multiplex === false) return;
  const { execa } = await import('execa');
  await execa(
    opts.sshBinary ?? 'ssh',
    ['-O', 'exit', ...sshCommonArgs(target, opts), '--', target.address],
    { reject: false, timeout: 10_000, stdin: 'ignore' },
  );
}
