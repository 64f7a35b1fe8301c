// `genestack-installer validate PROFILE`: schema and semantic checks, nothing written.
import type { Command } from 'commander';
import { EXIT } from '../exitCodes';
import { findingsJson, formatFinding, summarize } from '../profile/format';
import { loadProfileFile } from '../profile/load';
import type { CommandIO } from './io';

export async function runValidate(
  file: string,
  opts: { json?: boolean },
  io: CommandIO,
): Promise<number> {
  const result = await loadProfileFile(file);
  if (opts.json) {
    io.out(JSON.stringify(findingsJson(file, result.valid, result.findings), null, 2) + '\n');
  } else {
    for (const f of result.findings) io.out(formatFinding(f, file) + '\n');
    io.out(`${file}: ${result.valid ? 'valid' : 'invalid'} (${summarize(result.findings)})\n`);
  }
  return result.valid ? EXIT.ok : EXIT.invalid;
}

export function registerValidateCommand(
  program: Command,
  io: CommandIO,
  setExit: (c: number) => void,
) {
  program
    .command('validate')
    .description('check a profile: schema, networks, roles and storage rules; writes nothing')
    .argument('<profile>', 'profile YAML file')
    .option('--json', 'print the findings as JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      setExit(await runValidate(file, opts, io));
    });
}
