// The guided setup (full screen, in a real pseudo-terminal) opened on a profile full of hostile
// strings (issue 7): nothing from the profile may reach the terminal as a control sequence. The
// hostile sequences carry markers ("evil" ... "mark"), so the test can tell them from the
// sequences Ink itself draws with.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { REPO } from '../helpers/cli';
import { runInPty } from '../helpers/pty';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gsi-wizard-hostile-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const SEQUENCES = [
  '\u001b[2J',
  '\u001b]52;c;ZXZpbA==\u0007',
  '\u001b]0;PWNED\u0007',
  '\u009b2J',
  '\u202e',
];

describe('the guided setup on a hostile profile', () => {
  it('shows the values without obeying them', async () => {
    const canary = join(dir, 'CANARY');
    const doc = parse(readFileSync(join(REPO, 'profiles/hyperconverged-lab.yaml'), 'utf8'));
    SEQUENCES.forEach((s, i) => {
      if (doc.hosts[i]) doc.hosts[i].name = `evil${s}mark${i}`;
    });
    doc.metadata.name = `evil\u001b]0;PWNED\u0007mark $(touch ${canary})`;
    doc.network.providerInterface = `evil\u001b[2Jmark`;
    const file = join(dir, 'hostile.yaml');
    writeFileSync(file, stringify(doc));

    const t = runInPty(['--profile', file], {
      cols: 120,
      rows: 40,
      env: {
        GENESTACK_INSTALLER_STATE_DIR: join(dir, 'state'),
        XDG_CONFIG_HOME: join(dir, 'conf'),
      },
    });
    try {
      await t.waitFor(
        () => /evil/.test(t.screen()) || /mark/.test(t.screen()),
        'a hostile value on screen',
        30_000,
      );
      const raw = t.output();
      for (const s of SEQUENCES) expect(raw.includes(`evil${s}`), JSON.stringify(s)).toBe(false);
      expect(existsSync(canary)).toBe(false);
    } finally {
      t.pty.kill('SIGKILL');
    }
  });
});
