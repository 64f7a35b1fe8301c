// The phase catalog: Genestack's deployment as data (assets/catalog/phases.yaml, reference §3
// and §10). Loading validates everything a plan relies on, so a plan is only ever built from a
// catalog that is known to be well formed: schema (zod), unique ids, needs that exist and form no
// cycle, conditions that parse and name real profile fields, placeholders that exist, builtins
// the engine implements, and the safety rules below. Every error names the file, line, field and
// phase.
//
// Safety rules (ARCHITECTURE.md: no shell string is ever built from user input):
// - argv is always an array; a profile value is a whole element or a path fragment;
// - a shell script (`bash -c SCRIPT`, `sh -c SCRIPT`) is a fixed string: it may not contain a
//   ${placeholder}. Profile values reach it only as environment variables (run.env);
// - host key checking is never disabled: no ANSIBLE_HOST_KEY_CHECKING in any environment and no
//   StrictHostKeyChecking=no anywhere (scripts/genestack.rc sets ANSIBLE_HOST_KEY_CHECKING=False;
//   this installer does not, and unsets it, reference §1.4).
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { UserError } from '../commands/io';
import { EXIT } from '../exitCodes';
import { formatPath, type PathSegment } from '../profile/findings';
import { closest } from '../profile/suggest';
import { positionOf } from '../profile/yamlPosition';
import { CHECK_KINDS, CheckSchema, type CheckBody } from './checks';
import { ConditionError, parseCondition, type Condition } from './conditions';
import { PLACEHOLDER_NAMES, placeholdersIn } from './placeholders';
import { shellScriptIndex } from './shell';

export { shellScriptIndex } from './shell';

export const CATALOG_API_VERSION = 'genestack-installer/v1';
export const CATALOG_KIND = 'PhaseCatalog';
/** Catalogs are small; anything larger is a mistake. */
export const MAX_CATALOG_BYTES = 1024 * 1024;
const MAX_ALIAS_COUNT = 100;

export const PHASE_GROUPS = [
  'host-preparation',
  'kubernetes',
  'infrastructure',
  'storage',
  'openstack',
  'post-deploy',
] as const;
export type PhaseGroup = (typeof PHASE_GROUPS)[number];

export const GROUP_TITLES: Record<PhaseGroup, string> = {
  'host-preparation': 'Host preparation',
  kubernetes: 'Kubernetes',
  infrastructure: 'Infrastructure',
  storage: 'Storage',
  openstack: 'OpenStack',
  'post-deploy': 'Post-deploy',
};

export const PHASE_KINDS = ['ansible-playbook', 'script', 'kubectl', 'command', 'builtin'] as const;
export type PhaseKind = (typeof PHASE_KINDS)[number];

/**
 * Steps the installer performs itself (the engine implements them); a builtin phase has no argv.
 * Each one replaces a Genestack step that is manual, interactive, or would need a shell pipeline
 * built from profile data.
 */
export const BUILTINS = {
  preflight:
    'read-only checks of every host over SSH (docs/preflight.md); writes preflight.json in the run folder and stops the run with exit 5 before anything changes when a check fails',
  'write-config':
    'renders the profile into Genestack’s files (src/genestack) and writes them under configDir (P2)',
  'install-kubectl':
    'installs kubectl (and kubectl-ko) on the deploy host, matching the cluster’s version (P6)',
  'fetch-kubeconfig':
    'copies admin.conf from the first control-plane host over SSH, points it at that host, writes it mode 0600 to the profile’s kubeconfig path (P6)',
  'label-nodes':
    'labels nodes from the inventory groups (reference §2.3, §3.4), removes the control-plane NoSchedule taint as setup-infrastructure.sh does (P7)',
  'annotate-ovn-nodes':
    'annotates network nodes with ovn.openstack.org/* from the profile: bridges, ports, mappings, availability zones, gateways (reference §3.5, §4.3) (P8)',
  'prepare-topolvm-volume-group':
    'creates volume group vg-general on the profile’s TopoLVM disks, refusing disks that hold data (reference §5.5) (P11d)',
  'import-external-ceph':
    'runs scripts/import-external-cluster.sh with the external cluster’s exports as environment, keeping its keys out of the plan and the journal (reference §5.4) (P11c)',
} as const;
export type BuiltinName = keyof typeof BUILTINS;
const BUILTIN_NAMES = Object.keys(BUILTINS) as BuiltinName[];

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const KEBAB = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const REF = /^P\d+[a-z]?$/;
/** Genestack's own setting that this installer never copies (see the header). */
const FORBIDDEN_ENV = 'ANSIBLE_HOST_KEY_CHECKING';

