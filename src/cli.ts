// Entry point: parses the command line and hands over to one command module.
// Errors the user can fix print one message and an exit code (README: "Exit codes"); a stack
// trace appears only with --debug.
import { Command, CommanderError } from 'commander';
import { createInterface } from 'node:readline/promises';
import { EXIT } from './exitCodes';
import { UserError, type CommandIO } from './commands/io';
import { safeText } from './terminal/sanitize';

const VERSION = typeof __INSTALLER_VERSION__ === 'string' ? __INSTALLER_VERSION__ : '0.0.0-dev';

export function processIO(): CommandIO {
  const isTTY = Boolean(process.stdout.isTTY);
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    isTTY,
    async confirm(question) {
      if (!isTTY || !process.stdin.isTTY) return false;
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        const answer = await rl.question(`${question} [y/N] `);
        return /^y(es)?$/i.test(answer.trim());
      } finally {
        rl.close();
      }
    },
  };
}

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

export async function main(argv: string[], io: CommandIO = processIO()): Promise<number> {
  let exitCode: number = EXIT.ok;
  const debug = argv.includes('--debug');
  try {
    const program = await buildProgram(io, (c) => (exitCode = c), {
      commands: !isGuidedSetup(argv),
    });
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version end through here with exit code 0
      if (e.exitCode === 0) return EXIT.ok;
      return EXIT.usage;
    }
    if (e instanceof UserError) {
      // Messages quote what the user typed (names, paths): never raw control characters.
      io.err(`error: ${safeLines(e.message)}\n`);
      if (debug && e.stack) io.err(e.stack + '\n');
      return e.exitCode;
    }
    const err = e as Error;
    io.err(`internal error: ${safeLines(err?.message ?? String(e))}\n`);
    if (debug) io.err(`${err?.stack ?? ''}\n`);
    else io.err('run again with --debug to see where it happened, and report it\n');
    return EXIT.internal;
  }
}

// Run when executed directly (the bundle, or tsx src/cli.ts), not when imported by tests.
const invokedDirectly =
  process.argv[1] !== undefined && /(genestack-installer(\.mjs)?|cli\.ts)$/.test(process.argv[1]);
if (invokedDirectly) {
  // `genestack-installer plan --json | head`: a reader that goes away is not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

function safeLines(text: string): string {
  return text
    .split('\n')
    .map((l) => safeText(l))
    .join('\n');
}
