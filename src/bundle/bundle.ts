// The support bundle: one tar.gz with what a support engineer needs to understand a run, every
// text redacted before it leaves memory, and a manifest of what was collected, what was missing
// and why, and how many values each redaction rule removed (never the values).
//
//   genestack-installer-bundle-<runId>/
//     manifest.json                  this list
//     run/run.json                   the plan and the run's options
//     run/profile.yaml               the profile the run used
//     run/events.jsonl, snapshot.json  the journal
//     run/logs/<phase>.log, run/ansible/<phase>.jsonl, run/engine.log, run/preflight.json
//     config/<path>                  the files the installer generated under genestack.configDir
//     discovery/<time>.json          the newest saved `discover` result
//     versions.txt                   installer, node, ansible, kubectl, helm
//     kubernetes/                    version, nodes, summary, <namespace>/{pods,events}.json
import {
  closeSync,
  existsSync,
  linkSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { kubeconfigTarget } from '../engine/builtins';
import { readRunRecord, type RunRecord } from '../engine/runRecord';
import { RUN_FILES, runDirOf } from '../engine/stateDir';
import { renderConfigFiles } from '../genestack/render';
import { EVENTS_FILE } from '../journal/reader';
import { SNAPSHOT_FILE } from '../journal/snapshot';
import { loadProfileText } from '../profile/load';
import type { ResolvedProfile } from '../profile/normalize';
import { listDiscoveries } from './discoveryStore';
import { collectKube, deployedNamespaces, type KubeReport } from './kube';
import {
  BUNDLE_RULES,
  REDACTED,
  bundleRedactor,
  type BundleRedactor,
  type RedactionCounts,
} from './redact';
import { TarWriter } from './tar';
import { collectVersions, formatVersions, type Versions } from './versions';

export const MANIFEST_FORMAT = 1;
export const PREFLIGHT_FILE = 'preflight.json';
export const KUBESECRETS_FILE = 'kubesecrets.yaml';
/** Files bigger than this keep only their end (where a failure is). */
export const MAX_FILE_BYTES = 32 << 20;
export const DEFAULT_KUBE_TIMEOUT_MS = 20_000;

export type ItemStatus = 'collected' | 'missing' | 'excluded' | 'failed';

export interface ManifestItem {
  /** Path inside the bundle, under its top folder; for missing items, where it would be. */
  path: string;
  what: string;
  /** Where it came from: a file, a command, an API path. */
  source?: string;
  status: ItemStatus;
  /** Size in the bundle, after redaction. */
  bytes?: number;
  /** Set when the file was larger than MAX_FILE_BYTES: only its last bytes were kept. */
  truncatedFromBytes?: number;
  why?: string;
  /** Rule id -> values replaced in this file. Absent when nothing was. */
  redactions?: RedactionCounts;
}

export interface Manifest {
  format: number;
  createdAt: string;
  installerVersion: string;
  host: string;
  runId: string | null;
  stateDir: string;
  redaction: {
    marker: string;
    rules: readonly string[];
    /** How many known strings were searched for (profile, kubesecrets.yaml, their encodings). */
    knownValues: number;
    knownFrom: string[];
  };
  kubernetes: Omit<KubeReport, 'files'> | null;
  totals: {
    collected: number;
    missing: number;
    excluded: number;
    failed: number;
    redactions: RedactionCounts;
  };
  items: ManifestItem[];
}

export interface BundleOptions {
  stateDir: string;
  /** null: no run yet (versions, discovery and what the cluster says only). */
  runId: string | null;
  output: string;
  force: boolean;
  installerVersion: string;
  kubeTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  now?: Date;
  home?: string;
  /** Told about each item as it is added (the command prints them). */
  onItem?: (item: ManifestItem) => void;
}

export interface BundleResult {
  output: string;
  manifest: Manifest;
}

export class BundleExistsError extends Error {}

function readText(file: string): { text: string; size: number; truncatedFrom?: number } | null {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) return null;
    size = st.size;
  } catch {
    return null;
  }
  if (size <= MAX_FILE_BYTES) return { text: readFileSync(file, 'utf8'), size };
  // Keep the end, from a line start: that is where a failure is.
  const tail = Buffer.alloc(MAX_FILE_BYTES);
  const fd = openSync(file, 'r');
  let got: number;
  try {
    got = readSync(fd, tail, 0, MAX_FILE_BYTES, size - MAX_FILE_BYTES);
  } finally {
    closeSync(fd);
  }
  const nl = tail.indexOf(0x0a);
  const text = tail.subarray(nl >= 0 ? nl + 1 : 0, got).toString('utf8');
  return { text, size, truncatedFrom: size };
}

