// Writes rendered files under genestack.configDir: plan first (what is new, unchanged or
// changed, with a diff), then apply exactly what the caller approved. Replacing an edited file
// is the caller's decision (it asks the operator); this module only refuses what is unsafe.
import { randomBytes } from 'node:crypto';
import { constants, promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { UserError } from '../commands/io';
import type { RenderedFile } from './types';

export type WriteStatus = 'new' | 'unchanged' | 'changed';

export interface PlannedWrite {
  /** Absolute path of the target file. */
  path: string;
  /** The configDir the file belongs to (absolute); nothing below it may be a symlink. */
  configDir: string;
  /** Path relative to configDir, as rendered. */
  relativePath: string;
  description: string;
  /** The content that will be written. */
  content: string;
  status: WriteStatus;
  /** Content on disk when planned ('changed' only). */
  existing?: string;
  /** Unified diff from the file on disk to the rendered content ('changed' only). */
  diff?: string;
}

export type WriteAction = 'created' | 'replaced' | 'unchanged';

export interface AppliedWrite {
  path: string;
  action: WriteAction;
  /** Copy of the replaced file ('replaced' only). */
  backupPath?: string;
}

export interface ApplyOptions {
  /** Clock for backup names; tests fix it. */
  now?: () => Date;
  /**
   * Test hook: runs after the temporary file is written and synced, just before it is renamed
   * over the target. Throwing here simulates a failure in the middle of a write.
   */
  beforeRename?: (tempPath: string, targetPath: string) => void | Promise<void>;
}

/** A write that failed; `applied` lists what was written before it. */
export class ApplyError extends UserError {
  constructor(
    message: string,
    readonly applied: AppliedWrite[],
  ) {
    super(message);
    this.name = 'ApplyError';
  }
}

const NEW_FILE_MODE = 0o644;
const DIR_MODE = 0o755;

/** `20260807T134502Z`: UTC, sortable, no characters a shell or YAML would trip on. */
export function backupStamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

/**
 * `<path>.<stamp>.bak`. The `.bak` suffix matters: ANSIBLE_INVENTORY is the whole
 * inventory/ directory, and Ansible skips `*.bak` there (INVENTORY_IGNORE_EXTS) but would try
 * to parse `inventory.yaml.bak-<stamp>` as an INI inventory and warn on every run. Install
 * scripts only glob `*.yaml` in helm-configs/<service>/, so backups are never read as values.
 */
export function backupPathFor(filePath: string, date: Date, attempt = 0): string {
  const suffix = attempt === 0 ? '' : `-${attempt + 1}`;
  return `${filePath}.${backupStamp(date)}${suffix}.bak`;
}

function errnoCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error ? String(error.code) : undefined;
}

async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await fsp.lstat(p);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

function resolveTarget(configDir: string, relativePath: string): string {
  const segments = relativePath.split('/');
  if (
    relativePath === '' ||
    path.isAbsolute(relativePath) ||
    segments.some((s) => s === '' || s === '.' || s === '..')
  ) {
    throw new Error(
      `rendered file path "${relativePath}" must be relative and stay inside the config dir`,
    );
  }
  return path.join(configDir, ...segments);
}

/**
 * Refuses a target whose path below configDir runs through a symbolic link, or that is not a
 * regular file. bootstrap.sh links kustomize/<service>/base (and whole kustomize/<service>
 * dirs) into /opt/genestack: writing through such a link would edit Genestack's checkout.
 * configDir itself may be a link (bootstrap.sh allows /etc/genestack to be one).
 */
async function assertNoSymlink(configDir: string, target: string): Promise<Stats | undefined> {
  const rel = path.relative(configDir, target).split(path.sep);
  let current = configDir;
  for (let i = 0; i < rel.length; i++) {
    current = path.join(current, rel[i] as string);
    const st = await lstatOrUndefined(current);
    if (st === undefined) return undefined;
    const isLast = i === rel.length - 1;
    if (st.isSymbolicLink()) {
      const linkTarget = await fsp.readlink(current).catch(() => '?');
      throw new UserError(
        `refusing to write ${target}: ${current} is a symbolic link (to ${linkTarget}). ` +
          `Writing through it would change files outside ${configDir} (Genestack's bootstrap links ` +
          `kustomize/<service>/base into /opt/genestack). Replace the link with a real ` +
          `${isLast ? 'file' : 'directory'} or remove it, then run again.`,
      );
    }
    if (isLast && !st.isFile()) {
      throw new UserError(
        `refusing to write ${target}: it exists and is not a regular file. Move it away and run again.`,
      );
    }
    if (!isLast && !st.isDirectory()) {
      throw new UserError(
        `cannot write ${target}: ${current} is not a directory. Move it away and run again.`,
      );
    }
    if (isLast) return st;
  }
  return undefined;
}

