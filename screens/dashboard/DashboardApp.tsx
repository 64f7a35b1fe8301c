// The live deployment dashboard: a pure function of the run's state (RunState from the store)
// plus what this viewer chose to look at. Header (run, progress and estimate, who controls the
// run, heartbeat), the phase list by stage, the selected phase's panels, the footer of keys.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Box, Text } from 'ink';
import { TooSmall, MIN_COLUMNS, MIN_ROWS } from '../../components/TooSmall';
import { PhaseList } from '../../components/PhaseList';
import { HostMatrix } from '../../components/HostMatrix';
import { ChecksPanel } from '../../components/ChecksPanel';
import { KubePanel } from '../../components/KubePanel';
import { LogPane } from '../../components/LogPane';
import { FailurePanel } from '../../components/FailurePanel';
import { CompletionPanel } from '../../components/CompletionPanel';
import { KeyRouterProvider, PRIORITY, useKeys } from '../keyRouter';
import { isErase, typedText, type KeyEvent } from '../keymap';
import { useTerminalSize } from '../hooks/useTerminalSize';
import { firstFailedPhase, phaseById, type RunState } from '../../src/state/runState';
import type { LearnedDurations } from '../../src/state/timing';
import { phaseTiming } from '../../src/state/timing';
import { summarizeFailure, type FailureSummary } from '../../src/state/failureSummary';
import { completionSummary, type CompletionSummary } from '../../src/state/completion';
import { skipConsequences } from '../../src/engine/control';
import { safeText } from '../../src/terminal/sanitize';
import { DASH_KEYMAP, dashAction, footerHints, type KeyContext } from './keymap';
import { useLogHistory, useNamespace, useNow, useRunStore } from './hooks';
import {
  INITIAL_LOG_VIEW,
  logCommand,
  logEntries,
  logWindow,
  visibleEntries,
  type LogCommand,
  type LogViewState,
} from './logView';
import {
  PANEL_ORDER,
  defaultPhase,
  heartbeats,
  isAnsiblePhase,
  panelTitles,
  phaseListRows,
  progressBar,
  progressLine,
  shortDuration,
  type PanelId,
} from './model';
import { controlledByMe, type DashboardServices, type RunFacts } from './services';
import { dashboardExitCode } from './exitCode';

export interface DashboardAppProps {
  services: DashboardServices;
  /** Take control at start (deploy, attach --control). */
  control: boolean;
  /** False when the caller has already announced this viewer (and taken control if asked). */
  announce?: boolean;
  onExit(code: number): void;
  interactive?: boolean;
}

export function DashboardApp(props: DashboardAppProps) {
  return (
    <KeyRouterProvider active={props.interactive ?? true}>
      <Dashboard {...props} />
    </KeyRouterProvider>
  );
}

type Dialog =
  | { kind: 'leave' }
  | { kind: 'control' }
  | { kind: 'abort' }
  | { kind: 'skip'; phaseId: string; consequences: string[] };

/** How long the first full frame waits for the start-up reads (see Dashboard). */
const STARTUP_WAIT_MS = 300;

const HELP_SKIP = new Set(['down', 'nextPhase', 'pageDown', 'prevMatch']);