const filesIn = (dir: string, ext: string): string[] => {
  try {
    return readdirSync(dir)
      .filter((n) => n.endsWith(ext) && !n.startsWith('.'))
      .sort();
  } catch {
    return [];
  }
};

/** Everything about the run that the bundle reads before it writes anything. */
interface RunContext {
  runDir: string | null;
  record: RunRecord | null;
  recordError?: string;
  profileText: string | null;
  profileData: unknown;
  profile: ResolvedProfile | null;
  profileError?: string;
  kubesecrets: string | null;
}

function runContext(stateDir: string, runId: string | null): RunContext {
  if (runId === null) {
    return {
      runDir: null,
      record: null,
      profileText: null,
      profileData: null,
      profile: null,
      kubesecrets: null,
    };
  }
  const runDir = runDirOf(stateDir, runId);
  const ctx: RunContext = {
    runDir,
    record: null,
    profileText: null,
    profileData: null,
    profile: null,
    kubesecrets: null,
  };
  try {
    ctx.record = readRunRecord(runDir);
  } catch (e) {
    ctx.recordError = (e as Error).message;
  }
  try {
    ctx.profileText = readFileSync(path.join(runDir, RUN_FILES.profile), 'utf8');
  } catch (e) {
    ctx.profileError = `cannot read ${RUN_FILES.profile}: ${(e as Error).message}`;
  }
  if (ctx.profileText !== null) {
    try {
      ctx.profileData = parseYaml(ctx.profileText);
    } catch {
      ctx.profileData = null;
    }
    const loaded = loadProfileText(ctx.profileText);
    if (loaded.profile) ctx.profile = loaded.profile;
    else ctx.profileError = `${RUN_FILES.profile} is not a valid profile (validate it to see why)`;
  }
  const configDir = ctx.profile?.genestack.configDir ?? ctx.record?.configDir;
  if (configDir) {
    try {
      ctx.kubesecrets = readFileSync(path.join(configDir, KUBESECRETS_FILE), 'utf8');
    } catch {
      ctx.kubesecrets = null;
    }
  }
  return ctx;
}

const sumCounts = (into: RedactionCounts, add: RedactionCounts | undefined): void => {
  for (const [k, v] of Object.entries(add ?? {})) into[k] = (into[k] ?? 0) + v;
};

/**
 * Makes the bundle. The archive is written to a temporary file next to the output (0600, only
 * redacted bytes) and moved into place at the end: without `force`, an existing output is never
 * replaced, even one created meanwhile.
 */
