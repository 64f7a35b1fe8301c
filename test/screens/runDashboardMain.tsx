// Runs the dashboard as `attach` will: in this process's terminal, then exits with its code.
// Used by dashboardPty.test.tsx through a real pseudo-terminal (argv: stateDir runId [control]).
import { runDashboard } from '../../screens/dashboard/runDashboard';

const [stateDir, runId, control] = process.argv.slice(2);
const code = await runDashboard({
  stateDir: stateDir!,
  runId: runId!,
  control: control === 'control',
});
process.exit(code);
