// Runs the built bundle as a user would, with an argv array, and captures what it prints.
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

export const BUNDLE = fileURLToPath(new URL('../../dist/genestack-installer.mjs', import.meta.url));
export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  args: string[],
  opts: { cwd?: string; node?: string; input?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const r = await execa(opts.node ?? process.execPath, [BUNDLE, ...args], {
    cwd: opts.cwd ?? REPO,
    reject: false,
    input: opts.input ?? '',
    env: { ...opts.env, NO_COLOR: '1' },
    timeout: 60_000,
  });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}
