// Starting the engine as its own process, detached from the terminal session that ran
// `deploy`, so closing that terminal (or losing the SSH session) never stops a deployment.
//
// - Where a systemd manager is reachable, the engine runs as a transient unit
//   (`systemd-run --user --collect`, or a system service as root): logind may kill a session's
//   processes on logout (KillUserProcesses=yes), and a unit is outside every session.
// - Otherwise it is spawned in a new session (setsid, via detached: true) with its output in
//   <runDir>/engine.log, and the parent lets go of it.
//
// GENESTACK_INSTALLER_DETACH=setsid|systemd|auto forces a choice (default auto).
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { LaunchKind } from './runRecord';
import { RUN_FILES } from './stateDir';

export const DETACH_ENV = 'GENESTACK_INSTALLER_DETACH';

export interface LaunchProbe {
  uid: number;
  /** `systemctl --user show-environment` succeeds. */
  userManager: () => Promise<boolean>;
  /** `systemctl is-system-running` says running or degraded. */
  systemManager: () => Promise<boolean>;
}

export type LaunchChoice =
  | { kind: 'systemd-user' | 'systemd-system'; argv: string[]; unit: string }
  | { kind: 'setsid'; argv: string[] };

/** Variables never handed to a systemd unit: they describe the caller's own process or terminal. */
const NOT_PASSED = new Set([
  '_',
  'PWD',
  'OLDPWD',
  'SHLVL',
  'TERM',
  'COLUMNS',
  'LINES',
  'INVOCATION_ID',
  'JOURNAL_STREAM',
  'NOTIFY_SOCKET',
  'LISTEN_PID',
  'LISTEN_FDS',
  'LISTEN_FDNAMES',
  'MANAGERPID',
  'SYSTEMD_EXEC_PID',
  'WATCHDOG_PID',
  'WATCHDOG_USEC',
]);

/** Names of the variables a systemd unit gets from `deploy` (values travel by name, not in argv). */
export function passedEnvironment(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env)
    .filter((k) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && !NOT_PASSED.has(k) && env[k] !== undefined)
    .sort();
}

export function unitName(runId: string): string {
  return `genestack-installer-${runId}`;
}

/**
 * The systemd-run argv. The unit gets deploy's environment (`--setenv=NAME` copies the value
 * from systemd-run's own environment, so no value appears in a process listing), its output
 * appended to engine.log, and KillMode=mixed: `systemctl stop` sends SIGTERM to the engine
 * only, which stops its phases itself.
 */
export function systemdRunArgv(
  kind: 'systemd-user' | 'systemd-system',
  runId: string,
  runDir: string,
  engineArgv: string[],
  envNames: string[],
): string[] {
  const log = path.join(runDir, RUN_FILES.engineLog);
  return [
    'systemd-run',
    ...(kind === 'systemd-user' ? ['--user'] : []),
    '--collect',
    `--unit=${unitName(runId)}`,
    '--quiet',
    '--property=KillMode=mixed',
    `--property=StandardOutput=append:${log}`,
    `--property=StandardError=append:${log}`,
    ...envNames.map((n) => `--setenv=${n}`),
    '--',
    ...engineArgv,
  ];
}

export async function chooseLaunch(
  engineArgv: string[],
  runId: string,
  runDir: string,
  probe: LaunchProbe,
  env: NodeJS.ProcessEnv,
  force: string | undefined = env[DETACH_ENV],
): Promise<LaunchChoice> {
  const mode = (force ?? 'auto').trim() || 'auto';
  if (mode === 'setsid') return { kind: 'setsid', argv: engineArgv };
  const names = passedEnvironment(env);
  const systemd = (kind: 'systemd-user' | 'systemd-system'): LaunchChoice => ({
    kind,
    argv: systemdRunArgv(kind, runId, runDir, [...engineArgv, '--launched-via', kind], names),
    unit: unitName(runId),
  });
  if (probe.uid === 0 && (await probe.systemManager())) return systemd('systemd-system');
  if (await probe.userManager()) return systemd('systemd-user');
  return { kind: 'setsid', argv: engineArgv };
}

export function systemProbe(uid = process.getuid?.() ?? -1): LaunchProbe {
  const ok = async (argv: string[], accept?: (out: string) => boolean) => {
    try {
      const r = await execa(argv[0]!, argv.slice(1), {
        reject: false,
        timeout: 5000,
        stdin: 'ignore',
      });
      return r.exitCode === 0 || (accept !== undefined && accept(String(r.stdout)));
    } catch {
      return false;
    }
  };
  return {
    uid,
    userManager: () => ok(['systemctl', '--user', 'show-environment']),
    // is-system-running exits non-zero when degraded; a degraded manager runs units fine.
    systemManager: async () => {
      try {
        const r = await execa('systemctl', ['is-system-running'], {
          reject: false,
          timeout: 5000,
          stdin: 'ignore',
        });
        return /^(running|degraded)$/.test(String(r.stdout).trim());
      } catch {
        return false;
      }
    },
  };
}

/** The command that runs the engine in the foreground: this program, `__engine RUNDIR`. */
export function engineArgv(runDir: string): string[] {
  const script = process.argv[1];
  if (!script) throw new Error('cannot tell which program to start the engine with');
  // Keep loaders (tsx) but not a debugger port the engine would fight over.
  const execArgv = process.execArgv.filter((a) => !/^--inspect/.test(a));
  return [process.execPath, ...execArgv, script, '__engine', runDir];
}

export interface Launched {
  kind: LaunchKind;
  /** Known for setsid; for systemd the engine records its pid in run.json. */
  pid?: number;
  unit?: string;
  /** Why systemd was not used when it was chosen (it failed, and setsid was used). */
  fallback?: string;
}

function spawnDetached(argv: string[], runDir: string, env: NodeJS.ProcessEnv): number {
  const log = openSync(path.join(runDir, RUN_FILES.engineLog), 'a', 0o600);
  try {
    const child = spawn(argv[0]!, [...argv.slice(1), '--launched-via', 'setsid'], {
      detached: true, // setsid(): a new session, no controlling terminal
      stdio: ['ignore', log, log],
      env,
      cwd: '/',
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`cannot start the engine (${argv[0]})`);
    return child.pid;
  } finally {
    closeSync(log);
  }
}

export async function launchEngine(
  choice: LaunchChoice,
  runDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Launched> {
  if (choice.kind === 'setsid') {
    return { kind: 'setsid', pid: spawnDetached(choice.argv, runDir, env) };
  }
  const r = await execa(choice.argv[0]!, choice.argv.slice(1), {
    reject: false,
    env,
    stdin: 'ignore',
    timeout: 30_000,
  });
  if (r.exitCode === 0) return { kind: choice.kind, unit: choice.unit };
  const why = `systemd-run failed (exit ${r.exitCode}: ${String(r.stderr).trim().split('\n')[0] ?? ''})`;
  const argv = choice.argv.slice(choice.argv.indexOf('--') + 1);
  const i = argv.indexOf('--launched-via');
  if (i >= 0) argv.splice(i, 2);
  return { kind: 'setsid', pid: spawnDetached(argv, runDir, env), fallback: why };
}