export async function makeBundle(opts: BundleOptions): Promise<BundleResult> {
  const output = path.resolve(opts.output);
  if (!opts.force && existsSync(output)) throw new BundleExistsError(output);
  const now = opts.now ?? new Date();
  const top = `genestack-installer-bundle-${opts.runId ?? now.toISOString().replace(/[-:]|\.\d+/g, '')}`;
  const ctx = runContext(opts.stateDir, opts.runId);
  const redactor: BundleRedactor = bundleRedactor(ctx.profileData, ctx.kubesecrets);
  const items: ManifestItem[] = [];

  const tmp = path.join(path.dirname(output), `.${path.basename(output)}.${process.pid}.partial`);
  // Created 0600 before a byte is written; `wx`: never through someone else's file or link.
  const handle = await open(tmp, 'wx', 0o600);
  const gzip = createGzip({ level: 9 });
  const done = pipeline(gzip, handle.createWriteStream());
  const tar = new TarWriter(gzip);
  const mtime = now;

  const note = (item: ManifestItem): void => {
    items.push(item);
    opts.onItem?.(item);
  };
  const addText = async (
    inBundle: string,
    what: string,
    source: string,
    text: string,
    extra: Partial<ManifestItem> = {},
  ): Promise<void> => {
    const r = redactor.redact(text);
    const data = Buffer.from(r.text, 'utf8');
    await tar.add({ name: `${top}/${inBundle}`, data, mtime });
    note({
      path: inBundle,
      what,
      source,
      status: 'collected',
      bytes: data.length,
      ...(Object.keys(r.counts).length > 0 ? { redactions: r.counts } : {}),
      ...extra,
    });
  };
  const addFile = async (
    inBundle: string,
    what: string,
    file: string,
    ifMissing: string,
  ): Promise<void> => {
    const t = readText(file);
    if (t === null) {
      note({ path: inBundle, what, source: file, status: 'missing', why: ifMissing });
      return;
    }
    await addText(
      inBundle,
      what,
      file,
      t.text,
      t.truncatedFrom ? { truncatedFromBytes: t.truncatedFrom } : {},
    );
  };

  // The tools and the cluster are asked while the files are read: both may take seconds.
  const kubeconfig = ctx.profile
    ? kubeconfigTarget(ctx.profile, opts.home ?? os.homedir())
    : undefined;
  const versionsP = collectVersions(
    opts.installerVersion,
    ctx.record?.plan.pathPrepend ?? [],
    opts.env ?? process.env,
  );
  const kubeP = collectKube({
    kubeconfig,
    env: opts.env,
    namespaces: deployedNamespaces(ctx.record?.plan ?? null, ctx.profile?.storage.backend),
    timeoutMs: opts.kubeTimeoutMs ?? DEFAULT_KUBE_TIMEOUT_MS,
  });
  // Neither rejects (failures are in their results); this only keeps an early throw from
  // leaving an unhandled rejection behind.
  void Promise.allSettled([versionsP, kubeP]);
  try {
    // The run.
    if (ctx.runDir !== null) {
      const rd = ctx.runDir;
      await addFile(
        'run/run.json',
        'the run: plan, options, profile path, engine',
        path.join(rd, RUN_FILES.record),
        ctx.recordError ?? 'not written',
      );
      await addFile(
        'run/profile.yaml',
        'the profile as the run validated it',
        path.join(rd, RUN_FILES.profile),
        ctx.profileError ?? 'not written',
      );
      await addFile(
        'run/events.jsonl',
        'the journal: every event of the run',
        path.join(rd, EVENTS_FILE),
        'the engine has not started a journal',
      );
      await addFile(
        'run/snapshot.json',
        'the journal snapshot (state at an event)',
        path.join(rd, SNAPSHOT_FILE),
        'no snapshot yet (written every 10,000 events and at the end)',
      );
      const logs = filesIn(path.join(rd, RUN_FILES.logs), '.log');
      if (logs.length === 0)
        note({
          path: 'run/logs/',
          what: 'phase logs',
          source: path.join(rd, RUN_FILES.logs),
          status: 'missing',
          why: 'no phase has run',
        });
      for (const f of logs)
        await addFile(
          `run/logs/${f}`,
          `log of phase ${f.slice(0, -4)}`,
          path.join(rd, RUN_FILES.logs, f),
          'unreadable',
        );
      for (const f of filesIn(path.join(rd, RUN_FILES.ansible), '.jsonl')) {
        await addFile(
          `run/ansible/${f}`,
          `ansible events of phase ${f.slice(0, -6)}`,
          path.join(rd, RUN_FILES.ansible, f),
          'unreadable',
        );
      }
      await addFile(
        'run/engine.log',
        "the engine's own output (start failures, crashes)",
        path.join(rd, RUN_FILES.engineLog),
        'the engine wrote nothing',
      );
      await addFile(
        'run/preflight.json',
        'preflight check results',
        path.join(rd, PREFLIGHT_FILE),
        'this run has no preflight results',
      );
    } else {
      note({
        path: 'run/',
        what: 'the run',
        status: 'missing',
        why: `no runs in ${opts.stateDir}`,
      });
    }

    // The generated config files, as they are on disk now.
    const configDir = ctx.profile?.genestack.configDir ?? ctx.record?.configDir;
    if (ctx.profile && configDir) {
      const rendered = renderConfigFiles(ctx.profile, { profileName: ctx.profile.metadata.name });
      for (const f of rendered) {
        await addFile(
          `config/${f.path}`,
          f.description,
          path.join(configDir, f.path),
          'not written yet (the write-config phase writes it)',
        );
      }
      note({
        path: `config/${KUBESECRETS_FILE}`,
        what: "Genestack's generated secrets",
        source: path.join(configDir, KUBESECRETS_FILE),
        status: 'excluded',
        why:
          ctx.kubesecrets === null
            ? 'not present; never included'
            : 'holds only secrets: never included; its values are redacted everywhere else',
      });
    } else if (ctx.runDir !== null) {
      note({
        path: 'config/',
        what: 'the generated config files',
        status: 'missing',
        why: ctx.profileError ?? 'the run names no config directory',
      });
    }

    // Discovery.
    const newest = listDiscoveries(opts.stateDir)[0];
    if (newest)
      await addFile(
        `discovery/${path.basename(newest)}`,
        'the newest saved `discover` result',
        newest,
        'unreadable',
      );
    else
      note({
        path: 'discovery/',
        what: 'saved discovery facts',
        source: path.join(opts.stateDir, 'discovery'),
        status: 'missing',
        why: '`genestack-installer discover` has not been run with this state directory',
      });

    // Versions.
    const versions: Versions = await versionsP;
    await addText(
      'versions.txt',
      'versions of the installer, node, ansible, kubectl and helm',
      'the tools on PATH',
      formatVersions(versions),
    );

    // The cluster: with the kubeconfig the run's phases use; without a run, kubectl's own.
    const kube = await kubeP;
    if (kube.status !== 'answered') {
      note({
        path: 'kubernetes/',
        what: 'nodes, pods and events',
        source: kube.server ?? kube.kubeconfig,
        status: 'missing',
        why: `${kube.status}: ${kube.error ?? ''}`.trim(),
      });
    }
    for (const f of kube.files) {
      await addText(
        `kubernetes/${f.name}`,
        kubeWhat(f.name),
        `${kube.server ?? 'the API'} (read-only GET)`,
        f.text,
      );
    }
    for (const f of kube.failed) {
      note({
        path: `kubernetes/`,
        what: f.what,
        source: kube.server,
        status: 'failed',
        why: f.error,
      });
    }

    const manifest = buildManifest(opts, now, ctx, redactor, kube, items);
    // The manifest holds no value, but error texts come from outside: known secrets go. (Not
    // the patterns: they would take the rule names, `"known-secret": 2`, for secrets.)
    const text = redactor.known.redactKnown(JSON.stringify(manifest, null, 2) + '\n');
    await tar.add({ name: `${top}/manifest.json`, data: Buffer.from(text, 'utf8'), mtime });
    await tar.finish();
    await done;
    if (opts.force) renameSync(tmp, output);
    else {
      // A hard link fails when the output exists: no check-then-write race.
      try {
        linkSync(tmp, output);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new BundleExistsError(output);
        throw e;
      }
      rmSync(tmp, { force: true });
    }
    return { output, manifest };
  } catch (e) {
    gzip.destroy();
    await done.catch(() => undefined);
    rmSync(tmp, { force: true });
    throw e;
  }
}

