// The plan: the concrete list of phases a deployment of one profile runs, in order, with exact
// argv, working directory, environment and done-checks; and the phases it skips, with the
// profile facts that skip them. Pure: same profile, catalog and options in, same plan out.
import { createHash } from 'node:crypto';
import os from 'node:os';
import { UserError } from '../commands/io';
import { EXIT } from '../exitCodes';
import { installerEnvironment } from '../genestack/env';
import { inventoryGroups } from '../genestack/inventory';
import type { ResolvedProfile } from '../profile/normalize';
import type {
  Catalog,
  CatalogPhase,
  ParallelGroup,
  PhaseGroup,
  PhaseKind,
  RetryPolicy,
  BuiltinName,
} from './catalog';
import type { DoneCheck } from './checks';
import { evaluateCondition, formatCondition } from './conditions';
import { PLACEHOLDERS, placeholderValues, resolveTemplate } from './placeholders';

export const PLAN_API_VERSION = 'genestack-installer/v1';

export interface PlanPhase {
  id: string;
  /** Row of the reference phase table (P0-P33). */
  ref?: string;
  title: string;
  description?: string;
  group: PhaseGroup;
  kind: PhaseKind;
  /** For kind builtin: the step the engine performs itself (argv is empty). */
  builtin?: BuiltinName;
  argv: string[];
  cwd: string;
  /**
   * Variables set for the phase on top of the engine's own environment (minus
   * `Plan.unsetEnvironment`, with `Plan.pathPrepend` in front of PATH).
   */
  env: Record<string, string>;
  /** Names of the `env` variables whose value came from the profile. */
  envFromProfile: string[];
  /** Phases of this plan that must be done first. */
  needs: string[];
  /** Needs on skipped phases, dropped; the phase waits for what those needed instead. */
  droppedNeeds: Array<{ id: string; reason: string }>;
  doneChecks: DoneCheck[];
  skipIfDone: boolean;
  expectedSeconds: number;
  softTimeoutSeconds: number;
  hardTimeoutSeconds: number;
  retry: RetryPolicy;
  parallelGroup?: string;
  /** The phase's condition, when it has one. */
  when?: string;
  /** Present when the phase will not run. */
  skipped?: { reason: string; condition: string };
  notes?: string;
}

export interface Plan {
  apiVersion: typeof PLAN_API_VERSION;
  kind: 'Plan';
  /** metadata.name of the profile. */
  profile: string;
  catalog: { source: string; name: string; genestackCommit?: string };
  /** Prepended to PATH for every phase (Genestack's venv, as genestack.rc activates it). */
  pathPrepend: string[];
  /** Removed from the inherited environment of every phase. */
  unsetEnvironment: string[];
  parallelGroups: Record<string, ParallelGroup>;
  /** Every catalog phase in a stable topological order; skipped ones carry `skipped`. */
  phases: PlanPhase[];
}

export interface PlanOptions {
  /** Home directory of the user the engine runs as (default: this process's). */
  home?: string;
  /** Login name of that user (default: this process's). */
  localUser?: string;
  /** Genestack's venv (default <home>/.venvs/genestack). */
  venvDir?: string;
}

/** A plan that cannot be built from this profile: a placeholder without a value. */
export class PlanError extends UserError {
  constructor(readonly problems: string[]) {
    super(`cannot build the plan:\n${problems.map((p) => `  ${p}`).join('\n')}`, EXIT.invalid);
    this.name = 'PlanError';
  }
}

/**
 * Phase order: a topological order of the needs graph where, among the phases whose needs are
 * all placed, the earliest in the catalog goes first. Catalog order is the tie-breaker, so the
 * plan reads like the catalog wherever the needs allow.
 */
