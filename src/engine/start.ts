// Starting a run: validates the profile, builds the plan, takes the locks, creates the run (or
// reopens it for a resume), starts the engine detached and waits for it to take the run over.
// `deploy` calls it and then follows the run; the dashboard's retry and skip call it to resume
// a run without following anything. Whoever starts the run takes control of it (a
// take-control request the new engine journals first, see controlChannel.ts).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../commands/io';
import { EXIT } from '../exitCodes';
import type { Actor } from '../journal/events';
import { journalPath } from '../journal/reader';
import { builtinCatalog } from '../plan/builtinCatalog';
import { loadCatalogFile, type Catalog } from '../plan/catalog';
import { buildPlan, planHash } from '../plan/plan';
import { formatFinding, summarize } from '../profile/format';
import { loadProfileFile, loadProfileText } from '../profile/load';
import type { RunState } from '../state/runState';
import { dropRequest, type ControlRequest } from './controlChannel';
import { chooseLaunch, engineArgv, launchEngine, systemProbe, type Launched } from './detach';
import { journalPosition } from './follow';
import {
  acquireLock,
  ownerForThisProcess,
  processAlive,
  releaseLock,
  type RecoveredLock,
} from './lock';
import { resumeCommand } from './outcome';
import { changedPaths, formatProfileChange, planChanges } from './profileDiff';
import {
  readRunRecord,
  sha256,
  updateRunRecord,
  writeRunRecord,
  RUN_RECORD_FORMAT,
  type LaunchKind,
  type RunOptions,
  type RunRecord,
} from './runRecord';
import { DEFAULT_MAX_PARALLEL, checkPhaseNames } from './runner';
import {
  RUN_FILES,
  configLockPath,
  findRunId,
  listRunIds,
  newRunId,
  resolveStateDir,
  runDirOf,
  stateLockPath,
} from './stateDir';

export const KILL_GRACE_ENV = 'GENESTACK_INSTALLER_KILL_GRACE_SECONDS';
export const DEFAULT_KILL_GRACE_SECONDS = 10;
/** How long `deploy` waits for the engine to take over the run. */
const ENGINE_START_TIMEOUT_MS = 30_000;

export interface StartOptions {
  yes?: boolean;
  catalog?: string;
  stateDir?: string;
  /** --resume [RUN]: true when given without a run id. */
  resume?: string | boolean;
  from?: string;
  only?: string;
}

export interface StartIO {
  /** Messages for people (deploy --json sends them to stderr). */
  say(text: string): void;
  err(text: string): void;
  /** A terminal to ask on (stdin and stdout): without one, a question is an error naming the flag. */
  canAsk: boolean;
  confirm(question: string): Promise<boolean>;
}

export interface StartDeps {
  env?: NodeJS.ProcessEnv;
  /** Starts the engine; default: detached (systemd-run or setsid). */
  launch?: (runDir: string, runId: string) => Promise<Launched>;
  /** Who starts the run: takes control of it. */
  startedBy: Actor;
  /** More requests for the engine to take when it starts (a skipped phase). */
  requests?: ControlRequest[];
}

export interface StartedRun {
  runId: string;
  runDir: string;
  stateDir: string;
  /** --state-dir as given, for commands printed to the operator. */
  stateDirFlag?: string;
  /** The command that resumes the run. */
  resumeCommand: string;
  /** Where the journal was when the engine started: follow from here. */
  position: { state: RunState; offset: number; lastSeq: number };
  pid: number;
  via: LaunchKind;
}

/** A run started, or the exit code of why not (the reason was printed). */
export type StartResult = { started: StartedRun } | { exitCode: number };

function killGrace(env: NodeJS.ProcessEnv): number {
  const raw = env[KILL_GRACE_ENV];
  if (raw === undefined || raw === '') return DEFAULT_KILL_GRACE_SECONDS;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 3600) {
    throw new UserError(`${KILL_GRACE_ENV}=${raw}: give a number of seconds between 0 and 3600`);
  }
  return n;
}

async function loadCatalog(file: string | undefined): Promise<Catalog> {
  return file ? await loadCatalogFile(path.resolve(file)) : builtinCatalog();
}

function parseOnly(only: string | undefined): string[] | undefined {
  if (only === undefined) return undefined;
  const ids = only
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (ids.length === 0) throw new UserError('--only needs at least one phase id', EXIT.usage);
  return ids;
}

/** Takes both locks for runId; on failure nothing stays locked. */
function takeLocks(stateDir: string, configDir: string, runId: string): RecoveredLock[] {
  const owner = ownerForThisProcess(runId);
  const recovered: RecoveredLock[] = [];
  const s = acquireLock(stateLockPath(stateDir), owner, 'the state directory');
  if (s) recovered.push(s);
  try {
    mkdirSync(configDir, { recursive: true, mode: 0o755 });
    const c = acquireLock(configLockPath(configDir), owner, 'the config directory');
    if (c) recovered.push(c);
  } catch (e) {
    releaseLock(stateLockPath(stateDir), runId);
    throw e;
  }
  return recovered;
}

