// `genestack-installer plan PROFILE [--json] [--catalog FILE]`: the concrete deployment plan of a
// profile, every phase in order with its argv, working directory, environment and done-checks,
// and the phases that will not run with the reason. Runs nothing.
import { EXIT } from '../exitCodes';
import { findingsJson, formatFinding, summarize } from '../profile/format';
import { loadProfileFile } from '../profile/load';
import { builtinCatalog } from '../plan/builtinCatalog';
import {
  BUILTINS,
  GROUP_TITLES,
  loadCatalogFile,
  type Catalog,
  type PhaseGroup,
} from '../plan/catalog';
import { describeCheck, displayArgv, formatSeconds } from '../plan/checks';
import { buildPlan, type Plan, type PlanOptions, type PlanPhase } from '../plan/plan';
import { splitScript } from '../plan/shell';
import type { CommandIO } from './io';

export interface PlanCommandOptions {
  json?: boolean;
  /** A catalog file replacing the built-in one. */
  catalog?: string;
}

export async function runPlan(
  file: string,
  opts: PlanCommandOptions,
  io: CommandIO,
  planOptions: PlanOptions = {},
): Promise<number> {
  const result = await loadProfileFile(file);
  if (!result.valid || !result.profile) {
    if (opts.json) {
      io.out(JSON.stringify(findingsJson(file, false, result.findings), null, 2) + '\n');
    } else {
      for (const f of result.findings.filter((x) => x.severity !== 'info')) {
        io.err(formatFinding(f, file) + '\n');
      }
      io.err(`${file}: invalid (${summarize(result.findings)}); fix the profile to see its plan\n`);
    }
    return EXIT.invalid;
  }
  // Throws UserError (missing file) or CatalogError (file:line: field: problem): exit 1.
  const catalog: Catalog = opts.catalog ? await loadCatalogFile(opts.catalog) : builtinCatalog();
  const plan = buildPlan(result.profile, catalog, planOptions);
  io.out(opts.json ? JSON.stringify(plan, null, 2) + '\n' : formatPlan(plan));
  return EXIT.ok;
}

/** The environment every running phase shares (same name, same value). */
function commonEnvironment(phases: readonly PlanPhase[]): Record<string, string> {
  const [first, ...rest] = phases;
  if (!first) return {};
  return Object.fromEntries(
    Object.entries(first.env).filter(([k, v]) => rest.every((p) => p.env[k] === v)),
  );
}

function indentLines(text: string, indent: string): string {
  return text.replace(/\n/g, `\n${indent}`);
}

/** The human form: a numbered list in run order, a header whenever the group changes. */
export function formatPlan(plan: Plan): string {
  const running = plan.phases.filter((p) => !p.skipped);
  const skipped = plan.phases.filter((p) => p.skipped);
  const common = commonEnvironment(running);
  const fromProfile = new Set(running.flatMap((p) => p.envFromProfile));
  const lines: string[] = [];
  const commit = plan.catalog.genestackCommit
    ? `, Genestack ${plan.catalog.genestackCommit.slice(0, 12)}`
    : '';
  lines.push(
    `Plan for profile "${plan.profile}": ${running.length} phases run, ${skipped.length} skipped`,
    `Catalog: ${plan.catalog.source} (${plan.catalog.name}${commit})`,
    '',
    'Environment of every phase (* = from the profile):',
  );
  for (const [k, v] of Object.entries(common)) {
    lines.push(`  ${k}=${displayArgv([v])}${fromProfile.has(k) ? ' *' : ''}`);
  }
  if (plan.pathPrepend.length > 0) lines.push(`  PATH=${plan.pathPrepend.join(':')}:$PATH`);
  if (plan.unsetEnvironment.length > 0) lines.push(`  unset: ${plan.unsetEnvironment.join(', ')}`);

  let group: PhaseGroup | undefined;
  running.forEach((p, i) => {
    if (p.group !== group) {
      group = p.group;
      lines.push('', GROUP_TITLES[p.group] ?? p.group);
    }
    const n = `${String(i + 1).padStart(4)}. `;
    const pad = ' '.repeat(n.length + 2);
    const field = (label: string, value: string) =>
      lines.push(`${pad}${`${label}:`.padEnd(8)}${indentLines(value, `${pad}${' '.repeat(8)}`)}`);
    lines.push(`${n}${p.id}: ${p.title} [${p.ref ? `${p.ref}, ` : ''}${p.kind}]`);
    if (p.builtin) field('run', `(installer) ${p.builtin}: ${BUILTINS[p.builtin]}`);
    else {
      const { argv, script } = splitScript(p.argv);
      field('run', displayArgv(argv));
      if (script !== undefined) field('script', script);
    }
    field('cwd', p.cwd);
    const own = Object.entries(p.env).filter(([k, v]) => common[k] !== v);
    if (own.length > 0) {
      field(
        'env',
        own
          .map(([k, v]) => `${k}=${displayArgv([v])}${p.envFromProfile.includes(k) ? ' *' : ''}`)
          .join('\n'),
      );
    }
    let needs = p.needs.length > 0 ? p.needs.join(', ') : '-';
    if (p.droppedNeeds.length > 0) {
      needs += `\n(skipped, not waited for: ${p.droppedNeeds.map((d) => d.id).join(', ')})`;
    }
    field('needs', needs);
    if (p.parallelGroup) field('runs', `in parallel with the rest of ${p.parallelGroup}`);
    if (p.doneChecks.length > 0)
      field('done', p.doneChecks.map((c) => describeCheck(c)).join('\n'));
    if (p.skipIfDone) field('resume', 'skipped when its checks already pass');
    const retry =
      p.retry.attempts > 1
        ? `; ${p.retry.attempts} attempts, ${formatSeconds(p.retry.delaySeconds)} apart`
        : '; 1 attempt';
    field(
      'time',
      `~${formatSeconds(p.expectedSeconds)}, slow after ${formatSeconds(p.softTimeoutSeconds)}, stopped after ${formatSeconds(p.hardTimeoutSeconds)}${retry}`,
    );
  });

  const groups = Object.entries(plan.parallelGroups).filter(([g]) =>
    running.some((p) => p.parallelGroup === g),
  );
  if (groups.length > 0) {
    lines.push('', 'Parallel groups');
    for (const [g, def] of groups) {
      const budget = def.budgetSeconds ? ` (budget ${formatSeconds(def.budgetSeconds)})` : '';
      lines.push(`  ${g}${budget}: ${def.description}`);
    }
  }

  if (skipped.length > 0) {
    lines.push('', `Skipped (${skipped.length})`);
    for (const p of skipped)
      lines.push(`  ${p.id}: ${p.skipped!.reason} (when: ${p.skipped!.condition})`);
  }
  return lines.join('\n') + '\n';
}
