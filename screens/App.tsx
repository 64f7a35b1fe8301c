// The wizard application: the shell (frame, help, too-small screen, key routing) and the
// screen switch. State lives in one reducer (src/state/wizard.ts); screens dispatch actions.
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { Box, Text } from 'ink';
import { Frame } from '../components/Frame';
import { Help, maxHelpOffset, type HelpContent } from '../components/Help';
import { TooSmall, MIN_COLUMNS, MIN_ROWS } from '../components/TooSmall';
import {
  STEPS,
  STEP_TITLES,
  wizardReducer,
  type Validation,
  type WizardState,
} from '../src/state/wizard';
import { ActionsContext, ViewContext, type WizardActions, type WizardResult } from './context';
import { KeyRouterProvider, PRIORITY, useKeyEmitter, useKeys } from './keyRouter';
import { HELP_KEYMAP, actionsOf, bindingsFor, helpActionOf, type KeyEvent } from './keymap';
import { SCREEN_HELP } from './help';
import { useTerminalSize } from './hooks/useTerminalSize';
import { useDiscovery } from './hooks/useDiscovery';
import { useWizardCore } from './hooks/useWizardCore';
import type { WizardServices } from './hooks/services';
import { HomeScreen } from './HomeScreen';

/** The step screens, loaded after the home screen's first frame (hooks/useWizardCore.ts). */
type StepScreens = typeof import('./steps');

export interface WizardAppProps {
  services: WizardServices;
  initialState: WizardState;
  onExit(result: WizardResult): void;
  /** False when stdin cannot be put in raw mode (never in the real TUI). */
  interactive?: boolean;
}

export function WizardApp(props: WizardAppProps) {
  return (
    <KeyRouterProvider active={props.interactive ?? true}>
      <Shell {...props} />
    </KeyRouterProvider>
  );
}

function Shell({ services, initialState, onExit }: WizardAppProps) {
  const { columns, rows } = useTerminalSize();
  const [state, dispatch] = useReducer(wizardReducer, initialState);
  const [help, setHelp] = useState(false);
  const [helpOffset, setHelpOffset] = useState(0);
  // Discovery runs in the shell, not in the Discovery screen: hosts keep being probed when the
  // user moves on, and a --profile's hosts are rediscovered in the background on any screen.
  useDiscovery(state, dispatch, services);
  // The home screen is drawn before the validation and the step screens' services are loaded.
  const core = useWizardCore(state, services);
  const validation = core.ready ? core.validation : NOT_VALIDATED;
  const screen = state.screen;
  useHeldKeys(!core.ready && screen !== 'home' && core.error === undefined);
  // header 1, border 2, footer 1, and the ink#450 row; the body is 4 columns narrower (border, padding)
  const bodyRows = Math.max(1, rows - 1 - 4);
  const helpContent: HelpContent = {
    title: STEP_TITLES[screen],
    text: SCREEN_HELP[screen],
    bindings: bindingsFor(screen),
  };

  const next = useCallback(() => {
    const i = STEPS.indexOf(screen as (typeof STEPS)[number]);
    const to = STEPS[i + 1];
    if (to) dispatch({ type: 'go', screen: to });
  }, [screen]);
  const actions = useMemo<WizardActions>(
    () => ({ dispatch, services, exit: onExit, next }),
    [services, onExit, next],
  );

  // Critical: Ctrl+C quits from anywhere. High: an open help closes on any key.
  useKeys((e) => {
    if (actionsOf(e, screen).has('quit')) {
      onExit({ kind: 'quit' });
      return true;
    }
    return false;
  }, PRIORITY.critical);
  useKeys(
    (e) => {
      // ↑/↓ and PgUp/PgDn scroll a help taller than the screen; any other key closes it.
      const scroll = helpActionOf(e);
      if (scroll) {
        const stepBy = e.key.pageUp || e.key.pageDown ? Math.max(1, bodyRows - 2) : 1;
        const max = maxHelpOffset(helpContent, columns - 4, bodyRows);
        setHelpOffset((o) =>
          Math.max(0, Math.min(max, o + (scroll === 'helpDown' ? stepBy : -stepBy))),
        );
        return true;
      }
      setHelp(false);
      return true;
    },
    PRIORITY.high,
    help,
  );
  // Low: what no screen consumed.
  useKeys((e) => {
    const a = actionsOf(e, screen);
    if (a.has('help')) {
      setHelp(true);
      setHelpOffset(0);
      return true;
    }
    if (a.has('back')) {
      dispatch({ type: 'back' });
      return true;
    }
    return false;
  }, PRIORITY.low);

  if (columns < MIN_COLUMNS || rows < MIN_ROWS) return <TooSmall columns={columns} rows={rows} />;

  const stepIndex = STEPS.indexOf(screen as (typeof STEPS)[number]);
  const bindings = help ? HELP_KEYMAP : bindingsFor(screen);
  const hints = [
    ...bindings
      .filter((b) => b.footer)
      .map((b) => ({ keys: b.keys, description: shortHint(b.action) })),
    ...(help ? [{ keys: 'other keys', description: 'close help' }] : []),
  ];
  return (
    <ViewContext.Provider value={{ state, validation, bodyRows, columns: columns - 4 }}>
      <ActionsContext.Provider value={actions}>
        <Frame
          columns={columns}
          rows={rows}
          title={STEP_TITLES[screen]}
          {...(stepIndex >= 0 ? { step: { index: stepIndex + 1, count: STEPS.length } } : {})}
          {...(state.name ? { profileName: state.name } : {})}
          hints={hints}
        >
          {help ? (
            <Help content={helpContent} width={columns - 4} rows={bodyRows} offset={helpOffset} />
          ) : (
            <Box flexDirection="column" height={bodyRows} overflow="hidden">
              {/* A screen taller than the body is cut at the bottom, never squeezed: Yoga
                  shrinking its rows made them overlap on small terminals. */}
              <Box flexDirection="column" flexShrink={0}>
                {screen === 'home' ? (
                  <HomeScreen />
                ) : core.ready ? (
                  <StepScreen screen={screen} screens={core.screens} />
                ) : core.error !== undefined ? (
                  <Text color="red" wrap="wrap">
                    The wizard could not load its checks: {core.error}. Quit with Ctrl+C and run the
                    command again; if it happens again, reinstall genestack-installer.
                  </Text>
                ) : (
                  <Text dimColor>Loading…</Text>
                )}
              </Box>
            </Box>
          )}
        </Frame>
      </ActionsContext.Provider>
    </ViewContext.Provider>
  );
}

