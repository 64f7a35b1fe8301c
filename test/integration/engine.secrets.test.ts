// Secrets Genestack generates (kubesecrets.yaml, written mid-run by the create-secrets phase)
// never enter the journal or the phase logs: a later phase prints them and the run keeps only
// the redaction marker. Real engine, real processes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startWorld, type EngineWorld } from './engineHarness';

let world: EngineWorld;
beforeAll(async () => {
  world = await startWorld({ hosts: 1 });
});
afterAll(async () => {
  await world?.stop();
});

describe('secrets generated during a run', () => {
  it('are redacted from the journal and the phase logs', async () => {
    const r = await world.cli([
      'deploy',
      world.profile,
      '--catalog',
      world.catalog('secrets.yaml'),
      '--yes',
    ]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const kubesecrets = readFileSync(join(world.configDir, 'kubesecrets.yaml'), 'utf8');
    const password = /password: (\S+)/.exec(kubesecrets)![1]!;
    const token = Buffer.from(/token: (\S+)/.exec(kubesecrets)![1]!, 'base64').toString();
    expect(password).toMatch(/^gs-[0-9a-f]{24}$/);

    const [runId] = world.runIds();
    const runDir = world.runDir(runId!);
    const journal = readFileSync(join(runDir, 'events.jsonl'), 'utf8');
    const logs = readdirSync(join(runDir, 'logs'))
      .map((f) => readFileSync(join(runDir, 'logs', f), 'utf8'))
      .join('\n');
    expect(r.stdout + r.stderr).not.toContain(password);
    for (const text of [journal, logs]) {
      expect(text).toContain('password is [REDACTED]');
      expect(text).toContain('token is [REDACTED]');
      expect(text).not.toContain(password);
      expect(text).not.toContain(token);
    }
  });
});
