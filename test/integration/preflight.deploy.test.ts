// The preflight phase in a real deploy, through the built bundle and the detached engine
// (test/integration/engineHarness.ts): the world's profile names a provider interface this
// machine does not have (dummy0), so preflight fails; the run must stop there with exit 5,
// nothing after it may run, and the report must be preflight.json in the run folder.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/exitCodes';
import type { PreflightReport } from '../../src/preflight/types';
import { startWorld, statusJson, type EngineWorld } from './engineHarness';

let w: EngineWorld;

beforeAll(async () => {
  w = await startWorld({ hosts: 1 });
});

afterAll(async () => {
  await w?.stop();
});

describe('deploy starts with preflight', () => {
  it('a failed check stops the run before the next phase, exit 5, report in the run folder', async () => {
    const catalog = join(w.catalogDir, 'preflight-first.yaml');
    writeFileSync(
      catalog,
      `apiVersion: genestack-installer/v1
kind: PhaseCatalog
metadata: { name: preflight-first }
defaults: { expectedSeconds: 5, softTimeoutSeconds: 60, hardTimeoutSeconds: 120 }
phases:
  - id: preflight
    title: Preflight checks of every host
    group: host-preparation
    kind: builtin
    run: { builtin: preflight, cwd: / }
  - id: after
    title: Would change something
    group: host-preparation
    kind: command
    run: { argv: [touch, '\${catalogDir}/marks/after'], cwd: / }
    needs: [preflight]
`,
    );
    const r = await w.cli(['deploy', w.profile, '--catalog', catalog], {}, 120_000);
    expect(r.exitCode, r.stdout + r.stderr).toBe(EXIT.preflightFailed);
    expect(r.stdout).toMatch(/FAILED +preflight/);
    expect(existsSync(join(w.catalogDir, 'marks', 'after'))).toBe(false);

    const runId = w.runIds().at(-1)!;
    const s = statusJson(await w.cli(['status', runId, '--json']));
    expect(s.phases.map((p) => [p.id, p.status])).toEqual([
      ['preflight', 'failed'],
      ['after', 'pending'],
    ]);
    const report = JSON.parse(
      readFileSync(join(w.runDir(runId), 'preflight.json'), 'utf8'),
    ) as PreflightReport;
    expect(report.status).toBe('fail');
    expect(report.hosts[0]!.address).toBe(w.fleet.hosts[0]!.address);
    const log = readFileSync(join(w.runDir(runId), 'logs', 'preflight.log'), 'utf8');
    expect(log).toContain('result: FAIL');
    expect(log).toContain('nothing was changed');
  }, 180_000);
});
