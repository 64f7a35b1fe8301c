// Starts the live dashboard full screen: alternate screen (restored on every exit path, as the
// wizard's launch.tsx does), Ink render, and the run's exit code once the viewer leaves.
// `attach` and `deploy` load it with a dynamic import(), so React and Ink are only evaluated on
// the TUI path.
import { render } from 'ink';
import { enterFullScreen } from '../../src/terminal/screen';
import { DashboardApp } from './DashboardApp';
import { realDashboardServices, type DashboardServices } from './services';

export interface RunDashboardOptions {
  stateDir: string;
  runId: string;
  /** Take control of the run at start (else read-only until the viewer asks). */
  control: boolean;
  /**
   * Default true: the dashboard asks the engine to record this viewer (and control when
   * `control`). False when the caller (attach) has already done so.
   */
  announce?: boolean;
}

export async function runDashboard(
  opts: RunDashboardOptions,
  services: DashboardServices = realDashboardServices({
    stateDir: opts.stateDir,
    runId: opts.runId,
  }),
): Promise<number> {
  let resolveCode: (code: number) => void = () => {};
  const exited = new Promise<number>((r) => (resolveCode = r));
  const ink: { instance?: ReturnType<typeof render> } = {};
  // Raw mode before the first frame, so a key typed meanwhile is not echoed (see launch.tsx).
  if (process.stdin.isTTY) process.stdin.setRawMode(true);
  const screen = enterFullScreen({ beforeRestore: () => ink.instance?.unmount() });
  try {
    ink.instance = render(
      <DashboardApp
        services={services}
        control={opts.control}
        announce={opts.announce ?? true}
        onExit={(c) => resolveCode(c)}
      />,
      { exitOnCtrlC: false, patchConsole: false, maxFps: 30 },
    );
    return await exited;
  } finally {
    screen.restore();
    screen.dispose();
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    await services.close();
  }
}
