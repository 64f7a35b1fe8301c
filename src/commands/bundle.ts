// `genestack-installer bundle [RUN] [-o FILE]`: the support bundle (src/bundle, docs/bundle.md).
// Prints each item as it is collected (or why it is missing), then where the bundle is.
import { statSync } from 'node:fs';
import path from 'node:path';
import { BundleExistsError, makeBundle, type ManifestItem } from '../bundle/bundle';
import { readLock, ownerAlive } from '../engine/lock';
import { findRunId, listRunIds, resolveStateDir, stateLockPath } from '../engine/stateDir';
import { EXIT } from '../exitCodes';
import { safeText } from '../terminal/sanitize';
import { UserError, type CommandIO } from './io';

export interface BundleCommandOptions {
  output?: string;
  force?: boolean;
  stateDir?: string;
  /** Seconds for everything asked of the Kubernetes API. */
  kubeTimeout?: string;
  /** Injected by tests; default this installer's version. */
  installerVersion?: string;
}

const VERSION = typeof __INSTALLER_VERSION__ === 'string' ? __INSTALLER_VERSION__ : '0.0.0-dev';

/** As `status` picks a run: the one holding the lock (running now), else the newest; none: null. */
function pickRun(stateDir: string, wanted?: string): string | null {
  if (wanted !== undefined) return findRunId(stateDir, wanted);
  const ids = listRunIds(stateDir);
  try {
    const lock = readLock(stateLockPath(stateDir));
    if (lock?.owner && ownerAlive(lock.owner) && ids.includes(lock.owner.runId)) {
      return lock.owner.runId;
    }
  } catch {
    // no lock
  }
  return ids[0] ?? null;
}

function seconds(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v.trim()) || n < 1 || n > 600) {
    throw new UserError(
      `--kube-timeout must be a number of seconds from 1 to 600 (got "${v}")`,
      EXIT.usage,
    );
  }
  return Math.round(n * 1000);
}

const size = (n: number): string =>
  n < 1024
    ? `${n} B`
    : n < 1 << 20
      ? `${(n / 1024).toFixed(1)} KiB`
      : `${(n / (1 << 20)).toFixed(1)} MiB`;

function itemLine(i: ManifestItem): string {
  const redacted = Object.values(i.redactions ?? {}).reduce((a, b) => a + b, 0);
  const detail =
    i.status === 'collected'
      ? `${size(i.bytes ?? 0)}${redacted ? `, ${redacted} value(s) redacted` : ''}${i.truncatedFromBytes ? `, last part of ${size(i.truncatedFromBytes)}` : ''}`
      : (i.why ?? '');
  return (
    safeText(
      `  ${i.status.padEnd(9)} ${i.path}${i.status === 'failed' ? ` (${i.what})` : ''}  ${detail}`,
      400,
    ) + '\n'
  );
}

export async function runBundle(
  run: string | undefined,
  opts: BundleCommandOptions,
  io: CommandIO,
): Promise<number> {
  const stateDir = resolveStateDir({ flag: opts.stateDir });
  const kubeTimeoutMs = seconds(opts.kubeTimeout);
  const runId = pickRun(stateDir, run);
  const name = `genestack-installer-bundle-${runId ?? new Date().toISOString().replace(/[-:]|\.\d+/g, '')}.tar.gz`;
  const output = path.resolve(opts.output ?? name);
  let dirOk = false;
  try {
    dirOk = statSync(path.dirname(output)).isDirectory();
  } catch {
    dirOk = false;
  }
  if (!dirOk) {
    throw new UserError(
      `cannot write ${output}: ${path.dirname(output)} is not a directory; create it, or pass -o FILE in an existing one`,
    );
  }
  const exists = (() => {
    try {
      return statSync(output).isDirectory() ? 'dir' : 'file';
    } catch {
      return null;
    }
  })();
  if (exists === 'dir') {
    throw new UserError(
      `-o ${output} is a directory; name the bundle file, e.g. -o ${path.join(output, name)}`,
    );
  }
  if (exists === 'file' && !opts.force) {
    throw new UserError(
      `${output} already exists; pass --force to replace it, or -o another file`,
      EXIT.declined,
    );
  }
  io.err(
    safeText(
      runId
        ? `collecting run ${runId} from ${stateDir}`
        : `no runs in ${stateDir}: collecting versions, discovery and the cluster only`,
    ) + '\n',
  );
  try {
    const { manifest } = await makeBundle({
      stateDir,
      runId,
      output,
      force: Boolean(opts.force),
      installerVersion: opts.installerVersion ?? VERSION,
      kubeTimeoutMs,
      onItem: (i) => io.out(itemLine(i)),
    });
    const t = manifest.totals;
    const redacted = Object.values(t.redactions).reduce((a, b) => a + b, 0);
    const k = manifest.kubernetes;
    io.out(
      `\n${t.collected} collected, ${t.missing} missing, ${t.failed} failed, ${t.excluded} excluded; ${redacted} value(s) redacted (manifest.json lists them by rule)\n` +
        (k
          ? `kubernetes: ${safeText(k.status === 'answered' ? `answered (${k.server ?? ''})` : `${k.status}${k.error ? `: ${k.error}` : ''}`, 400)}\n`
          : '') +
        `bundle: ${output} (mode 0600)\n`,
    );
    return EXIT.ok;
  } catch (e) {
    if (e instanceof BundleExistsError) {
      throw new UserError(
        `${output} already exists; pass --force to replace it, or -o another file`,
        EXIT.declined,
      );
    }
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EACCES' || err.code === 'EROFS' || err.code === 'ENOSPC') {
      throw new UserError(
        `cannot write the bundle next to ${output}: ${err.message}; pass -o FILE in a writable folder`,
      );
    }
    throw e;
  }
}