function releaseLocks(record: Pick<RunRecord, 'locks' | 'runId'>): void {
  releaseLock(record.locks.state, record.runId);
  releaseLock(record.locks.config, record.runId);
}

async function defaultLaunch(
  runDir: string,
  runId: string,
  env: NodeJS.ProcessEnv,
): Promise<Launched> {
  const choice = await chooseLaunch(engineArgv(runDir), runId, runDir, systemProbe(), env);
  return launchEngine(choice, runDir, env);
}

/**
 * Waits until the engine has taken the run over (run.json names it) and opened the journal, or
 * has died trying. The engine names itself in run.json before it creates the journal of a new
 * run: a dashboard opened in between would find no journal to follow.
 */
async function waitForEngine(
  runDir: string,
  launched: Launched,
): Promise<{ pid: number; via: LaunchKind } | string> {
  const deadline = Date.now() + ENGINE_START_TIMEOUT_MS;
  for (;;) {
    try {
      const r = readRunRecord(runDir);
      if (r.engine && existsSync(journalPath(runDir)))
        return { pid: r.engine.pid, via: r.engine.launchedVia };
    } catch {
      // being rewritten: read again
    }
    if (launched.pid !== undefined && !processAlive(launched.pid)) {
      return `the engine (pid ${launched.pid}) exited at once`;
    }
    if (Date.now() > deadline)
      return `the engine did not start within ${ENGINE_START_TIMEOUT_MS / 1000}s`;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function engineLogTail(runDir: string): string {
  try {
    const text = readFileSync(path.join(runDir, RUN_FILES.engineLog), 'utf8').trimEnd();
    return text.split('\n').slice(-10).join('\n');
  } catch {
    return '';
  }
}

export async function startRun(
  file: string,
  opts: StartOptions,
  io: StartIO,
  deps: StartDeps,
): Promise<StartResult> {
  const env = deps.env ?? process.env;
  const say = (t: string) => io.say(t);
  const stateDir = resolveStateDir({ flag: opts.stateDir, env });
  const profilePath = path.resolve(file);
  const loaded = await loadProfileFile(profilePath);
  if (!loaded.profile || !loaded.parsed) {
    for (const f of loaded.findings.filter((x) => x.severity !== 'info')) {
      io.err(formatFinding(f, file) + '\n');
    }
    io.err(`${file}: invalid (${summarize(loaded.findings)}); nothing was deployed\n`);
    return { exitCode: EXIT.invalid };
  }
  const profile = loaded.profile;
  const profileText = await readFile(profilePath, 'utf8');
  const profileHash = sha256(profileText);
  const only = parseOnly(opts.only);
  const options: RunOptions = {
    yes: Boolean(opts.yes),
    ...(opts.from ? { from: opts.from } : {}),
    ...(only ? { only } : {}),
    killGraceSeconds: killGrace(env),
    maxParallel: DEFAULT_MAX_PARALLEL,
  };
  const configDir = path.resolve(profile.genestack.configDir);
  const resuming = opts.resume !== undefined && opts.resume !== false;

  let runId: string;
  let runDir: string;
  let record: RunRecord;

  if (!resuming) {
    const catalog = await loadCatalog(opts.catalog);
    const plan = buildPlan(profile, catalog);
    checkPhaseNames(plan, { from: opts.from, only });
    runId = newRunId();
    runDir = runDirOf(stateDir, runId);
    mkdirSync(path.dirname(runDir), { recursive: true, mode: 0o700 });
    const recovered = takeLocks(stateDir, configDir, runId);
    record = {
      format: RUN_RECORD_FORMAT,
      runId,
      createdAt: new Date().toISOString(),
      profilePath,
      profileHash,
      profileName: profile.metadata.name,
      ...(opts.catalog ? { catalogPath: path.resolve(opts.catalog) } : {}),
      catalogSource: catalog.source,
      configDir,
      stateDir,
      plan,
      planHash: planHash(plan),
      options,
      locks: { state: stateLockPath(stateDir), config: configLockPath(configDir) },
      recoveredLocks: recovered,
      conditionSkipped: [],
      resumes: 0,
    };
    try {
      mkdirSync(runDir, { recursive: false, mode: 0o700 });
      writeFileSync(path.join(runDir, RUN_FILES.profile), profileText, { mode: 0o600 });
      writeRunRecord(runDir, record);
    } catch (e) {
      releaseLocks(record);
      throw e;
    }
  } else {
    runId =
      typeof opts.resume === 'string'
        ? findRunId(stateDir, opts.resume)
        : latestRunOf(stateDir, profilePath);
    runDir = runDirOf(stateDir, runId);
    const old = readRunRecord(runDir);
    const catalogPath = opts.catalog ? path.resolve(opts.catalog) : old.catalogPath;
    const catalog = await loadCatalog(catalogPath);
    const plan = buildPlan(profile, catalog);
    checkPhaseNames(plan, { from: opts.from, only });
    const { state } = await journalPosition(runDir);
    if (state.status === 'succeeded' && !opts.from && !only) {
      say(
        `run ${runId} succeeded; there is nothing to resume. Use --from PHASE or --only PHASE,... to run phases again.\n`,
      );
      return { exitCode: EXIT.ok };
    }
    if (old.profilePath !== profilePath) {
      say(`note: run ${runId} was started with ${old.profilePath}; resuming with ${profilePath}\n`);
    }
    const profileChanged = old.profileHash !== profileHash;
    const newHash = planHash(plan);
    if (profileChanged || newHash !== old.planHash) {
      const oldParsed = loadProfileText(
        readFileSync(path.join(runDir, RUN_FILES.profile), 'utf8'),
      ).parsed;
      const fields = profileChanged ? changedPaths(oldParsed ?? {}, loaded.parsed) : [];
      const phases = planChanges(old.plan, plan, profileChanged);
      say(
        profileChanged
          ? formatProfileChange(fields, phases)
          : `The plan changed since the run started (the catalog):\n${phases.map((p) => `  ${p.id}: ${p.what.join(', ')}\n`).join('')}`,
      );
      if (!opts.yes) {
        // No terminal to ask on (stdin or stdout not a terminal, as in CI): never prompt.
        if (!io.canAsk) {
          io.err(
            `not resuming run ${runId}: ${profileChanged ? 'the profile' : 'the plan'} changed (above). ` +
              'Re-run with --yes to resume with it, or restore the profile the run started with.\n',
          );
          return { exitCode: EXIT.invalid };
        }
        if (!(await io.confirm('Resume the run with these changes?'))) {
          say('Nothing was resumed.\n');
          return { exitCode: EXIT.declined };
        }
      }
    }
    const recovered = takeLocks(stateDir, configDir, runId);
    try {
      record = updateRunRecord(runDir, (r) => {
        r.profilePath = profilePath;
        r.profileHash = profileHash;
        r.profileName = profile.metadata.name;
        if (catalogPath) r.catalogPath = catalogPath;
        else delete r.catalogPath;
        r.catalogSource = catalog.source;
        r.configDir = configDir;
        r.plan = plan;
        r.planHash = newHash;
        r.options = options;
        r.locks = { state: stateLockPath(stateDir), config: configLockPath(configDir) };
        r.recoveredLocks = recovered;
        r.resumes += 1;
        delete r.engine;
      });
      writeFileSync(path.join(runDir, RUN_FILES.profile), profileText, { mode: 0o600 });
    } catch (e) {
      releaseLocks({
        runId,
        locks: { state: stateLockPath(stateDir), config: configLockPath(configDir) },
      });
      throw e;
    }
  }

  const stateDirFlag = opts.stateDir ? stateDir : undefined;
  const resume = resumeCommand(file, runId, stateDirFlag);

  const pos = await journalPosition(runDir);
  let launched: Launched;
  try {
    for (const r of [
      { kind: 'take-control' as const, actor: deps.startedBy },
      ...(deps.requests ?? []),
    ]) {
      dropRequest(runDir, r);
    }
    launched = await (deps.launch ?? ((d, id) => defaultLaunch(d, id, env)))(runDir, runId);
  } catch (e) {
    releaseLocks(record);
    throw e;
  }
  if (launched.fallback)
    say(`note: ${launched.fallback}; the engine runs in its own session instead\n`);
  const started = await waitForEngine(runDir, launched);
  if (typeof started === 'string') {
    releaseLocks(record);
    const tail = engineLogTail(runDir);
    throw new UserError(
      `${started}${tail ? `:\n${tail}` : ''}\n(the engine's log: ${path.join(runDir, RUN_FILES.engineLog)})`,
      EXIT.internal,
    );
  }
  say(
    `run ${runId}: engine pid ${started.pid} (${started.via === 'setsid' ? 'own session' : started.via}); folder ${runDir}\n`,
  );
  return {
    started: {
      runId,
      runDir,
      stateDir,
      ...(stateDirFlag !== undefined ? { stateDirFlag } : {}),
      resumeCommand: resume,
      position: pos,
      pid: started.pid,
      via: started.via,
    },
  };
}

/** The newest run of this profile file, for `--resume` without a run id. */
function latestRunOf(stateDir: string, profilePath: string): string {
  const ids = listRunIds(stateDir);
  for (const id of ids) {
    try {
      if (readRunRecord(runDirOf(stateDir, id)).profilePath === profilePath) return id;
    } catch {
      // not a complete run folder
    }
  }
  if (ids.length === 0) return findRunId(stateDir); // throws: no runs at all
  throw new UserError(
    `no run of ${profilePath} in ${stateDir}; name the run to resume (--resume RUN; \`genestack-installer runs\` lists them)`,
  );
}
