// Loading and validating phase catalogs: the built-in one, the test fixture, and broken ones.
// Every error must name the field path, the phase and the line.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  CatalogError,
  findCycles,
  loadCatalogFile,
  loadCatalogText,
  PHASE_GROUPS,
  shellScriptIndex,
  type Catalog,
} from '../../src/plan/catalog';
import { builtinCatalog, BUILTIN_CATALOG_SOURCE } from '../../src/plan/builtinCatalog';
import { UserError } from '../../src/commands/io';
import { OPENSTACK_SERVICES } from '../../src/profile/schema';

const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/catalogs/${name}`, import.meta.url));

// A minimal valid catalog that the broken cases below change one thing in.
const BASE = `apiVersion: genestack-installer/v1
kind: PhaseCatalog
metadata:
  name: base
defaults:
  expectedSeconds: 1
  softTimeoutSeconds: 10
  hardTimeoutSeconds: 30
parallelGroups:
  pair:
    description: a pair
phases:
  - id: hello
    title: Hello
    group: host-preparation
    kind: command
    run:
      argv: ['true']
      cwd: /
  - id: kube-ovn
    title: CNI
    group: kubernetes
    kind: script
    run:
      argv: ['\${repoDir}/bin/install-kube-ovn.sh']
      cwd: \${repoDir}
    needs: [hello]
  - id: keystone
    title: Keystone
    group: openstack
    kind: kubectl
    when: storage.backend == longhorn
    run:
      argv: [kubectl, get, nodes]
      cwd: /
    needs: [kube-ovn]
    doneChecks:
      - { kind: podsReady, namespace: openstack, selector: application=keystone }