const text = z.string().trim().min(1);
const seconds = z.number().int().positive();
const envMap = z.record(
  z.string().regex(ENV_NAME, { message: 'must be an environment variable name' }),
  z.string({ message: 'environment values are strings: quote numbers and booleans' }),
);

const RetrySchema = z.strictObject({
  attempts: z.number().int().min(1).max(10),
  delaySeconds: z.number().int().min(0),
});
export type RetryPolicy = z.infer<typeof RetrySchema>;

const ArgSchema = z.union([
  z.string(),
  z.strictObject({ when: z.unknown(), args: z.array(z.string()).min(1) }),
]);

const PhaseSchema = z.strictObject({
  id: z.string().regex(KEBAB, { message: 'must be kebab-case, e.g. kube-ovn' }),
  ref: z
    .string()
    .regex(REF, { message: 'must name a row of the reference phase table, e.g. P9 or P11a' })
    .optional(),
  title: text,
  description: z.string().optional(),
  group: z.enum(PHASE_GROUPS),
  kind: z.enum(PHASE_KINDS),
  run: z.strictObject({
    argv: z.array(ArgSchema).default([]),
    builtin: z.string().optional(),
    cwd: text,
    env: envMap.default({}),
  }),
  needs: z.array(z.string()).default([]),
  when: z.unknown().optional(),
  doneChecks: z.array(CheckSchema).default([]),
  skipIfDone: z.boolean().default(false),
  expectedSeconds: seconds.optional(),
  softTimeoutSeconds: seconds.optional(),
  hardTimeoutSeconds: seconds.optional(),
  retry: RetrySchema.optional(),
  parallelGroup: z.string().optional(),
  notes: z.string().optional(),
});

const CatalogSchema = z.strictObject({
  apiVersion: z.literal(CATALOG_API_VERSION),
  kind: z.literal(CATALOG_KIND),
  metadata: z.strictObject({
    name: text,
    description: z.string().optional(),
    genestackCommit: z.string().optional(),
  }),
  environment: envMap.default({}),
  unsetEnvironment: z.array(z.string().regex(ENV_NAME)).default([]),
  pathPrepend: z.array(text).default([]),
  defaults: z
    .strictObject({
      expectedSeconds: seconds.optional(),
      softTimeoutSeconds: seconds.optional(),
      hardTimeoutSeconds: seconds.optional(),
      retry: RetrySchema.optional(),
    })
    .default({}),
  parallelGroups: z
    .record(
      z.string().regex(KEBAB, { message: 'must be kebab-case' }),
      z.strictObject({
        description: text,
        /** The budget Genestack itself gives the group; exceeding it is reported, not fatal. */
        budgetSeconds: seconds.optional(),
        maxConcurrent: z.number().int().min(1).optional(),
      }),
    )
    .default({}),
  phases: z.array(PhaseSchema).min(1, { message: 'a catalog needs at least one phase' }),
});

export interface ArgFragment {
  /** The args are included only when this holds. */
  when: Condition;
  args: string[];
}
export type ArgTemplate = string | ArgFragment;

export interface CatalogCheck {
  check: CheckBody;
  when?: Condition;
}

export interface ParallelGroup {
  description: string;
  budgetSeconds?: number;
  maxConcurrent?: number;
}