function Dashboard({ services, control, announce = true, onExit }: DashboardAppProps) {
  const { columns, rows } = useTerminalSize();
  const snap = useRunStore(services);
  const state = snap.state;
  const now = useNow(services);
  const [learned, setLearned] = useState<LearnedDurations>({});
  const [facts, setFacts] = useState<RunFacts>({ resumeCommand: null, namespaces: {} });
  const [alive, setAlive] = useState(true);
  const [chosen, setChosen] = useState<string | null>(null);
  const [panelChoice, setPanelChoice] = useState<PanelId | null>(null);
  const [logView, setLogView] = useState<LogViewState>(INITIAL_LOG_VIEW);
  const [wantHistory, setWantHistory] = useState(false);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [help, setHelp] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [profileText, setProfileText] = useState<string | null | undefined>(undefined);

  // Start-up reads (the journal's state, learned durations, run facts, the profile of a finished
  // run) arrive one by one; each would cost a full frame of a large screen. The first frame is
  // drawn once they are all in, or after STARTUP_WAIT_MS, whichever comes first.
  const [learnedIn, setLearnedIn] = useState(false);
  const [factsIn, setFactsIn] = useState(false);
  const [waited, setWaited] = useState(false);
  useEffect(() => {
    let live = true;
    // A read that fails keeps the default; either way it counts as in.
    const read = <T,>(p: Promise<T>, set: (v: T) => void, setIn: (v: boolean) => void) =>
      void p
        .then(
          (v) => live && set(v),
          () => undefined,
        )
        .finally(() => live && setIn(true));
    read(services.learned(), setLearned, setLearnedIn);
    read(services.runFacts(), setFacts, setFactsIn);
    const t = setTimeout(() => live && setWaited(true), STARTUP_WAIT_MS);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [services]);

  // Announce this viewer once; take control at start when asked to.
  useEffect(() => {
    if (!announce) return;
    const say = (e: unknown) => setMessage(`could not reach the engine: ${(e as Error).message}`);
    services.announce(control ? 'control' : 'read-only').then((ok) => {
      if (!ok) setMessage('the engine is not running: nothing to control, only to look at');
      else if (control) {
        services.takeControl().then((r) => setMessage(r.message), say);
      }
    }, say);
  }, [services, control, announce]);

  useEffect(() => {
    const check = () => setAlive(services.engineAlive());
    check();
    const t = setInterval(check, 2000);
    return () => clearInterval(t);
  }, [services]);

  useEffect(() => {
    if (state.status !== 'succeeded' || profileText !== undefined) return;
    void services.profileText().then(setProfileText, () => setProfileText(null));
  }, [services, state.status, profileText]);

  const hasControl = controlledByMe(state, services.viewer);
  const selectedId = chosen ?? defaultPhase(state);
  const phase = selectedId === undefined ? undefined : phaseById(state, selectedId);
  const titles = panelTitles(phase, state);
  const panels = PANEL_ORDER.filter((p) => titles[p] !== null);
  const autoPanel: PanelId =
    titles.summary !== null ? 'summary' : phase && isAnsiblePhase(phase) ? 'overview' : 'log';
  const panel: PanelId =
    panelChoice !== null && titles[panelChoice] !== null ? panelChoice : autoPanel;
  const failed = state.status === 'failed' || state.status === 'interrupted';
  const keyContext: KeyContext = { logPanel: panel === 'log', failed, hasControl };

  const listRows = useMemo(() => phaseListRows(state, learned, now), [state, learned, now]);
  const phaseIds = useMemo(() => state.phases.map((p) => p.id), [state.phases]);

  // Layout: header 4 rows, body border 2, footer 1, and the ink#450 row.
  const bodyHeight = Math.max(3, rows - 1 - 4 - 2 - 1);
  // A summary (failure or completion) needs the width more than the phase list does.
  const listHidden = panel === 'summary' && columns < 100;
  const listWidth = listHidden ? 0 : Math.min(38, Math.max(24, Math.floor(columns * 0.36)));
  const detailWidth = Math.max(20, columns - 4 - listWidth - (listHidden ? 0 : 1));
  const detailHeight = bodyHeight - 2; // tab bar + phase line
  const logRows = Math.max(1, detailHeight - 1);

  const history = useLogHistory(
    services,
    panel === 'log' ? (phase?.id ?? null) : null,
    wantHistory,
    phase?.logLines ?? 0,
  );
  const entries = useMemo(
    () => (phase ? logEntries(phase.logTail, phase.logLines, history) : []),
    [phase, history],
  );
  const visible = useMemo(() => visibleEntries(entries, logView), [entries, logView]);
  const win = logWindow(visible, logView, logRows);
  const olderMissing =
    phase !== undefined &&
    (history === null ? phase.logLines > phase.logTail.length : history.truncated);

  const namespace = panel === 'kube' && phase ? (facts.namespaces[phase.id]?.[0] ?? null) : null;
  const kube = useNamespace(services, namespace);

  const failedPhase = firstFailedPhase(state);
  const failure = useMemo((): { summary: FailureSummary | null; problem: string | null } => {
    if (!failedPhase) {
      return {
        summary: null,
        problem:
          state.status === 'interrupted'
            ? `The engine stopped without finishing (${safeText(state.interruptions.at(-1)?.reason ?? 'no reason recorded')}).`
            : null,
      };
    }
    try {
      return {
        summary: summarizeFailure(state, failedPhase.id, { runDir: services.runDir }),
        problem: null,
      };
    } catch (e) {
      return { summary: null, problem: `no failure summary: ${(e as Error).message}` };
    }
  }, [state, failedPhase, services.runDir]);
  const completion = useMemo((): { summary: CompletionSummary | null; problem: string | null } => {
    if (state.status !== 'succeeded' || profileText === undefined)
      return { summary: null, problem: null };
    try {
      return { summary: completionSummary(state, profileText, services.runDir), problem: null };
    } catch (e) {
      return { summary: null, problem: `no completion summary: ${(e as Error).message}` };
    }
  }, [state, profileText, services.runDir]);

  const leave = useCallback(() => onExit(dashboardExitCode(state, alive)), [onExit, state, alive]);

  const selectPhase = (delta: number) => {
    if (phaseIds.length === 0) return;
    const i = Math.max(0, phaseIds.indexOf(selectedId ?? ''));
    const next = phaseIds[Math.max(0, Math.min(phaseIds.length - 1, i + delta))]!;
    if (next !== selectedId) {
      setChosen(next);
      setLogView(INITIAL_LOG_VIEW);
      setWantHistory(false);
    }
  };
  const log = (cmd: LogCommand) => {
    if (
      cmd.type === 'searchStart' ||
      cmd.type === 'move' ||
      cmd.type === 'top' ||
      cmd.type === 'searchSubmit' ||
      cmd.type === 'match'
    ) {
      setWantHistory(true);
    }
    setLogView((s) => logCommand(s, cmd, visible, logRows));
  };
  const act = (what: Promise<{ message: string }>) => {
    what.then(
      (r) => setMessage(r.message),
      (e: unknown) => setMessage(`failed: ${(e as Error).message}`),
    );
  };
  const needControl = () =>
    setMessage(
      'Read-only: press c to take control first (the one in control is asked nothing; control moves to you).',
    );

  // Dialogs first: they take every key while open.
  useKeys(
    (e: KeyEvent) => {
      if (dialog === null) return false;
      const k = e.input;
      const close = () => setDialog(null);
      if (e.key.escape) {
        close();
        return true;
      }
      switch (dialog.kind) {
        case 'leave':
          if (k === 'd' || k === 'q') leave();
          else if (k === 'a' && hasControl) setDialog({ kind: 'abort' });
          else if (k === 's' || e.key.ctrl) close();
          return true;
        case 'control':
          if (k === 'y') act(services.takeControl());
          if (k === 'y' || k === 'n') close();
          return true;
        case 'abort':
          if (k === 'y') act(services.abort());
          if (k === 'y' || k === 'n') close();
          return true;
        case 'skip':
          if (k === 'y') act(services.skip(dialog.phaseId));
          if (k === 'y' || k === 'n') close();
          return true;
      }
    },
    PRIORITY.critical,
    dialog !== null,
  );
  useKeys(
    () => {
      setHelp(false);
      return true;
    },
    PRIORITY.high,
    help && dialog === null,
  );
  // Typing a search: printable keys go to the query.
  useKeys(
    (e) => {
      if (e.key.return) log({ type: 'searchSubmit' });
      else if (e.key.escape) log({ type: 'searchCancel' });
      else if (isErase(e)) log({ type: 'searchErase' });
      else if (e.key.ctrl && e.input === 'c') return false;
      else {
        const t = typedText(e);
        if (t !== undefined) log({ type: 'searchType', text: t });
      }
      return true;
    },
    PRIORITY.high,
    logView.typing !== null && dialog === null && !help,
  );
  useKeys((e) => {
    const a = dashAction(e, keyContext);
    if (a === undefined) return false;
    setMessage(null);
    switch (a) {
      case 'quit':
        setDialog({ kind: 'leave' });
        return true;
      case 'detach':
        leave();
        return true;
      case 'help':
        setHelp(true);
        return true;
      case 'up':
        if (panel === 'log') log({ type: 'move', by: -1 });
        else selectPhase(-1);
        return true;
      case 'down':
        if (panel === 'log') log({ type: 'move', by: 1 });
        else selectPhase(1);
        return true;
      case 'prevPhase':
        selectPhase(-1);
        return true;
      case 'nextPhase':
        selectPhase(1);
        return true;
      case 'nextPanel': {
        const i = panels.indexOf(panel);
        setPanelChoice(panels[(i + 1) % panels.length]!);
        return true;
      }
      case 'panel': {
        const p = PANEL_ORDER[Number(e.input) - 1];
        if (p && titles[p] !== null) setPanelChoice(p);
        return true;
      }
      case 'pageUp':
        log({ type: 'move', by: -logRows });
        return true;
      case 'pageDown':
        log({ type: 'move', by: logRows });
        return true;
      case 'top':
        log({ type: 'top' });
        return true;
      case 'follow':
        log({ type: 'follow' });
        return true;
      case 'search':
        log({ type: 'searchStart' });
        return true;
      case 'nextMatch':
        log({ type: 'match', dir: 1 });
        return true;
      case 'prevMatch':
        log({ type: 'match', dir: -1 });
        return true;
      case 'errors':
        log({ type: 'errors' });
        return true;
      case 'expand':
        log({ type: 'expand' });
        return true;
      case 'control':
        if (hasControl) setMessage('You already control this run.');
        else setDialog({ kind: 'control' });
        return true;
      case 'retry':
        if (!hasControl) needControl();
        else act(services.retry());
        return true;
      case 'skip': {
        if (!hasControl) {
          needControl();
          return true;
        }
        const target = failedPhase?.id;
        if (!target) return true;
        let consequences: string[];
        try {
          consequences = skipConsequences(state, target);
        } catch (err) {
          consequences = [
            `(what depends on it could not be worked out: ${(err as Error).message})`,
          ];
        }
        setDialog({ kind: 'skip', phaseId: target, consequences });
        return true;
      }
      case 'abort':
        if (!hasControl) needControl();
        else setDialog({ kind: 'abort' });
        return true;
    }
  }, PRIORITY.normal);

  if (columns < MIN_COLUMNS || rows < MIN_ROWS) return <TooSmall columns={columns} rows={rows} />;
  const startupReadsIn =
    snap.loaded &&
    learnedIn &&
    factsIn &&
    (state.status !== 'succeeded' || profileText !== undefined);
  if (!startupReadsIn && !waited && snap.error === null) {
    return (
      <Box width={columns} height={rows - 1} paddingX={1}>
        <Text>Reading run {safeText(services.runId)} …</Text>
      </Box>
    );
  }

  const progress = progressLine(state, learned, now);
  const run = state.run;
  const statusColor =
    state.status === 'succeeded'
      ? 'green'
      : state.status === 'running'
        ? 'cyan'
        : state.status === 'pending'
          ? undefined
          : 'red';
  const beats = heartbeats(state, now);
  const hints = footerHints(keyContext);

  return (
    <Box width={columns} height={rows - 1} flexDirection="column">
      <Box justifyContent="space-between" paddingX={1}>
        <Text bold wrap="truncate">
          Genestack deployment · run {safeText(run?.runId ?? services.runId)}
          {run ? ` · profile ${safeText(run.profileName)}` : ''}
        </Text>
        <Text color={statusColor} bold>
          {state.status.toUpperCase()}
          {!alive && (state.status === 'running' || state.status === 'pending')
            ? ' (engine gone)'
            : ''}
        </Text>
      </Box>
      <Box paddingX={1}>
        <Text wrap="truncate">
          {progressBar(progress.done, progress.total, 16)} {progress.done}/{progress.total} phases
          {progress.estimate
            ? ` · ${progress.estimate}`
            : state.durationMs !== null
              ? ` · took ${shortDuration(state.durationMs)}`
              : ''}
        </Text>
      </Box>
      <Box paddingX={1}>
        <ControlLine state={state} hasControl={hasControl} />
      </Box>
      <Box paddingX={1}>
        {message !== null ? (
          <Text color="yellow" wrap="truncate">
            {safeText(message, 400)}
          </Text>
        ) : snap.error !== null ? (
          <Text color="red" wrap="truncate">
            journal: {safeText(snap.error, 400)}
          </Text>
        ) : beats.length > 0 ? (
          <Text wrap="truncate">
            {beats.map((b, i) => (
              <Text
                key={b.phaseId}
                color={b.level === 'silent' ? 'red' : b.level === 'quiet' ? 'yellow' : 'green'}
              >
                {i > 0 ? ' · ' : ''}♥ {b.title}: last output {shortDuration(b.silentMs)} ago
                {b.level === 'silent' ? ' (silent: check the log and the Kubernetes panel)' : ''}
              </Text>
            ))}
          </Text>
        ) : (
          <Text dimColor wrap="truncate">
            {!snap.loaded
              ? 'reading the journal…'
              : state.warningCount > 0
                ? `${state.warningCount} warnings; last: ${safeText(state.warnings.at(-1)?.message ?? '', 300)}`
                : 'no phase running'}
          </Text>
        )}
      </Box>
      <Box
        borderStyle="round"
        borderColor="gray"
        paddingX={1}
        height={bodyHeight + 2}
        overflow="hidden"
      >
        {help ? (
          <HelpOverlay control={hasControl} />
        ) : dialog !== null ? (
          <DialogBox dialog={dialog} hasControl={hasControl} controller={state.controller} />
        ) : (
          <>
            <PhaseList
              rows={listRows}
              selectedId={selectedId}
              width={listWidth}
              height={bodyHeight}
            />
            <Box width={1} />
            <Box flexDirection="column" width={detailWidth} height={bodyHeight} overflow="hidden">
              <TabBar panels={panels} titles={titles} active={panel} />
              {phase ? <PhaseLine phase={phase} learned={learned} now={now} /> : <Text> </Text>}
              <Box flexDirection="column" height={detailHeight} overflow="hidden">
                {panel === 'overview' && phase ? (
                  isAnsiblePhase(phase) ? (
                    <HostMatrix ansible={phase.ansible} width={detailWidth} height={detailHeight} />
                  ) : (
                    <ChecksPanel phase={phase} height={detailHeight} />
                  )
                ) : null}
                {panel === 'kube' ? (
                  <KubePanel panel={kube} now={now} height={detailHeight} />
                ) : null}
                {panel === 'log' && phase ? (
                  <LogPane
                    entries={visible}
                    window={win}
                    width={detailWidth}
                    height={detailHeight}
                    following={logView.follow}
                    errorsOnly={logView.errorsOnly}
                    query={logView.query}
                    typing={logView.typing}
                    notFound={logView.notFound}
                    expanded={logView.expanded}
                    total={phase.logLines}
                    olderMissing={olderMissing}
                  />
                ) : null}
                {panel === 'summary' && state.status === 'succeeded' ? (
                  <CompletionPanel
                    summary={completion.summary}
                    problem={completion.problem}
                    height={detailHeight}
                  />
                ) : null}
                {panel === 'summary' && state.status !== 'succeeded' ? (
                  <FailurePanel
                    summary={failure.summary}
                    problem={failure.problem}
                    resumeCommand={facts.resumeCommand}
                    hasControl={hasControl}
                    width={detailWidth}
                    height={detailHeight}
                  />
                ) : null}
              </Box>
            </Box>
          </>
        )}
      </Box>
      <Box paddingX={1}>
        <Text dimColor wrap="truncate">
          {hints.map((h) => `${h.keys} ${h.hint}`).join(' · ')}
        </Text>
      </Box>
    </Box>
  );
}

function HelpOverlay({ control: c }: { control: boolean }) {
  return (
    <Box flexDirection="column">
      <Text bold>Help: live deployment dashboard</Text>
      <Text wrap="wrap">
        {c
          ? 'You control this run: retry, skip and abort act on it.'
          : 'Read-only: you watch the run; c takes control (retry, skip, abort).'}{' '}
        Leaving (q) never stops the deployment.
      </Text>
      {DASH_KEYMAP.filter((b) => !HELP_SKIP.has(b.action)).map((b) => (
        <Text key={b.action} wrap="truncate">
          <Text color="cyan">{b.keys.padEnd(10)}</Text> {b.description}
        </Text>
      ))}
      <Text dimColor>Press any key to close the help.</Text>
    </Box>
  );
}

function ControlLine({ state, hasControl }: { state: RunState; hasControl: boolean }) {
  const c = state.controller;
  const since = c ? clock(c.since) : '';
  if (hasControl) {
    return (
      <Text color="green" wrap="truncate">
        CONTROL · you control this run since {since}
      </Text>
    );
  }
  return (
    <Text wrap="truncate">
      <Text color="yellow" bold>
        READ-ONLY
      </Text>
      {c
        ? ` · controlled by ${safeText(c.user)}@${safeText(c.host)} (pid ${c.pid}) since ${since}`
        : ' · no viewer has taken control'}
      {' · c takes control'}
    </Text>
  );
}

/** hh:mm:ss UTC of an ISO time: the journal's clock, the same for every viewer. */
function clock(iso: string): string {
  return `${iso.slice(11, 19)} UTC`;
}

function TabBar({
  panels,
  titles,
  active,
}: {
  panels: readonly PanelId[];
  titles: Record<PanelId, string | null>;
  active: PanelId;
}) {
  return (
    <Text wrap="truncate">
      {panels.map((p) => (
        <Text key={p} inverse={p === active} bold={p === active}>
          {` ${PANEL_ORDER.indexOf(p) + 1} ${titles[p]} `}
        </Text>
      ))}
    </Text>
  );
}

function PhaseLine({
  phase,
  learned,
  now,
}: {
  phase: NonNullable<ReturnType<typeof phaseById>>;
  learned: LearnedDurations;
  now: number;
}) {
  const t = phaseTiming(phase, learned, now);
  const expected =
    t.expectedMs === null
      ? ' (no estimate)'
      : ` / ~${shortDuration(t.expectedMs)} (${t.expectedSource === 'earlier-runs' ? 'earlier runs' : 'catalog'})`;
  return (
    <Text wrap="truncate">
      <Text bold>{safeText(phase.id)}</Text>{' '}
      {/* Past the soft timeout the warning replaces the status, so it fits the narrowest panel. */}
      {t.overdue ? <Text color="yellow">⚠ taking longer than expected</Text> : phase.status}
      {phase.attempt > 1 ? ` (attempt ${phase.attempt})` : ''}
      {t.elapsedMs !== null ? ` · ${shortDuration(t.elapsedMs)}` : ''}
      {phase.status === 'running' || phase.status === 'pending' ? expected : ''}
    </Text>
  );
}

function DialogBox({
  dialog,
  hasControl,
  controller,
}: {
  dialog: Dialog;
  hasControl: boolean;
  controller: RunState['controller'];
}) {
  switch (dialog.kind) {
    case 'leave':
      return (
        <Box flexDirection="column">
          <Text bold>Leave the dashboard?</Text>
          <Text>
            d detach: the deployment goes on (attach again with `genestack-installer attach`)
          </Text>
          {hasControl ? (
            <Text>a abort the run (asks again)</Text>
          ) : (
            <Text dimColor>a abort: only the viewer in control can abort (c takes control)</Text>
          )}
          <Text>s stay (or Esc)</Text>
        </Box>
      );
    case 'control':
      return (
        <Box flexDirection="column">
          <Text bold>Take control of this run?</Text>
          <Text wrap="wrap">
            {controller
              ? `${safeText(controller.user)}@${safeText(controller.host)} controls it now; they will become read-only.`
              : 'No one controls it now.'}{' '}
            With control you can retry, skip or abort.
          </Text>
          <Text>y take control · n stay read-only</Text>
        </Box>
      );
    case 'abort':
      return (
        <Box flexDirection="column">
          <Text bold color="red">
            Abort the deployment?
          </Text>
          <Text wrap="wrap">
            Running phases are stopped (SIGTERM, then SIGKILL after the grace period); the run ends
            aborted and can be resumed later.
          </Text>
          <Text>y abort · n keep it running</Text>
        </Box>
      );
    case 'skip':
      return (
        <Box flexDirection="column">
          <Text bold color="yellow">
            Skip the failed phase {safeText(dialog.phaseId)}?
          </Text>
          <Text>It is recorded as skipped by you and the run resumes after it. Consequences:</Text>
          {dialog.consequences.length === 0 ? (
            <Text> no later phase depends on it</Text>
          ) : (
            dialog.consequences.map((c, i) => (
              <Text key={i} wrap="truncate">
                • {safeText(c)}
              </Text>
            ))
          )}
          <Text>y skip it · n keep it failed</Text>
        </Box>
      );
  }
}
