// The command line: commander's program with every command, built when the command line asks
// for more than the bare guided setup (src/cli.ts starts that one without commander).
import { Command, CommanderError } from 'commander';
import { EXIT } from './exitCodes';
import type { CommandIO } from './commands/io';

const VERSION = typeof __INSTALLER_VERSION__ === 'string' ? __INSTALLER_VERSION__ : '0.0.0-dev';

/**
 * True when the command line names no command and asks for neither help nor version: only
 * `--debug` and `--profile FILE`, which is the guided setup. Then the command modules (and the
 * schema, YAML and discovery code they import) are not loaded before the wizard's first frame
 * (docs/benchmarks.md, Startup). Anything else gets the full program, so errors, suggestions
 * and --help are the same as ever.
 */
export function isGuidedSetup(argv: readonly string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--debug' || a.startsWith('--profile=')) continue;
    if (a === '--profile' && i + 1 < argv.length) {
      i++;
      continue;
    }
    return false;
  }
  return true;
}

/** Every command, each module loaded here (in parallel) rather than at start. */
async function registerCommands(
  program: Command,
  io: CommandIO,
  setExit: (code: number) => void,
): Promise<void> {
  const [validate, config, heavy] = await Promise.all([
    import('./commands/validate'),
    import('./commands/config'),
    import('./commands/register'),
  ]);
  validate.registerValidateCommand(program, io, setExit);
  config.registerConfigCommand(program, io, setExit);
  heavy.registerPlanCommand(program, io, setExit);
  heavy.registerDiscoverCommand(program, io, setExit);
  heavy.registerPreflightCommand(program, io, setExit);
  heavy.registerDeployCommand(program, io, setExit);
  heavy.registerRunCommands(program, io, setExit);
  heavy.registerBundleCommand(program, io, setExit);
  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  }
}

/** The program; with `commands: false` only the root (the guided setup, see isGuidedSetup). */
export async function buildProgram(
  io: CommandIO,
  setExit: (code: number) => void,
  opts: { commands: boolean } = { commands: true },
): Promise<Command> {
  const program = new Command();
  program
    .name('genestack-installer')
    .description(
      'Install Genestack (OpenStack on Kubernetes). Without a command: the guided full-screen setup. The commands validate a profile, write the files Genestack reads, discover and check hosts, plan, run and follow a deployment, and make a support bundle.',
    )
    .version(VERSION, '-V, --version', 'print the installer version')
    .option('--debug', 'show stack traces for unexpected errors')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
    })
    .exitOverride()
    .addHelpText(
      'after',
      `
Exit codes:
  0  success
  1  invalid profile or input (nothing was written)
  2  usage error
  3  some hosts could not be discovered
  4  a change was declined (nothing was written)
  5  preflight checks failed (nothing was changed)
  6  deploy: a phase failed
  7  deploy: a phase timed out
  8  deploy: the run was aborted (or its engine stopped without finishing)
  9  deploy: another run holds the lock
  70 internal error (a bug: re-run with --debug and report it)

Examples:
  genestack-installer validate profiles/hyperconverged-lab.yaml
  genestack-installer config profiles/hyperconverged-lab.yaml --out ./genestack-config --dry-run`,
    );
  // Subcommands inherit the output and exit behaviour.
  program.configureHelp({ sortSubcommands: false });
  if (opts.commands) await registerCommands(program, io, setExit);
  // No command: the guided wizard (full screen), or, without a terminal, what to run instead.
  program.option(
    '--profile <file>',
    "open the guided setup prefilled from a saved profile; its hosts are rediscovered over SSH in the background (for the Network and Storage screens' interface and disk lists)",
  );
  program.option('--no-discover', 'with --profile: do not contact the hosts (saved answers only)');
  program.action(async (opts: { profile?: string; discover?: boolean }) => {
    const { runWizard } = await import('./commands/wizard');
    setExit(
      await runWizard(
        {
          ...(opts.profile ? { profile: opts.profile } : {}),
          ...(opts.discover === false ? { discover: false } : {}),
        },
        io,
      ),
    );
  });
  return program;
}

/** Parses the command line and runs its command; the exit code (help and usage errors too). */
export async function runProgram(argv: string[], io: CommandIO): Promise<number> {
  let exitCode: number = EXIT.ok;
  try {
    const program = await buildProgram(io, (c) => (exitCode = c), {
      commands: !isGuidedSetup(argv),
    });
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version end through here with exit code 0
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    throw e;
  }
}