export interface CatalogPhase {
  /** Position in the catalog file (0-based). */
  index: number;
  id: string;
  ref?: string;
  title: string;
  description?: string;
  group: PhaseGroup;
  kind: PhaseKind;
  builtin?: BuiltinName;
  argv: ArgTemplate[];
  cwd: string;
  env: Record<string, string>;
  needs: string[];
  when?: Condition;
  doneChecks: CatalogCheck[];
  /** The engine runs the done-checks first and skips the command when they already pass. */
  skipIfDone: boolean;
  expectedSeconds: number;
  softTimeoutSeconds: number;
  hardTimeoutSeconds: number;
  retry: RetryPolicy;
  parallelGroup?: string;
  notes?: string;
}

export interface Catalog {
  /** Where it came from: a file path, or the built-in marker. */
  source: string;
  /** Directory of the file, for ${catalogDir}. */
  dir?: string;
  name: string;
  description?: string;
  genestackCommit?: string;
  /** Environment of every phase (Genestack's scripts/genestack.rc). */
  environment: Record<string, string>;
  /** Variables removed from the inherited environment of every phase. */
  unsetEnvironment: string[];
  /** Directories put in front of PATH for every phase (the venv, as genestack.rc activates it). */
  pathPrepend: string[];
  parallelGroups: Record<string, ParallelGroup>;
  phases: CatalogPhase[];
}

export interface CatalogIssue {
  /** Field path such as `phases[12].needs`; empty for the file as a whole. */
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/** A catalog that cannot be used; the message lists every issue as file:line:col: path: message. */
export class CatalogError extends UserError {
  constructor(
    readonly source: string,
    readonly issues: CatalogIssue[],
  ) {
    super(
      `the phase catalog ${source} is invalid:\n${issues.map((i) => `  ${formatCatalogIssue(source, i)}`).join('\n')}`,
      EXIT.invalid,
    );
    this.name = 'CatalogError';
  }
}

export function formatCatalogIssue(source: string, issue: CatalogIssue): string {
  const pos = issue.line !== undefined ? `${source}:${issue.line}:${issue.column ?? 1}` : source;
  return `${pos}: ${issue.path ? `${issue.path}: ` : ''}${issue.message}`;
}

export interface LoadCatalogOptions {
  /** Named in errors and in plans: a file path or "built-in ...". */
  source: string;
  /** Directory of the file, for ${catalogDir}. */
  dir?: string;
}

type RawCatalog = z.infer<typeof CatalogSchema>;
type RawPhase = z.infer<typeof PhaseSchema>;

interface PendingIssue {
  path: PathSegment[];
  message: string;
  /** A more precise node to point at than `path` (e.g. the offending list item). */
  at?: PathSegment[];
}

/** Loads and validates a catalog from YAML text. Never throws for bad input: see `issues`. */
export function loadCatalogText(
  yamlText: string,
  opts: LoadCatalogOptions,
): { catalog?: Catalog; issues: CatalogIssue[] } {
  const bytes = Buffer.byteLength(yamlText, 'utf8');
  if (bytes > MAX_CATALOG_BYTES) {
    return {
      issues: [
        {
          path: '',
          line: 1,
          column: 1,
          message: `the file is ${bytes} bytes; catalogs are limited to ${MAX_CATALOG_BYTES} bytes`,
        },
      ],
    };
  }
  const lc = new LineCounter();
  const doc = parseDocument(yamlText, { uniqueKeys: true, lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      issues: doc.errors.map((e) => {
        const p = lc.linePos(e.pos[0]);
        return {
          path: '',
          line: p.line,
          column: p.col,
          message:
            e.code === 'DUPLICATE_KEY'
              ? 'a key appears twice in the same mapping'
              : (e.message.split('\n')[0] ?? e.message),
        };
      }),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    return {
      issues: [
        {
          path: '',
          line: 1,
          column: 1,
          message: `YAML aliases expand too far (${(e as Error).message})`,
        },
      ],
    };
  }
  const locate = (p: PendingIssue): CatalogIssue => {
    const pos = positionOf(doc, lc, p.at ?? p.path);
    return { path: formatPath(p.path), message: p.message, ...pos };
  };

  const parsed = CatalogSchema.safeParse(data);
  if (!parsed.success) {
    return { issues: parsed.error.issues.map((i) => locate(describeZodIssue(i, data))) };
  }
  const pending: PendingIssue[] = [];
  const catalog = buildCatalog(parsed.data, opts, pending);
  const issues = pending.map(locate);
  return issues.length > 0 ? { issues } : { catalog, issues };
}

/** Like loadCatalogText, but throws CatalogError. */
export function parseCatalog(yamlText: string, opts: LoadCatalogOptions): Catalog {
  const { catalog, issues } = loadCatalogText(yamlText, opts);
  if (!catalog) throw new CatalogError(opts.source, issues);
  return catalog;
}

/** Reads a catalog file (`--catalog FILE`). Throws UserError or CatalogError. */
export async function loadCatalogFile(file: string): Promise<Catalog> {
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile())
      throw new UserError(`${file} is not a file; give the path of a phase catalog YAML file`);
    size = st.size;
  } catch (e) {
    if (e instanceof UserError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UserError(`phase catalog not found: ${file}; check the path`, EXIT.invalid);
    }
    throw new UserError(`cannot read phase catalog ${file}: ${(e as Error).message}`);
  }
  if (size > MAX_CATALOG_BYTES) {
    throw new CatalogError(file, [
      {
        path: '',
        line: 1,
        column: 1,
        message: `the file is ${size} bytes; catalogs are limited to ${MAX_CATALOG_BYTES} bytes`,
      },
    ]);
  }
  const content = await readFile(file, 'utf8');
  return parseCatalog(content, { source: file, dir: path.resolve(path.dirname(file)) });
}

