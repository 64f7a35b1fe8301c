// The command-line definitions of the commands whose code is heavy (the engine, the Kubernetes
// client, the phase catalog, discovery): each action loads its module only when it runs, so
// `--help`, `--version`, `validate` and the wizard's first frame do not pay for them
// (docs/benchmarks.md, Startup). esbuild turns each dynamic import into a chunk of dist/chunks/
// that is read and compiled only when it runs; src/cli.ts loads this file itself only when the
// command line names a command.
import type { Command } from 'commander';
import path from 'node:path';
import {
  DEFAULT_HOST_TIMEOUT_MS,
  DEFAULT_JOBS,
  DEFAULT_JOBS_VIA_JUMP,
} from '../discovery/discover';
import { LEVELS } from '../discovery/requirements';
import type { DeployOptions } from './deploy';
import type { LaunchKind } from '../engine/runRecord';
import type { CommandIO } from './io';

export function registerPlanCommand(program: Command, io: CommandIO, setExit: (c: number) => void) {
  program
    .command('plan')
    .description(
      'show every phase a deployment of the profile runs, in order, with its command, environment and done-checks, and the phases it skips; runs nothing',
    )
    .argument('<profile>', 'profile YAML file')
    .option('--json', 'print the plan as JSON')
    .option('--catalog <file>', 'use this phase catalog instead of the built-in one')
    .action(async (file: string, opts: { json?: boolean; catalog?: string }) => {
      const { runPlan } = await import('./plan');
      setExit(await runPlan(file, opts, io));
    });
}

export function registerDiscoverCommand(
  program: Command,
  io: CommandIO,
  setExit: (code: number) => void,
): Command {
  return program
    .command('discover')
    .description(
      'learn each host’s hardware over SSH (one round trip per host) and judge it against Genestack’s needs',
    )
    .argument(
      '[hosts...]',
      'names, addresses, user@host, host:port, ranges (10.0.0.11-13, node[01:03].example.com)',
    )
    .option('--inventory <file>', 'also discover the hosts of an Ansible/Genestack inventory.yaml')
    .option('--user <user>', 'SSH user (default: your ssh configuration)')
    .option('--port <port>', 'SSH port (default: your ssh configuration, normally 22)')
    .option('--key <file>', 'SSH private key (only this key is offered)')
    .option('--jump <host>', 'jump host (ssh -J)')
    .option('--known-hosts <file>', 'known_hosts file (default: your ssh configuration)')
    .option(
      '--jobs <n>',
      `hosts at once (default ${DEFAULT_JOBS}, ${DEFAULT_JOBS_VIA_JUMP} through a jump host)`,
    )
    .option(
      '--timeout <seconds>',
      `time limit per host (default ${DEFAULT_HOST_TIMEOUT_MS / 1000})`,
    )
    .option('--accept-new-host-keys', 'record unknown host keys (a changed key is still refused)')
    .option('--bastion', 'also discover this machine (locally, no SSH)')
    .option('--level <level>', `requirements to judge against: ${LEVELS.join(' or ')}`, 'lab')
    .option('--json', 'print every fact as JSON (an array, one object per host)')
    .option(
      '--state-dir <dir>',
      'where the facts are kept for a support bundle (default: as for deploy)',
    )
    .option('--no-save', 'do not keep the facts in the state directory')
    .action(
      async (
        hosts: string[],
        o: {
          inventory?: string;
          user?: string;
          port?: string;
          key?: string;
          jump?: string;
          knownHosts?: string;
          jobs?: string;
          timeout?: string;
          acceptNewHostKeys?: boolean;
          bastion?: boolean;
          level?: string;
          json?: boolean;
          stateDir?: string;
          save?: boolean;
        },
      ) => {
        const { runDiscover } = await import('./discover');
        setExit(
          await runDiscover(
            hosts,
            {
              inventory: o.inventory,
              user: o.user,
              port: o.port,
              key: o.key,
              jump: o.jump,
              knownHostsFile: o.knownHosts,
              jobs: o.jobs,
              timeoutSeconds: o.timeout,
              acceptNewHostKeys: o.acceptNewHostKeys,
              bastion: o.bastion,
              level: o.level,
              json: o.json,
              stateDir: o.stateDir,
              save: o.save,
            },
            io,
          ),
        );
      },
    );
}