export function topologicalOrder<T extends { id: string; needs: readonly string[] }>(
  phases: readonly T[],
): T[] {
  const placed = new Set<string>();
  const known = new Set(phases.map((p) => p.id));
  const remaining = [...phases];
  const out: T[] = [];
  while (remaining.length > 0) {
    const next = remaining.findIndex((p) => p.needs.every((n) => placed.has(n) || !known.has(n)));
    if (next < 0) {
      throw new Error(`needs form a cycle among: ${remaining.map((p) => p.id).join(', ')}`);
    }
    const [p] = remaining.splice(next, 1);
    out.push(p!);
    placed.add(p!.id);
  }
  return out;
}

export function buildPlan(
  profile: ResolvedProfile,
  catalog: Catalog,
  opts: PlanOptions = {},
): Plan {
  const values = placeholderValues({
    profile,
    home: opts.home ?? os.homedir(),
    localUser: opts.localUser ?? currentUser(),
    venvDir: opts.venvDir,
    catalogDir: catalog.dir,
  });
  const problems: string[] = [];

  // Which phases run.
  const skipReason = new Map<string, { reason: string; condition: string }>();
  for (const p of catalog.phases) {
    if (!p.when) continue;
    const r = evaluateCondition(p.when, profile);
    if (!r.value) skipReason.set(p.id, { reason: r.why, condition: formatCondition(p.when) });
  }
  const runs = (id: string) => !skipReason.has(id);

  // Needs on skipped phases are replaced by what those phases needed, transitively, so the
  // order the catalog asks for still holds. Of those inherited needs, only the ones not already
  // implied by another need are kept, so the plan's needs stay readable.
  const byId = new Map(catalog.phases.map((p) => [p.id, p]));
  const effective = new Map<string, string[]>();
  const effectiveNeeds = (id: string): string[] => {
    const memo = effective.get(id);
    if (memo) return memo;
    const out: string[] = [];
    for (const n of byId.get(id)?.needs ?? []) {
      for (const m of runs(n) ? [n] : effectiveNeeds(n)) if (!out.includes(m)) out.push(m);
    }
    effective.set(id, out);
    return out;
  };
  const ancestors = new Map<string, Set<string>>();
  const ancestorsOf = (id: string): Set<string> => {
    let set = ancestors.get(id);
    if (!set) {
      set = new Set();
      for (const n of effectiveNeeds(id)) {
        set.add(n);
        for (const a of ancestorsOf(n)) set.add(a);
      }
      ancestors.set(id, set);
    }
    return set;
  };
  const planNeeds = (p: CatalogPhase): string[] => {
    const all = effectiveNeeds(p.id);
    const direct = p.needs.filter(runs);
    return all.filter(
      (m) => direct.includes(m) || !all.some((k) => k !== m && ancestorsOf(k).has(m)),
    );
  };

  const resolve = (phase: CatalogPhase, template: string, where: string) => {
    const r = resolveTemplate(template, values);
    if (r.missing.length > 0 && runs(phase.id)) {
      for (const name of r.missing) {
        const def = PLACEHOLDERS[name];
        const why = def?.profilePath ? `: ${def.profilePath} is not set` : '';
        problems.push(
          `phase "${phase.id}" (phases[${phase.index}]) ${where}: \${${name}} has no value${why}; ${def?.description ?? ''}`.trimEnd(),
        );
      }
    }
    return r;
  };

  const base = resolveEnvironment(catalog.environment, (t) => resolveTemplate(t, values));
  const installer = installerEnvironment(profile);

  const phases = topologicalOrder(catalog.phases).map((p): PlanPhase => {
    // argv: conditional fragments are kept only when their condition holds.
    const argvTemplates = p.argv.flatMap((a) =>
      typeof a === 'string' ? [a] : evaluateCondition(a.when, profile).value ? a.args : [],
    );
    const argv = argvTemplates.map((a, i) => resolve(p, a, `argv[${i}]`).text);
    const cwd = resolve(p, p.cwd, 'cwd').text;

    // Environment: genestack.rc (catalog) < installerEnvironment(profile) < the phase's own.
    const env: Record<string, string> = {};
    const fromProfile = new Set<string>();
    for (const [k, v] of Object.entries(base.env)) {
      env[k] = v;
      if (base.fromProfile.has(k)) fromProfile.add(k);
    }
    for (const [k, v] of installer) {
      env[k] = v;
      fromProfile.add(k);
    }
    for (const [k, t] of Object.entries(p.env)) {
      const r = resolve(p, t, `env.${k}`);
      env[k] = r.text;
      if (r.fromProfile) fromProfile.add(k);
      else fromProfile.delete(k);
    }

    const doneChecks = p.doneChecks
      .filter((c) => !c.when || evaluateCondition(c.when, profile).value)
      .map((c, i) => {
        const check = mapStrings(c.check, (s) => resolve(p, s, `doneChecks[${i}]`).text);
        return check.kind === 'nodesPresent'
          ? { ...check, names: inventoryGroups(profile)[check.group] }
          : check;
      }) as DoneCheck[];

    const needs = planNeeds(p);
    const droppedNeeds = p.needs
      .filter((n) => !runs(n))
      .map((n) => ({ id: n, reason: skipReason.get(n)!.reason }));

    const phase: PlanPhase = {
      id: p.id,
      ref: p.ref,
      title: p.title,
      description: p.description,
      group: p.group,
      kind: p.kind,
      builtin: p.builtin,
      argv,
      cwd,
      env,
      envFromProfile: Object.keys(env).filter((k) => fromProfile.has(k)),
      needs,
      droppedNeeds,
      doneChecks,
      skipIfDone: p.skipIfDone,
      expectedSeconds: p.expectedSeconds,
      softTimeoutSeconds: p.softTimeoutSeconds,
      hardTimeoutSeconds: p.hardTimeoutSeconds,
      retry: p.retry,
      parallelGroup: p.parallelGroup,
      when: p.when ? formatCondition(p.when) : undefined,
      skipped: skipReason.get(p.id),
      notes: p.notes,
    };
    return dropUndefined(phase);
  });

  if (problems.length > 0) throw new PlanError(problems);

  const pathPrepend = catalog.pathPrepend.map((t) => resolveTemplate(t, values).text);
  return dropUndefined({
    apiVersion: PLAN_API_VERSION,
    kind: 'Plan',
    profile: profile.metadata.name,
    catalog: dropUndefined({
      source: catalog.source,
      name: catalog.name,
      genestackCommit: catalog.genestackCommit,
    }),
    pathPrepend,
    unsetEnvironment: catalog.unsetEnvironment,
    parallelGroups: catalog.parallelGroups,
    phases,
  });
}