function kubeWhat(name: string): string {
  if (name === 'version.json') return 'the API server version';
  if (name === 'nodes.json') return 'nodes: status, conditions, taints, node info';
  if (name === 'summary.txt') return 'nodes and the pods that are not ready, as a table';
  const [ns, file] = name.split('/');
  return file === 'pods.json' ? `pod status in ${ns}` : `events in ${ns}`;
}

function buildManifest(
  opts: BundleOptions,
  now: Date,
  ctx: RunContext,
  redactor: BundleRedactor,
  kube: KubeReport | null,
  items: ManifestItem[],
): Manifest {
  const totals = {
    collected: 0,
    missing: 0,
    excluded: 0,
    failed: 0,
    redactions: {} as RedactionCounts,
  };
  for (const i of items) {
    totals[i.status]++;
    sumCounts(totals.redactions, i.redactions);
  }
  const knownFrom: string[] = [];
  if (ctx.profileText !== null) knownFrom.push("the profile's secret fields");
  if (ctx.kubesecrets !== null) knownFrom.push(`${KUBESECRETS_FILE} (Genestack's create-secrets)`);
  let kubernetes: Manifest['kubernetes'] = null;
  if (kube) {
    const { files: _files, ...rest } = kube;
    kubernetes = rest;
  }
  return {
    format: MANIFEST_FORMAT,
    createdAt: now.toISOString(),
    installerVersion: opts.installerVersion,
    host: os.hostname(),
    runId: opts.runId,
    stateDir: opts.stateDir,
    redaction: {
      marker: REDACTED,
      rules: BUNDLE_RULES,
      knownValues: redactor.known.size,
      knownFrom,
    },
    kubernetes,
    totals,
    items,
  };
}