// ---------------------------------------------------------------------------------------------
// zod issues, in words an operator can act on

const KNOWN_FIELDS = [
  ...Object.keys(CatalogSchema.shape),
  ...Object.keys(PhaseSchema.shape),
  ...Object.keys(PhaseSchema.shape.run.shape),
  'name',
  'description',
  'genestackCommit',
  'attempts',
  'delaySeconds',
  'budgetSeconds',
  'maxConcurrent',
  'namespace',
  'selector',
  'release',
  'status',
  'expect',
  'annotation',
  'value',
  'group',
  'ready',
  'resource',
  'apiVersion',
  'condition',
  'path',
  'equals',
  'timeoutSeconds',
  'recover',
  'intervalSeconds',
  'args',
];

function inputAt(data: unknown, segments: readonly PropertyKey[]): unknown {
  let node = data;
  for (const s of segments) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[s];
  }
  return node;
}

function toSegments(p: readonly PropertyKey[]): PathSegment[] {
  return p.map((s) => (typeof s === 'number' ? s : String(s)));
}

function describeZodIssue(issue: z.core.$ZodIssue, data: unknown): PendingIssue {
  const segs = toSegments(issue.path);
  const suggest = (value: string, options: readonly string[]) => {
    const hint = closest(value, options);
    return hint ? `; did you mean "${hint}"?` : `; one of ${options.join(', ')}`;
  };
  switch (issue.code) {
    case 'invalid_union': {
      const value = inputAt(data, issue.path);
      if ('discriminator' in issue && issue.discriminator === 'kind') {
        return {
          path: segs,
          message: `unknown check kind ${JSON.stringify(value)}${typeof value === 'string' ? suggest(value, CHECK_KINDS) : `; one of ${CHECK_KINDS.join(', ')}`}`,
        };
      }
      if (segs.includes('argv')) {
        return {
          path: segs,
          message: `an argv item is a string (quote ${JSON.stringify(value)}) or a { when, args } fragment`,
        };
      }
      return { path: segs, message: issue.message };
    }
    case 'invalid_value': {
      const value = inputAt(data, issue.path);
      const options = issue.values.map(String);
      if (options.length === 1) {
        return {
          path: segs,
          message: `must be ${JSON.stringify(options[0])}${typeof value === 'string' ? `, not "${value}"` : ''}`,
        };
      }
      if (typeof value === 'string') {
        return { path: segs, message: `"${value}" is not allowed${suggest(value, options)}` };
      }
      return {
        path: segs,
        message: `must be ${options.map((o) => JSON.stringify(o)).join(' or ')}`,
      };
    }
    case 'unrecognized_keys': {
      const [key] = issue.keys;
      const hint = key ? closest(key, KNOWN_FIELDS) : undefined;
      return {
        path: segs,
        at: key !== undefined ? [...segs, key] : segs,
        message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}${hint ? `; did you mean "${hint}"?` : ''}`,
      };
    }
    default:
      return { path: segs, message: issue.message.replace(/^Invalid input: /, '') };
  }
}

// ---------------------------------------------------------------------------------------------
// Semantic checks

function buildCatalog(raw: RawCatalog, opts: LoadCatalogOptions, issues: PendingIssue[]): Catalog {
  const add = (p: PathSegment[], message: string, at?: PathSegment[]) =>
    issues.push({ path: p, message, at });

  // Catalog-wide environment and PATH.
  for (const key of Object.keys(raw.environment)) {
    if (key === FORBIDDEN_ENV) add(['environment', key], hostKeyMessage);
    checkTemplate(raw.environment[key]!, ['environment', key], add);
  }
  raw.pathPrepend.forEach((p, i) => checkTemplate(p, ['pathPrepend', i], add));

  // Ids: unique, and known to needs.
  const firstIndex = new Map<string, number>();
  raw.phases.forEach((p, i) => {
    const first = firstIndex.get(p.id);
    if (first !== undefined) {
      add(['phases', i, 'id'], `duplicate phase id "${p.id}" (first used by phases[${first}])`);
    } else {
      firstIndex.set(p.id, i);
    }
  });
  const ids = [...firstIndex.keys()];
  const groups = Object.keys(raw.parallelGroups);

  const phases = raw.phases.map((p, i) => buildPhase(p, i, raw, ids, groups, add));

  // Needs form a DAG: name every cycle once.
  if (issues.length === 0) {
    for (const cycle of findCycles(phases)) {
      const start = phases.find((p) => p.id === cycle[0])!;
      add(
        ['phases', start.index, 'needs'],
        `needs form a cycle: ${[...cycle, cycle[0]].join(' -> ')}`,
      );
    }
  }

  return {
    source: opts.source,
    dir: opts.dir,
    name: raw.metadata.name,
    description: raw.metadata.description,
    genestackCommit: raw.metadata.genestackCommit,
    environment: raw.environment,
    unsetEnvironment: [...new Set([...raw.unsetEnvironment, FORBIDDEN_ENV])],
    pathPrepend: raw.pathPrepend,
    parallelGroups: raw.parallelGroups,
    phases,
  };
}

const hostKeyMessage =
  'this installer never disables SSH host key checking (Genestack’s genestack.rc sets ANSIBLE_HOST_KEY_CHECKING=False; the installer does not): remove it';

type Add = (p: PathSegment[], message: string, at?: PathSegment[]) => void;

function buildPhase(
  p: RawPhase,
  i: number,
  raw: RawCatalog,
  ids: readonly string[],
  groups: readonly string[],
  add: Add,
): CatalogPhase {
  const at = (...rest: PathSegment[]): PathSegment[] => ['phases', i, ...rest];
  const named = `phase "${p.id}"`;

  const when = p.when === undefined ? undefined : condition(p.when, at('when'), add);

  // argv: strings and conditional fragments.
  const argv: ArgTemplate[] = p.run.argv.map((a, j) => {
    if (typeof a === 'string') return a;
    const c = condition(a.when, at('run', 'argv', j, 'when'), add);
    return { when: c ?? { op: 'const', value: false }, args: a.args };
  });
  const flat = argv.flatMap((a) => (typeof a === 'string' ? [a] : a.args));
  checkArgv(flat, at('run', 'argv'), add);

  // kind, builtin and argv agree.
  if (p.kind === 'builtin') {
    if (p.run.builtin === undefined) {
      add(
        at('run'),
        `${named} is a builtin: set run.builtin to one of ${BUILTIN_NAMES.join(', ')}`,
      );
    } else if (!(BUILTIN_NAMES as string[]).includes(p.run.builtin)) {
      const hint = closest(p.run.builtin, BUILTIN_NAMES);
      add(
        at('run', 'builtin'),
        `unknown builtin "${p.run.builtin}"${hint ? `; did you mean "${hint}"?` : `; one of ${BUILTIN_NAMES.join(', ')}`}`,
      );
    }
    if (flat.length > 0) add(at('run', 'argv'), `${named} is a builtin: it has no argv`);
  } else {
    if (p.run.builtin !== undefined) {
      add(at('run', 'builtin'), `only kind builtin has run.builtin (${named} is kind ${p.kind})`);
    }
    if (flat.length === 0) add(at('run', 'argv'), `${named} needs an argv (kind ${p.kind})`);
    const first = flat[0];
    if (first !== undefined && p.kind === 'kubectl' && first !== 'kubectl') {
      add(
        at('run', 'argv'),
        `kind kubectl runs kubectl: argv starts with "kubectl", not "${first}"`,
        at('run', 'argv', 0),
      );
    }
    if (
      first !== undefined &&
      p.kind === 'ansible-playbook' &&
      path.posix.basename(first) !== 'ansible-playbook'
    ) {
      add(
        at('run', 'argv'),
        `kind ansible-playbook runs ansible-playbook (e.g. \${venvBin}/ansible-playbook), not "${first}"`,
        at('run', 'argv', 0),
      );
    }
  }

  // cwd, env.
  checkTemplate(p.run.cwd, at('run', 'cwd'), add);
  if (!p.run.cwd.startsWith('/') && !p.run.cwd.startsWith('${')) {
    add(
      at('run', 'cwd'),
      `must be an absolute path or start with a placeholder such as \${repoDir}`,
    );
  }
  for (const [key, value] of Object.entries(p.run.env)) {
    if (key === FORBIDDEN_ENV) add(at('run', 'env', key), hostKeyMessage);
    checkTemplate(value, at('run', 'env', key), add);
  }

  // needs.
  p.needs.forEach((n, j) => {
    if (n === p.id) {
      add(at('needs'), `${named} needs itself`, at('needs', j));
    } else if (!ids.includes(n)) {
      const hint = closest(n, ids);
      add(
        at('needs'),
        `"${p.id}" needs unknown phase "${n}"${hint ? `; did you mean "${hint}"?` : ''}`,
        at('needs', j),
      );
    }
  });
  if (new Set(p.needs).size !== p.needs.length) add(at('needs'), 'lists a phase twice');

  if (p.parallelGroup !== undefined && !groups.includes(p.parallelGroup)) {
    const hint = closest(p.parallelGroup, groups);
    add(
      at('parallelGroup'),
      `unknown parallel group "${p.parallelGroup}"${hint ? `; did you mean "${hint}"?` : groups.length ? `; declared: ${groups.join(', ')}` : '; declare it under parallelGroups'}`,
    );
  }

  // Checks.
  const doneChecks: CatalogCheck[] = p.doneChecks.map((c, j) => {
    const { when: rawWhen, ...check } = c;
    const cw =
      rawWhen === undefined ? undefined : condition(rawWhen, at('doneChecks', j, 'when'), add);
    forEachString(check, (s, sub) => checkTemplate(s, at('doneChecks', j, ...sub), add));
    if (check.kind === 'command') checkArgv(check.argv, at('doneChecks', j, 'argv'), add);
    if (check.recover) checkArgv(check.recover.argv, at('doneChecks', j, 'recover', 'argv'), add);
    return cw ? { check, when: cw } : { check };
  });

  // Timing.
  const d = raw.defaults;
  const timing = (k: 'expectedSeconds' | 'softTimeoutSeconds' | 'hardTimeoutSeconds'): number => {
    const v = p[k] ?? d[k];
    if (v === undefined) add(at(k), `missing, and the catalog has no defaults.${k}`);
    return v ?? 0;
  };
  const expectedSeconds = timing('expectedSeconds');
  const softTimeoutSeconds = timing('softTimeoutSeconds');
  const hardTimeoutSeconds = timing('hardTimeoutSeconds');
  if (softTimeoutSeconds > hardTimeoutSeconds) {
    add(
      at('softTimeoutSeconds'),
      `the soft timeout (${softTimeoutSeconds}s) is longer than the hard one (${hardTimeoutSeconds}s)`,
    );
  }
  if (expectedSeconds > hardTimeoutSeconds) {
    add(
      at('expectedSeconds'),
      `the expected duration (${expectedSeconds}s) is longer than the hard timeout (${hardTimeoutSeconds}s)`,
    );
  }
  const retry = p.retry ?? d.retry ?? { attempts: 1, delaySeconds: 0 };

  return {
    index: i,
    id: p.id,
    ref: p.ref,
    title: p.title,
    description: p.description,
    group: p.group,
    kind: p.kind,
    builtin: p.kind === 'builtin' ? (p.run.builtin as BuiltinName) : undefined,
    argv,
    cwd: p.run.cwd,
    env: p.run.env,
    needs: p.needs,
    when,
    doneChecks,
    skipIfDone: p.skipIfDone,
    expectedSeconds,
    softTimeoutSeconds,
    hardTimeoutSeconds,
    retry,
    parallelGroup: p.parallelGroup,
    notes: p.notes,
  };
}

function condition(raw: unknown, where: PathSegment[], add: Add): Condition | undefined {
  try {
    return parseCondition(raw);
  } catch (e) {
    if (e instanceof ConditionError) {
      add(where, `${e.message} (condition: ${JSON.stringify(raw)})`);
      return undefined;
    }
    throw e;
  }
}

/** Every placeholder in a template must exist. */
function checkTemplate(value: string, where: PathSegment[], add: Add): void {
  for (const name of placeholdersIn(value)) {
    if (!PLACEHOLDER_NAMES.includes(name)) {
      const hint = closest(name, PLACEHOLDER_NAMES);
      add(
        where,
        `unknown placeholder \${${name}}${hint ? `; did you mean \${${hint}}?` : `; known: ${PLACEHOLDER_NAMES.join(', ')}`}`,
      );
    }
  }
}

function checkArgv(argv: readonly string[], where: PathSegment[], add: Add): void {
  const script = shellScriptIndex(argv);
  argv.forEach((a, j) => {
    if (/StrictHostKeyChecking\s*=?\s*no/i.test(a) || a.includes(FORBIDDEN_ENV)) {
      add(where, hostKeyMessage, [...where, j]);
    }
    if (j === script) {
      const known = placeholdersIn(a).filter((n) => PLACEHOLDER_NAMES.includes(n));
      if (known.length > 0) {
        add(
          where,
          `a shell script never contains profile values: pass \${${known[0]}} in run.env (e.g. MY_VAR: \${${known[0]}}) and use "$MY_VAR" in the script`,
          [...where, j],
        );
      }
    } else {
      checkTemplate(a, [...where, j], add);
    }
  });
}

function forEachString(
  value: unknown,
  fn: (s: string, where: PathSegment[]) => void,
  where: PathSegment[] = [],
): void {
  if (typeof value === 'string') fn(value, where);
  else if (Array.isArray(value)) value.forEach((v, i) => forEachString(v, fn, [...where, i]));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      // command argv is checked by checkArgv (scripts may hold shell variables)
      if (k === 'argv') continue;
      forEachString(v, fn, [...where, k]);
    }
  }
}

/** Every elementary cycle found by a depth-first search, each reported once. */
export function findCycles(phases: readonly Pick<CatalogPhase, 'id' | 'needs'>[]): string[][] {
  const byId = new Map(phases.map((p) => [p.id, p]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const visit = (id: string) => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const n of byId.get(id)?.needs ?? []) {
      if (!byId.has(n)) continue;
      const s = state.get(n);
      if (s === 'visiting') {
        const cycle = stack.slice(stack.indexOf(n));
        const key = [...cycle].sort().join(' ');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(cycle);
        }
      } else if (s === undefined) {
        visit(n);
      }
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const p of phases) if (!state.has(p.id)) visit(p.id);
  return cycles;
}
