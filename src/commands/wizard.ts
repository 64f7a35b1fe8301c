// The default action: the guided wizard in a full-screen terminal UI. Without a terminal (piped
// output, CI) it never draws: it says which commands do the same job, and exits 2.
import path from 'node:path';
import { EXIT } from '../exitCodes';
import type { CommandIO } from './io';
import { terminalProblem } from '../terminal/screen';

export interface WizardOptions {
  profile?: string;
  /** False: a --profile's hosts are not rediscovered (no SSH until asked on Discovery). */
  discover?: boolean;
}

export function noTerminalText(problem: string, profile?: string): string {
  const p = profile ?? 'PROFILE';
  const rows: [string, string][] = [
    ['discover HOST...', 'probe hosts over SSH (--json for scripts)'],
    [`validate ${p}`, 'check a profile (samples in profiles/)'],
    [`config ${p}`, "write Genestack's inventory and config files"],
    [`plan ${p}`, 'show the phases a deploy would run'],
    [`deploy ${p} --yes`, 'deploy without prompts'],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  return (
    `genestack-installer: the guided setup needs a terminal (${problem}); nothing was drawn.\n` +
    'Use the commands instead:\n' +
    rows.map(([c, d]) => `  genestack-installer ${c.padEnd(w)}  ${d}\n`).join('') +
    'Run genestack-installer in a terminal (output not piped, CI unset) for the guided setup.\n'
  );
}

export async function runWizard(
  opts: WizardOptions,
  io: CommandIO,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const problem = terminalProblem(env);
  if (problem) {
    io.err(noTerminalText(problem, opts.profile));
    return EXIT.usage;
  }
  // Before anything that may load Ink: the chunks the import below needs are evaluated in
  // whatever order they arrive, so hiding `fetch` from yoga must happen first
  // (screens/yogaWithoutFetch.ts).
  const { restoreFetch } = await import('../../screens/yogaWithoutFetch');
  // Loaded lazily: Ink, React and the home screen are evaluated only when a terminal is there.
  const start = await import('../../screens/wizardStart');
  restoreFetch();
  let settings;
  try {
    settings = start.openSettings();
  } catch {
    settings = start.memorySettings();
  }
  const { launchWizard, realServices, initialWizardState, stateFromProfile } = start;
  const services = realServices({ settings, env });
  let initial = initialWizardState();
  if (opts.profile) {
    const file = path.resolve(opts.profile);
    const loaded = await services.loadProfile(file);
    if (!loaded.parsed) {
      for (const f of loaded.findings.filter((x) => x.severity === 'error').slice(0, 10)) {
        io.err(
          `${opts.profile}:${f.line ?? 1}:${f.column ?? 1}: ${f.path ? f.path + ': ' : ''}${f.message} (fix: ${f.fix})\n`,
        );
      }
      io.err(
        `${opts.profile}: the wizard can only prefill from a profile that matches the schema; fix the lines above, or start without --profile\n`,
      );
      return EXIT.invalid;
    }
    settings.addRecentProfile(file);
    initial = stateFromProfile(loaded.parsed, file, loaded.findings, {
      discover: opts.discover ?? true,
    });
  }
  const result = await launchWizard(services, initial);
  switch (result.kind) {
    case 'quit':
      io.out('Quit: nothing was saved.\n');
      return EXIT.ok;
    case 'saved':
      io.out(
        `Profile saved: ${result.profilePath}\n${result.configWritten ? '' : 'Config files not written: genestack-installer config ' + result.profilePath + '\n'}` +
          `Deploy later with:\n  genestack-installer deploy ${result.profilePath}\n` +
          `or without prompts:\n  genestack-installer deploy ${result.profilePath} --yes\n`,
      );
      return EXIT.ok;
    case 'deploy': {
      io.out(`Deploying ${result.profilePath}\n`);
      const { runDeploy } = await import('./deploy');
      return runDeploy(result.profilePath, { yes: true }, io);
    }
    case 'attach': {
      const { runAttach } = await import('./runs');
      return runAttach(result.runId, {}, io);
    }
    case 'status': {
      const { runStatus } = await import('./runs');
      return runStatus(result.runId, {}, io);
    }
  }
}
