// `genestack-installer config PROFILE`: writes the files Genestack reads. Never replaces a file
// that differs from what it would write without the operator's yes (or --yes), and keeps a
// timestamped backup of every file it replaces.
import type { Command } from 'commander';
import { EXIT } from '../exitCodes';
import { applyWrites, planWrites, type PlannedWrite } from '../genestack/apply';
import { renderConfigFiles } from '../genestack/render';
import { formatFinding, summarize } from '../profile/format';
import { loadProfileFile } from '../profile/load';
import type { CommandIO } from './io';

export interface ConfigOptions {
  out?: string;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
}

const STATUS_WORD = { new: 'new', unchanged: 'unchanged', changed: 'changed' } as const;

function listPlan(plan: readonly PlannedWrite[], io: CommandIO): void {
  const width = Math.max(...plan.map((p) => p.relativePath.length));
  for (const p of plan) {
    io.out(
      `  ${STATUS_WORD[p.status].padEnd(9)} ${p.relativePath.padEnd(width)}  ${p.description}\n`,
    );
  }
}

export async function runConfig(file: string, opts: ConfigOptions, io: CommandIO): Promise<number> {
  const loaded = await loadProfileFile(file);
  if (!loaded.profile) {
    for (const f of loaded.findings) io.err(formatFinding(f, file) + '\n');
    io.err(`${file}: invalid (${summarize(loaded.findings)}); nothing was written\n`);
    return EXIT.invalid;
  }
  const profile = loaded.profile;
  const configDir = opts.out ?? profile.genestack.configDir;
  const files = renderConfigFiles(profile, {
    profileName: profile.metadata.name,
    profilePath: file,
  });
  const plan = await planWrites(files, configDir);
  const changed = plan.filter((p) => p.status === 'changed');
  const toWrite = plan.filter((p) => p.status !== 'unchanged');

  if (!opts.json) {
    io.out(`Files for profile "${profile.metadata.name}" under ${configDir}:\n`);
    listPlan(plan, io);
    for (const p of changed) io.out(`\n${p.diff ?? ''}`);
  }

  const report = (written: Awaited<ReturnType<typeof applyWrites>>, outcome: string) => {
    if (!opts.json) return;
    const byPath = new Map(written.map((w) => [w.path, w]));
    io.out(
      JSON.stringify(
        {
          profile: profile.metadata.name,
          configDir,
          outcome,
          files: plan.map((p) => ({
            path: p.path,
            relativePath: p.relativePath,
            status: p.status,
            action: byPath.get(p.path)?.action ?? null,
            backupPath: byPath.get(p.path)?.backupPath ?? null,
            diff: p.diff ?? null,
          })),
        },
        null,
        2,
      ) + '\n',
    );
  };

  if (opts.dryRun) {
    report([], 'dry-run');
    if (!opts.json) {
      io.out(
        `\nDry run: nothing was written (${toWrite.length - changed.length} new, ${changed.length} changed, ${plan.length - toWrite.length} unchanged).\n`,
      );
    }
    return EXIT.ok;
  }

  if (changed.length > 0 && !opts.yes) {
    const names = changed.map((p) => p.relativePath).join(', ');
    if (!io.isTTY) {
      report([], 'declined');
      io.err(
        `${changed.length} file(s) under ${configDir} differ from what this profile generates: ${names}. ` +
          'Nothing was written. Re-run with --yes to replace them (each is first copied to a timestamped <file>.<UTC time>.bak copy), ' +
          'or with --dry-run to only see the differences.\n',
      );
      return EXIT.declined;
    }
    const yes = await io.confirm(
      `\nReplace ${changed.length} changed file(s) (${names})? Each is first copied to a timestamped <file>.<UTC time>.bak copy.`,
    );
    if (!yes) {
      io.out('Nothing was written.\n');
      return EXIT.declined;
    }
  }

  const written = await applyWrites(toWrite);
  report(written, 'written');
  if (!opts.json) {
    for (const w of written) {
      io.out(
        `${w.action} ${w.path}${w.backupPath ? ` (previous version kept as ${w.backupPath})` : ''}\n`,
      );
    }
    if (written.length === 0) io.out('Everything is up to date; nothing was written.\n');
  }
  return EXIT.ok;
}

export function registerConfigCommand(
  program: Command,
  io: CommandIO,
  setExit: (c: number) => void,
) {
  program
    .command('config')
    .description(
      "write Genestack's inventory, group_vars, Kube-OVN and MetalLB overrides, openstack-components.yaml and storage files",
    )
    .argument('<profile>', 'profile YAML file')
    .option(
      '--out <dir>',
      'write under this directory instead of the profile’s genestack.configDir',
    )
    .option('--dry-run', 'show what would change, with diffs; write nothing')
    .option('--yes', 'replace files that differ without asking (backups are still kept)')
    .option('--json', 'print what was (or would be) written as JSON')
    .addHelpText(
      'after',
      '\nA file that differs from what the profile generates is shown as a diff and replaced only when you agree\n' +
        '(or with --yes); the previous version is kept as <file>.<UTC time>.bak. Without a terminal and without\n' +
        '--yes, nothing is written and the exit code is 4.',
    )
    .action(async (file: string, opts: ConfigOptions) => {
      setExit(await runConfig(file, opts, io));
    });
}