/** os.userInfo() throws when the uid has no passwd entry (some containers). */
function currentUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? process.env.LOGNAME ?? String(process.getuid?.() ?? 'root');
  }
}

function resolveEnvironment(
  env: Record<string, string>,
  resolve: (t: string) => { text: string; fromProfile: boolean },
): { env: Record<string, string>; fromProfile: Set<string> } {
  const out: Record<string, string> = {};
  const fromProfile = new Set<string>();
  for (const [k, t] of Object.entries(env)) {
    const r = resolve(t);
    out[k] = r.text;
    if (r.fromProfile) fromProfile.add(k);
  }
  return { env: out, fromProfile };
}

function mapStrings<T>(value: T, fn: (s: string) => string): T {
  if (typeof value === 'string') return fn(value) as T;
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn)])) as T;
  }
  return value;
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The phases that will run, in order. */
export function runningPhases(plan: Plan): PlanPhase[] {
  return plan.phases.filter((p) => !p.skipped);
}

/** JSON with object keys sorted at every level: the same plan always gives the same bytes. */
export function stableJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(sort(value));
}

/** sha256 of the plan's stable JSON: the journal records it to tell plans apart. */
export function planHash(plan: Plan): string {
  return createHash('sha256').update(stableJson(plan)).digest('hex');
}