/**
 * Keys typed while a step screen is still loading (Enter on the home screen, then typing at
 * once) are held, not lost, and replayed to the screen once it is drawn, one per render so each
 * reaches an up-to-date handler. Ctrl+C is not held (critical priority): it quits at once.
 */
function useHeldKeys(holding: boolean): void {
  const held = useRef<KeyEvent[]>([]);
  const emit = useKeyEmitter();
  const [replayed, setReplayed] = useState(0);
  useKeys(
    (e) => {
      held.current.push(e);
      return true;
    },
    PRIORITY.holding,
    holding,
  );
  useEffect(() => {
    if (holding || held.current.length === 0) return;
    emit(held.current.shift()!);
    setReplayed((n) => n + 1);
  }, [holding, replayed, emit]);
}

/** What the home screen sees before the validation code is loaded (it shows no findings). */
const NOT_VALIDATED: Validation = { findings: [], valid: false };

function shortHint(action: string): string {
  switch (action) {
    case 'quit':
      return 'quit';
    case 'up':
      return 'move';
    case 'next':
      return 'continue';
    case 'back':
      return 'back';
    case 'help':
      return 'help';
    case 'toggle':
      return 'toggle';
    case 'left':
      return 'change';
    case 'retry':
      return 'retry';
    case 'retryAll':
      return 'retry all';
    case 'acceptKey':
      return 'accept key';
    case 'wipe':
      return 'ack wipe';
    case 'reset':
      return 'auto roles';
    case 'import':
      return 'import inventory';
    case 'pageUp':
      return 'scroll';
    case 'save':
      return 'save';
    case 'deploy':
      return 'deploy';
    case 'editPath':
      return 'path';
    case 'rename':
      return 'rename';
    case 'helpUp':
      return 'scroll';
    case 'helpDown':
      return 'scroll';
    default:
      return action;
  }
}

function StepScreen({
  screen,
  screens: s,
}: {
  screen: WizardState['screen'];
  screens: StepScreens;
}) {
  switch (screen) {
    case 'hosts':
      return <s.HostsScreen />;
    case 'discovery':
      return <s.DiscoveryScreen />;
    case 'topology':
      return <s.TopologyScreen />;
    case 'roles':
      return <s.RolesScreen />;
    case 'network':
      return <s.NetworkScreen />;
    case 'storage':
      return <s.StorageScreen />;
    case 'services':
      return <s.ServicesScreen />;
    case 'review':
      return <s.ReviewScreen />;
    default:
      return <Text>unknown screen</Text>;
  }
}