export function registerDeployCommand(
  program: Command,
  io: CommandIO,
  setExit: (c: number) => void,
): void {
  program
    .command('deploy')
    .description(
      'deploy the profile: validate, write the config, and run every phase in a detached engine that survives this terminal; shows progress until the run ends',
    )
    .argument('<profile>', 'profile YAML file')
    .option(
      '--yes',
      'replace changed config files (backups kept) and accept a changed profile on --resume, without asking',
    )
    .option(
      '--catalog <file>',
      'use this phase catalog instead of the built-in one, for testing or a custom catalog (also: GENESTACK_INSTALLER_CATALOG=FILE)',
    )
    .option(
      '--state-dir <dir>',
      'where runs are kept (default: /var/lib/genestack-installer as root, else ~/.local/state/genestack-installer)',
    )
    .option(
      '--resume [run]',
      'continue a run (default: the newest run of this profile) from its first phase not done',
    )
    .option('--from <phase>', 'run from this phase on (it and every later phase run again)')
    .option('--only <phases>', 'run only these phases (comma-separated), done or not')
    .option('--no-attach', 'start the run and return; follow it later with `attach`')
    .option(
      '--plain',
      'plain lines instead of the dashboard (the default when stdout is not a terminal, or CI is set)',
    )
    .option(
      '--json',
      'print the journal events as JSON lines while following (stdout carries only events)',
    )
    .addHelpText(
      'after',
      `
Exit codes: 0 the run succeeded, 1 invalid profile (or a changed profile on --resume without --yes),
5 a preflight check failed (nothing changed), 6 a phase failed, 7 a phase timed out, 8 the run was aborted, 9 another run holds the lock.
On the dashboard Ctrl-C asks: leave (the run goes on), abort (with control) or stay; with plain
or JSON output Ctrl-C detaches. \`genestack-installer abort RUN\` stops a run.
Without a terminal (stdin or stdout not one) deploy never asks: a question the flags do not
answer (a changed profile on --resume) is an error naming the flag (--yes).`,
    )
    .action(async (file: string, opts: DeployOptions) => {
      const { runDeploy } = await import('./deploy');
      setExit(await runDeploy(file, opts, io));
    });

  program
    .command('__engine', { hidden: true })
    .description('run a deployment in the foreground (started by deploy)')
    .argument('<runDir>', 'the run folder')
    .option('--launched-via <kind>', 'how the engine was started')
    .action(async (runDir: string, o: { launchedVia?: LaunchKind }) => {
      const { runEngine } = await import('../engine/engine');
      const code = await runEngine(path.resolve(runDir), {
        launchedVia: o.launchedVia ?? 'foreground',
      });
      setExit(code);
      // Nothing may keep a finished engine alive (a watch socket, a timer).
      setTimeout(() => process.exit(code), 200).unref();
    });
}

const STATE_DIR_HELP =
  'where runs are kept (default: /var/lib/genestack-installer as root, else ~/.local/state/genestack-installer)';

export function registerRunCommands(
  program: Command,
  io: CommandIO,
  setExit: (c: number) => void,
): void {
  program
    .command('runs')
    .description('list recent runs: id, profile, state, start, duration, failed phase')
    .option('--json', 'print the list as JSON')
    .option('--limit <n>', 'how many runs (newest first; default 20)')
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .action(async (o: { json?: boolean; stateDir?: string; limit?: string }) => {
      const { runRuns } = await import('./runs');
      setExit(await runRuns(o, io));
    });
  program
    .command('status')
    .description(
      'show a run (default: the one running, else the newest): every phase with its status',
    )
    .argument('[run]', 'run id, or a unique prefix of it')
    .option('--json', 'print it as JSON')
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .action(async (run: string | undefined, o: { json?: boolean; stateDir?: string }) => {
      const { runStatus } = await import('./runs');
      setExit(await runStatus(run, o, io));
    });
  program
    .command('logs')
    .description("print a run's phase output (redacted), from its journal")
    .argument('<run>', 'run id, or a unique prefix of it')
    .option('--phase <id>', 'only this phase, without the phase prefix')
    .option('--follow', 'keep printing while the run goes on')
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .action(async (run: string, o: { phase?: string; follow?: boolean; stateDir?: string }) => {
      const { runLogs } = await import('./runs');
      setExit(await runLogs(run, o, io));
    });
  program
    .command('attach')
    .description(
      'follow a running deployment: the dashboard on a terminal, else plain lines; read-only unless --control. The engine records who attached. Leaving (q, or Ctrl-C then leave) never stops the run',
    )
    .argument('[run]', 'run id (default: the one running, else the newest)')
    .option('--control', 'take control of the run (recorded in its journal)')
    .option(
      '--plain',
      'plain lines even on a terminal (the default when stdout is not one, or CI is set)',
    )
    .option('--json', 'print the journal events as JSON lines (stdout carries only events)')
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .action(
      async (
        run: string | undefined,
        o: { json?: boolean; plain?: boolean; control?: boolean; stateDir?: string },
      ) => {
        const { runAttach } = await import('./runs');
        setExit(await runAttach(run, o, io));
      },
    );
  program
    .command('abort')
    .description(
      'stop a running deployment gracefully: its running phases get SIGTERM, then SIGKILL after the grace period',
    )
    .argument('[run]', 'run id (default: the one running)')
    .option(
      '--timeout <seconds>',
      'how long to wait for the run to stop (default: grace period + 60)',
    )
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .action(async (run: string | undefined, o: { stateDir?: string; timeout?: string }) => {
      const { runAbort } = await import('./runs');
      setExit(await runAbort(run, o, io));
    });
}

