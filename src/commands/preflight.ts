// `genestack-installer preflight PROFILE [--json] [--level lab|production]`: read-only checks of
// every host of the profile (docs/preflight.md). A report per host and check, then a summary;
// --json prints one JSON document (PreflightReport). Exit 0 when no check fails (warnings
// allowed), 5 when any does, 1 for an invalid profile, 2 for bad flags.
import { EXIT } from '../exitCodes';
import { builtinRequirements } from '../discovery/assets';
import { LEVELS, type Level, type Requirements } from '../discovery/requirements';
import { recordHostKeys, type SshOptions } from '../discovery/ssh';
import type { PreflightConfig } from '../preflight/config';
import { formatReport } from '../preflight/report';
import {
  buildReport,
  gatherAll,
  gatherOne,
  profileTargets,
  sshOptionsFor,
  type PreflightOptions,
} from '../preflight/run';
import { findingsJson, formatFinding, summarize } from '../profile/format';
import { loadProfileFile } from '../profile/load';
import { safeText } from '../terminal/sanitize';
import { UserError, intFlag, type CommandIO } from './io';

export interface PreflightCommandOptions {
  json?: boolean;
  level?: string;
  knownHostsFile?: string;
  acceptNewHostKeys?: boolean;
  jobs?: number | string;
  timeoutSeconds?: number | string;
  /** Injected by tests: thresholds this machine really meets. */
  requirements?: Requirements;
  config?: PreflightConfig;
  /** Injected by tests: the ssh binary. */
  sshBinary?: string;
}

export async function runPreflightCommand(
  file: string,
  opts: PreflightCommandOptions,
  io: CommandIO,
): Promise<number> {
  try {
    return await preflightCommand(file, opts, io);
  } catch (e) {
    if (e instanceof UserError) {
      io.err(`error: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}

async function preflightCommand(
  file: string,
  opts: PreflightCommandOptions,
  io: CommandIO,
): Promise<number> {
  const level = (opts.level ?? 'lab') as Level;
  if (!(LEVELS as readonly string[]).includes(level)) {
    throw new UserError(
      `--level must be one of ${LEVELS.join(', ')} (got "${opts.level}")`,
      EXIT.usage,
    );
  }
  const jobs = intFlag(opts.jobs, '--jobs', 1, 1024);
  const timeoutSeconds = intFlag(opts.timeoutSeconds, '--timeout', 1, 3600);

  const loaded = await loadProfileFile(file);
  if (!loaded.valid || !loaded.profile) {
    if (opts.json) {
      io.out(JSON.stringify(findingsJson(file, false, loaded.findings), null, 2) + '\n');
    } else {
      for (const f of loaded.findings.filter((x) => x.severity !== 'info')) {
        io.err(formatFinding(f, file) + '\n');
      }
      io.err(
        `${file}: invalid (${summarize(loaded.findings)}); fix the profile before preflight\n`,
      );
    }
    return EXIT.invalid;
  }
  const profile = loaded.profile;

  const extra: SshOptions = {};
  if (opts.knownHostsFile !== undefined) extra.knownHostsFile = opts.knownHostsFile;
  if (opts.acceptNewHostKeys) extra.acceptNewHostKeys = true;
  if (opts.sshBinary !== undefined) extra.sshBinary = opts.sshBinary;
  const progress = io.isTTY && !opts.json;
  let done = 0;
  const pOpts: PreflightOptions = {
    level,
    ssh: extra,
    ...(jobs !== undefined ? { jobs } : {}),
    ...(timeoutSeconds !== undefined ? { timeoutMs: timeoutSeconds * 1000 } : {}),
    requirements: opts.requirements ?? builtinRequirements(),
    ...(opts.config ? { config: opts.config } : {}),
    onHostDone: (host, _i, g) => {
      if (!progress) return;
      done++;
      io.err(
        `[${done}/${profile.hosts.length}] ${safeText(host, 253)}: ${g.status === 'ok' ? 'checked' : g.status} (${(g.durationMs / 1000).toFixed(1)} s)\n`,
      );
    },
  };
  const startedAt = new Date();
  const gathered = await gatherAll(profile, pOpts);

  // Unknown host keys: as discover does, show the fingerprints and ask (never in scripts:
  // --accept-new-host-keys says so up front). A changed key is never accepted here.
  if (io.isTTY && !opts.json && !opts.acceptNewHostKeys) {
    const targets = profileTargets(profile);
    for (let i = 0; i < gathered.length; i++) {
      const g = gathered[i]!;
      if (g.status !== 'hostKeyUnknown' || !g.hostKeys?.length) continue;
      io.err(`\nThe host key of ${safeText(g.host, 253)} is not known. It offers:\n`);
      for (const k of g.hostKeys) io.err(`  ${k.type.padEnd(8)} ${k.fingerprint}\n`);
      if (!(await io.confirm(`Trust ${safeText(g.host, 253)} with these keys?`))) continue;
      const written = await recordHostKeys(targets[i]!, g.hostKeys, sshOptionsFor(profile, extra));
      io.err(`recorded in ${written}\n`);
      gathered[i] = await gatherOne(profile, i, pOpts);
    }
  }

  const report = buildReport(profile, gathered, { ...pOpts, startedAt });
  io.out(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report, io.isTTY));
  return report.status === 'fail' ? EXIT.preflightFailed : EXIT.ok;
}
