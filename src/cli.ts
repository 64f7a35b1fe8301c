// Entry point: hands the command line over to the program (src/program.ts), or, bare, starts
// the guided setup directly.
// Errors the user can fix print one message and an exit code (README: "Exit codes"); a stack
// trace appears only with --debug.
import { EXIT } from './exitCodes';
import { UserError, type CommandIO } from './commands/io';
import { safeText } from './terminal/sanitize';

export function processIO(): CommandIO {
  const isTTY = Boolean(process.stdout.isTTY);
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    isTTY,
    async confirm(question) {
      if (!isTTY || !process.stdin.isTTY) return false;
      const { createInterface } = await import('node:readline/promises');
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

export async function main(argv: string[], io: CommandIO = processIO()): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    // The bare command is the guided setup: started without building the command line
    // (commander and the command definitions), which its first frame does not need.
    if (argv.every((a) => a === '--debug')) {
      const { runWizard } = await import('./commands/wizard');
      return await runWizard({}, io);
    }
    const { runProgram } = await import('./program');
    return await runProgram(argv, io);
  } catch (e) {
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
