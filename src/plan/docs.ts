// docs/phases.md, generated from the catalog so the documentation cannot drift from what runs.
// A unit test compares the file with this output (UPDATE_DOCS=1 rewrites it).
import { BUILTINS, GROUP_TITLES, PHASE_GROUPS, type ArgTemplate, type Catalog } from './catalog';
import { CHECK_KINDS, describeCheck, displayArgv, formatSeconds } from './checks';
import { formatCondition } from './conditions';
import { PLACEHOLDERS } from './placeholders';
import { SCRIPT_TOKEN, shellScriptIndex, splitScript } from './shell';

function templateArgv(argv: readonly ArgTemplate[], scriptApart: boolean): string {
  const flat = argv.flatMap((a) => (typeof a === 'string' ? [a] : a.args));
  const scriptAt = scriptApart ? shellScriptIndex(flat) : -1;
  let i = -1;
  return argv
    .map((a) =>
      typeof a === 'string'
        ? ++i === scriptAt
          ? SCRIPT_TOKEN
          : displayArgv([a], { template: true })
        : ((i += a.args.length),
          `[${displayArgv(a.args, { template: true })}  # only when ${formatCondition(a.when)}]`),
    )
    .join(' ');
}

/** Prose for Markdown: one line, no accidental HTML tags. */
function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim().replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The Markdown of docs/phases.md for a catalog. */
export function renderPhasesDoc(catalog: Catalog): string {
  const out: string[] = [];
  const push = (...lines: string[]) => out.push(...lines);
  push(
    '# Deployment phases',
    '',
    '<!-- Generated from assets/catalog/phases.yaml by renderPhasesDoc (src/plan/docs.ts): do not edit.',
    '     Regenerate: UPDATE_DOCS=1 npx vitest run --project unit test/unit/catalog-docs.test.ts -->',
    '',
    `Every phase of a Genestack deployment, as the installer runs it (catalog \`${catalog.name}\`${catalog.genestackCommit ? `, Genestack commit \`${catalog.genestackCommit}\`` : ''}). ` +
      '`genestack-installer plan PROFILE` shows the concrete plan of one profile: the phases that run, in order, ' +
      'with every placeholder filled in, and the phases it skips with the reason.',
    '',
    'A phase is done when its command exited 0 **and** every done-check passes: Genestack’s install scripts ' +
      'exit before their workloads are ready. `Ref` is the row of the reference phase table (P0-P33).',
    '',
    '## Reading this page',
    '',
    '- **Runs**: the argv, with `${placeholders}` filled from the profile (see the table at the end). ' +
      'A shell script (`bash -c`) is a fixed text: profile values reach it only as environment variables.',
    '- **Builtin**: a step the installer performs itself instead of a command.',
    '- **When**: the profile condition under which the phase runs; without one it always runs.',
    '- **Needs**: phases that must be done first. A need on a phase the profile skips is dropped ' +
      '(the phase then waits for what that one needed).',
    '- **Time**: expected duration / reported as slow after / an attempt is stopped after; then the retry policy.',
    '',
    '## Environment of every phase',
    '',
    'What Genestack’s `scripts/genestack.rc` exports, then the installer environment of the profile ' +
      '(`src/genestack/env.ts`), then the phase’s own variables:',
    '',
    '```sh',
    ...Object.entries(catalog.environment).map(([k, v]) => `${k}=${v}`),
    ...(catalog.pathPrepend.length > 0 ? [`PATH=${catalog.pathPrepend.join(':')}:$PATH`] : []),
    ...catalog.unsetEnvironment.map((k) => `unset ${k}`),
    '```',
    '',
    '`ANSIBLE_HOST_KEY_CHECKING=False`, which genestack.rc sets, is never set: the installer keeps SSH host key ' +
      'checking on and removes the variable from the environment it inherits.',
    '',
  );

  const groups = Object.entries(catalog.parallelGroups);
  if (groups.length > 0) {
    push('## Parallel groups', '');
    for (const [g, def] of groups) {
      const members = catalog.phases.filter((p) => p.parallelGroup === g).map((p) => `\`${p.id}\``);
      const budget = def.budgetSeconds ? ` Budget: ${formatSeconds(def.budgetSeconds)}.` : '';
      push(`- \`${g}\`: ${oneLine(def.description)}${budget} Members: ${members.join(', ')}.`);
    }
    push('');
  }

  push('## Phases', '', '| # | Phase | Ref | Group | Kind | When |', '|---|---|---|---|---|---|');
  catalog.phases.forEach((p, i) => {
    const when = p.when ? `\`${formatCondition(p.when).replace(/\|/g, '\\|')}\`` : 'always';
    push(
      `| ${i + 1} | [\`${p.id}\`](#${p.id}) | ${p.ref ?? ''} | ${p.group} | ${p.kind} | ${when} |`,
    );
  });
  push('');

  for (const group of PHASE_GROUPS) {
    const phases = catalog.phases.filter((p) => p.group === group);
    if (phases.length === 0) continue;
    push(`## ${GROUP_TITLES[group]}`, '');
    for (const p of phases) {
      push(`### ${p.id}`, '', `**${p.title}**${p.ref ? ` (${p.ref})` : ''}`, '');
      if (p.description) push(oneLine(p.description), '');
      if (p.builtin) {
        push(`- Builtin \`${p.builtin}\`: ${BUILTINS[p.builtin]}`);
      } else {
        const flat = p.argv.flatMap((a) => (typeof a === 'string' ? [a] : a.args));
        const { script } = splitScript(flat);
        push(
          '- Runs:',
          '',
          '  ```sh',
          `  ${templateArgv(p.argv, script !== undefined)}`,
          '  ```',
          '',
        );
        if (script !== undefined) {
          push(
            '  where `$SCRIPT` is:',
            '',
            '  ```sh',
            ...script.split('\n').map((l) => `  ${l}`.trimEnd()),
            '  ```',
            '',
          );
        }
      }
      push(`- Working directory: \`${p.cwd}\``);
      const env = Object.entries(p.env);
      if (env.length > 0) push(`- Environment: ${env.map(([k, v]) => `\`${k}=${v}\``).join(', ')}`);
      if (p.when) push(`- When: \`${formatCondition(p.when)}\``);
      push(
        `- Needs: ${p.needs.length > 0 ? p.needs.map((n) => `[\`${n}\`](#${n})`).join(', ') : 'nothing'}`,
      );
      if (p.parallelGroup) push(`- Parallel group: \`${p.parallelGroup}\``);
      if (p.doneChecks.length > 0) {
        push('- Done when:');
        for (const c of p.doneChecks) {
          const when = c.when ? ` (only when \`${formatCondition(c.when)}\`)` : '';
          push(`  - ${describeCheck(c.check, { template: true }).replace(/\|/g, '\\|')}${when}`);
        }
      } else {
        push('- Done when: the command exits 0');
      }
      if (p.skipIfDone) push('- Skipped when its checks already pass (a host prepared before).');
      const retry =
        p.retry.attempts > 1
          ? `${p.retry.attempts} attempts, ${formatSeconds(p.retry.delaySeconds)} apart`
          : 'no retry';
      push(
        `- Time: ~${formatSeconds(p.expectedSeconds)} / slow after ${formatSeconds(p.softTimeoutSeconds)} / stopped after ${formatSeconds(p.hardTimeoutSeconds)}; ${retry}`,
      );
      if (p.notes) push(`- Note: ${oneLine(p.notes)}`);
      push('');
    }
  }

  push('## Placeholders', '', '| Placeholder | From | Value |', '|---|---|---|');
  for (const [name, def] of Object.entries(PLACEHOLDERS)) {
    const from =
      def.source === 'profile'
        ? `profile${def.profilePath ? ` (\`${def.profilePath}\`)` : ''}`
        : 'deploy host';
    push(`| \`\${${name}}\` | ${from} | ${def.description} |`);
  }
  push(
    '',
    '## Done-check kinds',
    '',
    CHECK_KINDS.map((k) => `\`${k}\``).join(', ') +
      '. Kubernetes checks are watched through the API (kubeconfig from the profile or `~/.kube/config`); ' +
      '`command` checks run with the phase’s environment and working directory until they exit 0.',
    '',
  );
  return out.join('\n');
}