/** Compares each rendered file with what is on disk. Reads only; writes nothing. */
export async function planWrites(
  files: readonly RenderedFile[],
  configDir: string,
): Promise<PlannedWrite[]> {
  const root = path.resolve(configDir);
  const rootStat = await fsp.stat(root).catch(() => undefined);
  if (rootStat && !rootStat.isDirectory()) {
    throw new UserError(
      `cannot write under ${root}: it is not a directory. Give a directory (--out DIR or genestack.configDir).`,
    );
  }
  const plan: PlannedWrite[] = [];
  for (const file of files) {
    const target = resolveTarget(root, file.path);
    const st = await assertNoSymlink(root, target);
    const base = {
      path: target,
      configDir: root,
      relativePath: file.path,
      description: file.description,
      content: file.content,
    };
    if (st === undefined) {
      plan.push({ ...base, status: 'new' });
      continue;
    }
    const existing = await fsp.readFile(target, 'utf8');
    if (existing === file.content) {
      plan.push({ ...base, status: 'unchanged' });
      continue;
    }
    const diff = createTwoFilesPatch(
      target,
      target,
      existing,
      file.content,
      'on disk',
      'from profile',
    );
    plan.push({ ...base, status: 'changed', existing, diff });
  }
  return plan;
}

async function syncDirectory(dir: string): Promise<void> {
  // Makes the rename durable. Some file systems refuse fsync on a directory; the rename has
  // happened either way, so that is not an error.
  try {
    const handle = await fsp.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* best effort */
  }
}

async function copyBackup(target: string, mode: number, date: Date): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const backup = backupPathFor(target, date, attempt);
    try {
      await fsp.copyFile(target, backup, constants.COPYFILE_EXCL);
      await fsp.chmod(backup, mode);
      return backup;
    } catch (error) {
      // Two runs in the same second: keep both backups.
      if (errnoCode(error) !== 'EEXIST' || attempt >= 99) throw error;
    }
  }
}

/** Temp file in the target's directory, fsync, rename over: readers see old or new, never half. */
async function writeAtomically(
  target: string,
  content: string,
  mode: number,
  owner: { uid: number; gid: number } | undefined,
  beforeRename: ApplyOptions['beforeRename'],
): Promise<void> {
  const dir = path.dirname(target);
  await fsp.mkdir(dir, { recursive: true, mode: DIR_MODE });
  const temp = path.join(
    dir,
    `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`,
  );
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(temp, 'wx', mode);
    await handle.writeFile(content, 'utf8');
    await handle.chmod(mode); // open()'s mode is filtered by the umask
    if (owner !== undefined) {
      // Root replacing a file the operator owns keeps it theirs (bootstrap chowns /etc/genestack).
      await handle.chown(owner.uid, owner.gid).catch(() => undefined);
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await beforeRename?.(temp, target);
    await fsp.rename(temp, target);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await fsp.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
}

function describeFailure(target: string, error: unknown): string {
  const code = errnoCode(error);
  const reason = error instanceof Error ? error.message : String(error);
  const hint =
    code === 'EACCES' || code === 'EPERM'
      ? ` Check that you may write to ${path.dirname(target)} (Genestack's files are usually owned by the deploy user or root).`
      : code === 'ENOSPC'
        ? ' The disk is full.'
        : '';
  return `could not write ${target}: ${reason}.${hint} The file was left as it was.`;
}

/**
 * Applies a plan. Re-checks each file first: a file that changed on disk since it was planned
 * (or appeared, or became a link) is refused rather than overwritten unseen. A changed file is
 * copied to a timestamped backup, then replaced atomically with its mode (and, as root, its
 * owner) kept. Stops at the first failure with an ApplyError listing what was written.
 */
export async function applyWrites(
  plan: readonly PlannedWrite[],
  options: ApplyOptions = {},
): Promise<AppliedWrite[]> {
  const date = (options.now ?? (() => new Date()))();
  const applied: AppliedWrite[] = [];
  for (const entry of plan) {
    try {
      applied.push(await applyOne(entry, date, options));
    } catch (error) {
      if (error instanceof UserError) throw new ApplyError(error.message, applied);
      throw new ApplyError(describeFailure(entry.path, error), applied);
    }
  }
  return applied;
}

async function applyOne(
  entry: PlannedWrite,
  date: Date,
  options: ApplyOptions,
): Promise<AppliedWrite> {
  const st = await assertNoSymlink(entry.configDir, entry.path);
  const current = st === undefined ? undefined : await fsp.readFile(entry.path, 'utf8');
  const stale = (what: string) =>
    new UserError(
      `${entry.path} ${what} since the plan was made; nothing was written to it. Run again to see the new difference.`,
    );

  switch (entry.status) {
    case 'unchanged':
      if (current !== entry.content) throw stale('changed');
      return { path: entry.path, action: 'unchanged' };
    case 'new':
      if (current !== undefined) throw stale('was created');
      await writeAtomically(
        entry.path,
        entry.content,
        NEW_FILE_MODE,
        undefined,
        options.beforeRename,
      );
      return { path: entry.path, action: 'created' };
    case 'changed': {
      if (st === undefined || current !== entry.existing)
        throw stale(st === undefined ? 'was removed' : 'changed');
      const mode = st.mode & 0o7777;
      const isRoot = process.getuid?.() === 0;
      const owner = isRoot ? { uid: st.uid, gid: st.gid } : undefined;
      const backupPath = await copyBackup(entry.path, mode, date);
      if (owner !== undefined)
        await fsp.chown(backupPath, owner.uid, owner.gid).catch(() => undefined);
      await writeAtomically(entry.path, entry.content, mode, owner, options.beforeRename);
      return { path: entry.path, action: 'replaced', backupPath };
    }
  }
}