`;

function load(text: string) {
  return loadCatalogText(text, { source: 'cat.yaml' });
}

/** The one issue a broken catalog must produce. */
function issueOf(text: string) {
  const r = load(text);
  expect(r.catalog).toBeUndefined();
  expect(r.issues.length, JSON.stringify(r.issues, null, 1)).toBeGreaterThanOrEqual(1);
  return r.issues[0]!;
}

const lineOf = (text: string, needle: string) =>
  text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('the built-in catalog', () => {
  const catalog: Catalog = builtinCatalog();

  it('loads without issues', () => {
    expect(catalog.source).toBe(BUILTIN_CATALOG_SOURCE);
    expect(catalog.name).toBe('genestack');
    expect(catalog.phases.length).toBeGreaterThan(50);
  });

  it('covers every row of the reference phase table, P0 to P33', () => {
    const refs = new Set(catalog.phases.map((p) => p.ref));
    const expected = [
      ...Array.from({ length: 34 }, (_, i) => `P${i}`).filter((r) => r !== 'P11'),
      'P11a',
      'P11b',
      'P11c',
      'P11d',
    ];
    for (const r of expected) expect(refs, r).toContain(r);
    // preflight is the installer's own first step, not a row of Genestack's table.
    expect(catalog.phases.filter((p) => p.ref === undefined).map((p) => p.id)).toEqual([
      'preflight',
    ]);
  });

  it('uses every group, with ids in kebab case', () => {
    expect(new Set(catalog.phases.map((p) => p.group))).toEqual(new Set(PHASE_GROUPS));
    for (const p of catalog.phases) expect(p.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('starts with preflight, which every other phase needs directly or through another', () => {
    expect(catalog.phases[0]).toMatchObject({
      id: 'preflight',
      kind: 'builtin',
      builtin: 'preflight',
    });
    const byId = new Map(catalog.phases.map((p) => [p.id, p]));
    // A phase starts only when all its needs are done: one path to preflight is enough.
    const reaches = (id: string): boolean =>
      id === 'preflight' || byId.get(id)!.needs.some((n) => reaches(n));
    for (const p of catalog.phases.slice(1)) expect(reaches(p.id), p.id).toBe(true);
  });

  it('is written in an order that satisfies its own needs', () => {
    const seen = new Set<string>();
    for (const p of catalog.phases) {
      for (const n of p.needs) expect(seen, `${p.id} needs ${n}`).toContain(n);
      seen.add(p.id);
    }
  });

  it('installs each OpenStack service after Keystone, in parallel, as setup-openstack.sh does', () => {
    const group = catalog.phases.filter((p) => p.parallelGroup === 'openstack-services');
    expect(group.map((p) => p.id).sort()).toEqual(
      OPENSTACK_SERVICES.filter(
        (s) => !['keystone', 'skyline', 'horizon', 'trove', 'octavia'].includes(s),
      ).sort(),
    );
    for (const p of group) {
      expect(p.needs).toContain('keystone');
      expect(p.argv).toEqual([`\${repoDir}/bin/install-${p.id}.sh`]);
      expect(p.when).toEqual({ op: 'truthy', path: `openstack.services.${p.id}` });
      expect(p.doneChecks.map((c) => c.check.kind)).toEqual(['helmRelease', 'podsReady']);
    }
    expect(catalog.parallelGroups['openstack-services']?.budgetSeconds).toBe(1800);
  });

  it('never sets ANSIBLE_HOST_KEY_CHECKING and unsets it for every phase', () => {
    expect(Object.keys(catalog.environment)).not.toContain('ANSIBLE_HOST_KEY_CHECKING');
    for (const p of catalog.phases)
      expect(Object.keys(p.env)).not.toContain('ANSIBLE_HOST_KEY_CHECKING');
    expect(catalog.unsetEnvironment).toContain('ANSIBLE_HOST_KEY_CHECKING');
    expect(catalog.environment).toMatchObject({
      GENESTACK_CONFIG: '${configDir}',
      ANSIBLE_INVENTORY: '${inventoryDir}',
      ANSIBLE_INVENTORY_IGNORE_REGEX: 'patches|group_vars|artifacts|credentials|.*\\.example',
      ANSIBLE_FORKS: '24',
      ANSIBLE_PIPELINING: 'True',
    });
  });

  it('runs Ansible from the venv and takes the timings of the reference', () => {
    const byId = new Map(catalog.phases.map((p) => [p.id, p]));
    for (const p of catalog.phases.filter((x) => x.kind === 'ansible-playbook')) {
      expect(p.argv[0]).toBe('${venvBin}/ansible-playbook');
    }
    expect(byId.get('kubespray')?.hardTimeoutSeconds).toBe(4500); // 75 min async budget (§3.2)
    expect(byId.get('keystone')?.hardTimeoutSeconds).toBeGreaterThanOrEqual(7200); // helm --timeout 120m
    const kubeOvnWait = byId.get('kube-ovn')?.doneChecks[0]?.check;
    expect(kubeOvnWait).toMatchObject({
      kind: 'deploymentAvailable',
      name: 'kube-ovn-controller',
      timeoutSeconds: 300,
    });
    const webhook = byId.get('mariadb-operator')?.doneChecks[0]?.check;
    expect(webhook).toMatchObject({ timeoutSeconds: 60, recover: { timeoutSeconds: 300 } });
    expect(byId.get('metallb-pools')?.retry).toEqual({ attempts: 2, delaySeconds: 10 });
  });

  it('keeps every shell script free of placeholders', () => {
    const scripts = catalog.phases.flatMap((p) => {
      const argv = p.argv.flatMap((a) => (typeof a === 'string' ? [a] : a.args));
      const i = shellScriptIndex(argv);
      return i >= 0 ? [argv[i]!] : [];
    });
    expect(scripts.length).toBeGreaterThanOrEqual(4);
    for (const s of scripts) expect(s).not.toMatch(/\$\{[a-z]/);
  });
});

describe('the test fixture catalog', () => {
  it('loads from its file, with its directory for ${catalogDir}', async () => {
    const catalog = await loadCatalogFile(fixture('test-catalog.yaml'));
    expect(catalog.phases.map((p) => p.id)).toEqual([
      'hello',
      'greet',
      'left',
      'right',
      'ping-playbook',
      'only-topolvm',
      'after-skipped',
    ]);
    expect(catalog.dir).toBe(fileURLToPath(new URL('../fixtures/catalogs', import.meta.url)));
    expect(catalog.source).toBe(fixture('test-catalog.yaml'));
  });
});

describe('broken catalogs', () => {
  it('names an unknown need with a suggestion, the phase and the line', () => {
    const text = BASE.replace('needs: [kube-ovn]', 'needs: [kube-ovm]');
    const issue = issueOf(text);
    expect(issue.path).toBe('phases[2].needs');
    expect(issue.message).toBe(
      '"keystone" needs unknown phase "kube-ovm"; did you mean "kube-ovn"?',
    );
    expect(issue.line).toBe(lineOf(text, 'needs: [kube-ovm]'));
  });

  it('names a cycle', () => {
    const text = BASE.replace(
      "      argv: ['true']\n      cwd: /\n",
      "      argv: ['true']\n      cwd: /\n    needs: [keystone]\n",
    );
    const issue = issueOf(text);
    expect(issue.message).toBe('needs form a cycle: hello -> keystone -> kube-ovn -> hello');
    expect(issue.path).toBe('phases[0].needs');
  });

  it('finds every cycle once', () => {
    const cycles = findCycles([
      { id: 'a', needs: ['b'] },
      { id: 'b', needs: ['a', 'c'] },
      { id: 'c', needs: ['c2'] },
      { id: 'c2', needs: ['c'] },
      { id: 'd', needs: ['a'] },
    ]);
    expect(cycles).toEqual([
      ['a', 'b'],
      ['c', 'c2'],
    ]);
  });

  it('refuses a phase that needs itself', () => {
    expect(issueOf(BASE.replace('needs: [hello]', 'needs: [kube-ovn]')).message).toBe(
      'phase "kube-ovn" needs itself',
    );
  });

  it('refuses duplicate ids, pointing at the second one', () => {
    const text = BASE.replace('  - id: keystone', '  - id: hello');
    const issue = issueOf(text);
    expect(issue.path).toBe('phases[2].id');
    expect(issue.message).toBe('duplicate phase id "hello" (first used by phases[0])');
    expect(issue.line).toBe(text.split('\n').lastIndexOf('  - id: hello') + 1);
  });

  it('refuses a condition that does not parse', () => {
    const text = BASE.replace('when: storage.backend == longhorn', "when: 'storage.backend =='");
    const issue = issueOf(text);
    expect(issue.path).toBe('phases[2].when');
    expect(issue.message).toMatch(
      /^expected a value at the end \(condition: "storage.backend =="\)/,
    );
    expect(issue.line).toBe(lineOf(text, 'when:'));
  });

  it('refuses a condition on an unknown profile field, with a suggestion', () => {
    const issue = issueOf(
      BASE.replace('storage.backend == longhorn', 'storage.backnd == longhorn'),
    );
    expect(issue.message).toMatch(
      /unknown profile field "storage.backnd"; did you mean "storage.backend"\?/,
    );
  });

  it('refuses an unknown check kind, with a suggestion', () => {
    const text = BASE.replace('kind: podsReady', 'kind: podReady');
    const issue = issueOf(text);
    expect(issue.path).toBe('phases[2].doneChecks[0].kind');
    expect(issue.message).toBe('unknown check kind "podReady"; did you mean "podsReady"?');
    expect(issue.line).toBe(lineOf(text, 'podReady'));
  });

  it('refuses a check without its required fields', () => {
    const issue = issueOf(BASE.replace('namespace: openstack, ', ''));
    expect(issue.path).toBe('phases[2].doneChecks[0].namespace');
    expect(issue.message).toMatch(/expected string/);
  });

  it('refuses unknown fields with a suggestion', () => {
    const text = BASE.replace('needs: [hello]', 'neds: [hello]');
    const issue = issueOf(text);
    expect(issue.path).toBe('phases[1]');
    expect(issue.message).toBe('unknown field "neds"; did you mean "needs"?');
    expect(issue.line).toBe(lineOf(text, 'neds:'));
  });

  it('refuses an unknown group with a suggestion', () => {
    const issue = issueOf(BASE.replace('group: kubernetes', 'group: kubernets'));
    expect(issue.path).toBe('phases[1].group');
    expect(issue.message).toBe('"kubernets" is not allowed; did you mean "kubernetes"?');
  });

  it('refuses a placeholder inside a shell script', () => {
    const text = BASE.replace(
      'argv: [kubectl, get, nodes]',
      'argv: [kubectl, get, nodes]\n      env: {}',
    ).replace("argv: ['true']", "argv: [bash, -c, 'echo ${domain}']");
    const issue = issueOf(text);
    expect(issue.path).toBe('phases[0].run.argv');
    expect(issue.message).toMatch(
      /a shell script never contains profile values: pass \$\{domain\} in run.env/,
    );
  });

  it('finds the script behind sudo and combined flags', () => {
    expect(shellScriptIndex(['sudo', '-E', 'bash', '-ec', 'x'])).toBe(4);
    expect(shellScriptIndex(['/bin/sh', '-c', 'x', 'name'])).toBe(2);
    expect(shellScriptIndex(['bash', 'script.sh'])).toBe(-1);
    expect(shellScriptIndex(['echo', '-c', 'x'])).toBe(-1);
  });

  it('refuses unknown placeholders with a suggestion', () => {
    const issue = issueOf(
      BASE.replace("'${repoDir}/bin/install-kube-ovn.sh'", "'${repoDri}/bin/install-kube-ovn.sh'"),
    );
    expect(issue.path).toBe('phases[1].run.argv[0]');
    expect(issue.message).toBe('unknown placeholder ${repoDri}; did you mean ${repoDir}?');
  });

  it('refuses anything that turns host key checking off', () => {
    const env = issueOf(
      BASE.replace(
        '      cwd: /\n    needs: [kube-ovn]',
        "      cwd: /\n      env: { ANSIBLE_HOST_KEY_CHECKING: 'False' }\n    needs: [kube-ovn]",
      ),
    );
    expect(env.path).toBe('phases[2].run.env.ANSIBLE_HOST_KEY_CHECKING');
    expect(env.message).toMatch(/never disables SSH host key checking/);
    const top = issueOf(
      BASE.replace('defaults:', "environment:\n  ANSIBLE_HOST_KEY_CHECKING: 'False'\ndefaults:"),
    );
    expect(top.path).toBe('environment.ANSIBLE_HOST_KEY_CHECKING');
    const ssh = issueOf(
      BASE.replace("argv: ['true']", 'argv: [ssh, -o, StrictHostKeyChecking=no, host]'),
    );
    expect(ssh.message).toMatch(/never disables SSH host key checking/);
  });

  it('refuses unknown builtins and argv on builtins', () => {
    const text = BASE.replace(
      "kind: command\n    run:\n      argv: ['true']",
      'kind: builtin\n    run:\n      builtin: label-node',
    );
    expect(issueOf(text).message).toBe('unknown builtin "label-node"; did you mean "label-nodes"?');
    const withArgv = BASE.replace(
      "kind: command\n    run:\n      argv: ['true']",
      "kind: builtin\n    run:\n      builtin: label-nodes\n      argv: ['true']",
    );
    expect(issueOf(withArgv).message).toBe('phase "hello" is a builtin: it has no argv');
  });

  it('checks that kubectl and ansible-playbook phases run what they say', () => {
    expect(
      issueOf(BASE.replace('argv: [kubectl, get, nodes]', 'argv: [helm, list]')).message,
    ).toMatch(/kind kubectl runs kubectl/);
  });

  it('refuses a soft timeout longer than the hard one, and missing timings', () => {
    expect(
      issueOf(BASE.replace('softTimeoutSeconds: 10', 'softTimeoutSeconds: 60')).message,
    ).toMatch(/soft timeout \(60s\) is longer than the hard one \(30s\)/);
    const issue = issueOf(BASE.replace('  hardTimeoutSeconds: 30\n', ''));
    expect(issue.message).toBe('missing, and the catalog has no defaults.hardTimeoutSeconds');
  });

  it('refuses an unknown parallel group, and relative working directories', () => {
    expect(
      issueOf(BASE.replace('    needs: [hello]', '    needs: [hello]\n    parallelGroup: pairs'))
        .message,
    ).toBe('unknown parallel group "pairs"; did you mean "pair"?');
    expect(
      issueOf(BASE.replace('cwd: /\n    needs: [kube-ovn]', 'cwd: tmp\n    needs: [kube-ovn]'))
        .message,
    ).toMatch(/absolute path/);
  });

  it('asks to quote argv items YAML reads as booleans or numbers', () => {
    const issue = issueOf(BASE.replace("argv: ['true']", 'argv: [true]'));
    expect(issue.path).toBe('phases[0].run.argv[0]');
    expect(issue.message).toBe(
      'an argv item is a string (quote true) or a { when, args } fragment',
    );
  });

  it('refuses non-string environment values', () => {
    const issue = issueOf(
      BASE.replace('defaults:', 'environment:\n  ANSIBLE_FORKS: 24\ndefaults:'),
    );
    expect(issue.path).toBe('environment.ANSIBLE_FORKS');
    expect(issue.message).toMatch(/quote numbers/);
  });

  it('reports YAML syntax errors with their position', () => {
    const issue = issueOf(BASE.replace('    title: CNI', '    title: [CNI'));
    expect(issue.line).toBeGreaterThan(0);
    expect(issue.path).toBe('');
  });

  it('refuses the wrong document kind', () => {
    const issue = issueOf(BASE.replace('kind: PhaseCatalog', 'kind: Profile'));
    expect(issue.path).toBe('kind');
    expect(issue.message).toBe('must be "PhaseCatalog", not "Profile"');
  });

  it('throws CatalogError from a file with file:line: field: message', async () => {
    const file = fixture('broken-needs.yaml');
    const error = await loadCatalogFile(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CatalogError);
    const text = readFileSync(file, 'utf8');
    const line = lineOf(text, 'needs: [helo]');
    const column = text.split('\n')[line - 1]!.indexOf('helo') + 1;
    expect((error as Error).message).toContain(
      `${file}:${line}:${column}: phases[1].needs: "greet" needs unknown phase "helo"; did you mean "hello"?`,
    );
    expect((error as CatalogError).exitCode).toBe(1);
  });

  it('says when the file is missing', async () => {
    await expect(loadCatalogFile(fixture('nope.yaml'))).rejects.toThrow(UserError);
    await expect(loadCatalogFile(fixture('nope.yaml'))).rejects.toThrow(/phase catalog not found/);
  });
});