export function registerPreflightCommand(
  program: Command,
  io: CommandIO,
  setExit: (c: number) => void,
): void {
  program
    .command('preflight')
    .description(
      'check every host of the profile over SSH without changing anything: SSH and sudo, kernel, hardware, interfaces, reachability, time, DNS, /tmp, disk space, OSD disks',
    )
    .argument('<profile>', 'profile YAML file')
    .option('--level <level>', `requirements to judge against: ${LEVELS.join(' or ')}`, 'lab')
    .option('--json', 'print the report as one JSON document')
    .option('--known-hosts <file>', 'known_hosts file (default: your ssh configuration)')
    .option('--accept-new-host-keys', 'record unknown host keys (a changed key is still refused)')
    .option(
      '--jobs <n>',
      `hosts at once (default ${DEFAULT_JOBS}, ${DEFAULT_JOBS_VIA_JUMP} through a jump host)`,
    )
    .option(
      '--timeout <seconds>',
      `time limit per host (default ${DEFAULT_HOST_TIMEOUT_MS / 1000})`,
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 no check failed (warnings allowed), 1 invalid profile, 2 usage, 5 a check failed.',
    )
    .action(
      async (
        file: string,
        o: {
          level?: string;
          json?: boolean;
          knownHosts?: string;
          acceptNewHostKeys?: boolean;
          jobs?: string;
          timeout?: string;
        },
      ) => {
        const { runPreflightCommand } = await import('./preflight');
        setExit(
          await runPreflightCommand(
            file,
            {
              level: o.level,
              json: o.json,
              knownHostsFile: o.knownHosts,
              acceptNewHostKeys: o.acceptNewHostKeys,
              jobs: o.jobs,
              timeoutSeconds: o.timeout,
            },
            io,
          ),
        );
      },
    );
}

export function registerBundleCommand(
  program: Command,
  io: CommandIO,
  setExit: (c: number) => void,
): void {
  program
    .command('bundle')
    .description(
      'make a support bundle (tar.gz): journal, phase logs, profile, generated config, plan, discovery, preflight, tool versions, and nodes/pods/events where the cluster answers; every file redacted',
    )
    .argument('[run]', 'run id or a unique prefix (default: the one running, else the newest)')
    .option(
      '-o, --output <file>',
      'where to write it (default: genestack-installer-bundle-<run>.tar.gz here)',
    )
    .option('--force', 'replace the output file if it exists')
    .option('--kube-timeout <seconds>', 'time limit for the Kubernetes API (default 20)')
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .addHelpText(
      'after',
      `
Secrets (the profile's, Genestack's kubesecrets.yaml values, keys, certificates, tokens,
passwords) are replaced with [REDACTED]; manifest.json in the bundle lists what was collected,
what is missing and why, and how many values each rule redacted. See docs/bundle.md.
Exit codes: 0 the bundle was written, 1 no such run or an unwritable output, 2 usage,
4 the output file exists (--force replaces it).`,
    )
    .action(
      async (
        run: string | undefined,
        o: { output?: string; force?: boolean; kubeTimeout?: string; stateDir?: string },
      ) => {
        const { runBundle } = await import('./bundle');
        setExit(await runBundle(run, o, io));
      },
    );
}
