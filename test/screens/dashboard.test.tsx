import { afterEach, describe, expect, it } from 'vitest';
import { renderTui, KEYS, type Rendered } from '../helpers/render';
import { DashboardApp } from '../../screens/dashboard/DashboardApp';
import { testServices, type TestServices, type TestServicesOptions } from './dashboardServices';

const SIZES = [
  { columns: 80, rows: 24 },
  { columns: 120, rows: 40 },
];

let open: { r: Rendered; s: TestServices }[] = [];
afterEach(async () => {
  for (const o of open) {
    o.r.unmount();
    await o.s.close();
  }
  open = [];
});

async function dashboard(
  opts: TestServicesOptions,
  size = SIZES[0]!,
  control = false,
): Promise<{ r: Rendered; s: TestServices; exits: number[] }> {
  const s = testServices(opts);
  await s.ready();
  const exits: number[] = [];
  const r = await renderTui(
    <DashboardApp services={s} control={control} onExit={(c) => exits.push(c)} />,
    size,
  );
  open.push({ r, s });
  return { r, s, exits };
}

describe('dashboard from recorded journals', () => {
  for (const size of SIZES) {
    it(`running at ${size.columns}x${size.rows}`, async () => {
      const { r } = await dashboard({ journal: 'running', engineAlive: true }, size);
      const f = await r.waitFor((x) => x.includes('Download containerd'));
      console.log(f);
    });
  }
});
