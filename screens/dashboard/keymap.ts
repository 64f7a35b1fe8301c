// The dashboard's one keymap (as screens/keymap.ts is the wizard's): the footer hints and the
// help overlay are generated from this table, and the shell resolves keys through it, so what
// is shown is what works.
import type { KeyEvent } from '../keymap';

export type DashAction =
  | 'quit'
  | 'detach'
  | 'help'
  | 'up'
  | 'down'
  | 'prevPhase'
  | 'nextPhase'
  | 'nextPanel'
  | 'panel'
  | 'pageUp'
  | 'pageDown'
  | 'top'
  | 'follow'
  | 'search'
  | 'nextMatch'
  | 'prevMatch'
  | 'errors'
  | 'expand'
  | 'control'
  | 'retry'
  | 'skip'
  | 'abort';

/** Where a binding applies: everywhere, or only while the log panel is shown. */
export type DashContext = 'all' | 'log' | 'failed';

export interface DashBinding {
  action: DashAction;
  keys: string;
  description: string;
  /** The footer's short form. */
  hint: string;
  context: DashContext;
  /** Shown in the footer (the help lists every binding). */
  footer: boolean;
  /** Needs control of the run (the footer shows it only then). */
  needsControl?: boolean;
  match(e: KeyEvent): boolean;
}

const plain = (ch: string) => (e: KeyEvent) => e.input === ch && !e.key.ctrl && !e.key.meta;

export const DASH_KEYMAP: readonly DashBinding[] = [
  {
    action: 'quit',
    keys: 'Ctrl+C',
    description: 'leave: detach (the run goes on), abort (with control), or stay',
    hint: 'leave',
    context: 'all',
    footer: false,
    match: (e) => e.key.ctrl && e.input === 'c',
  },
  {
    action: 'detach',
    keys: 'q',
    description: 'detach: close the dashboard, the deployment goes on',
    hint: 'detach',
    context: 'all',
    footer: true,
    match: plain('q'),
  },
  {
    action: 'up',
    keys: '↑/↓',
    description: 'select a phase; in the log panel, move the log cursor',
    hint: 'select',
    context: 'all',
    footer: true,
    match: (e) => e.key.upArrow,
  },
  {
    action: 'down',
    keys: '↓',
    description: 'down',
    hint: 'next',
    context: 'all',
    footer: false,
    match: (e) => e.key.downArrow,
  },
  {
    action: 'nextPanel',
    keys: 'Tab',
    description: 'next panel of the selected phase',
    hint: 'panel',
    context: 'all',
    footer: true,
    match: (e) => e.key.tab,
  },
  {
    action: 'panel',
    keys: '1-4',
    description: 'panel: 1 hosts/checks, 2 Kubernetes, 3 log, 4 failure/summary',
    hint: 'panels',
    context: 'all',
    footer: false,
    match: (e) => /^[1-4]$/.test(e.input) && !e.key.ctrl && !e.key.meta,
  },
  {
    action: 'prevPhase',
    keys: 'k/j',
    description: 'select the previous / next phase (from any panel)',
    hint: 'phase',
    context: 'all',
    footer: false,
    match: plain('k'),
  },
  {
    action: 'nextPhase',
    keys: 'j',
    description: 'next phase',
    hint: 'phase',
    context: 'all',
    footer: false,
    match: plain('j'),
  },
  {
    action: 'pageUp',
    keys: 'PgUp/PgDn',
    description: 'scroll the log a page (earlier lines are read from the log file)',
    hint: 'scroll',
    context: 'log',
    footer: true,
    match: (e) => e.key.pageUp,
  },
  {
    action: 'pageDown',
    keys: 'PgDn',
    description: 'scroll down a page',
    hint: 'page down',
    context: 'log',
    footer: false,
    match: (e) => e.key.pageDown,
  },
  {
    action: 'top',
    keys: 'g',
    description: 'go to the first line',
    hint: 'top',
    context: 'log',
    footer: false,
    match: plain('g'),
  },
  {
    action: 'follow',
    keys: 'G',
    description: 'go to the end and follow new lines',
    hint: 'follow',
    context: 'log',
    footer: true,
    match: plain('G'),
  },
  {
    action: 'search',
    keys: '/',
    description: 'search (Enter finds, Esc cancels)',
    hint: 'search',
    context: 'log',
    footer: true,
    match: plain('/'),
  },
  {
    action: 'nextMatch',
    keys: 'n/N',
    description: 'next / previous match',
    hint: 'match',
    context: 'log',
    footer: true,
    match: plain('n'),
  },
  {
    action: 'prevMatch',
    keys: 'N',
    description: 'previous match',
    hint: 'previous match',
    context: 'log',
    footer: false,
    match: plain('N'),
  },
  {
    action: 'errors',
    keys: 'e',
    description: 'show only error lines (again: every line)',
    hint: 'errors',
    context: 'log',
    footer: true,
    match: plain('e'),
  },
  {
    action: 'expand',
    keys: 'Enter',
    description: 'show the whole line under the cursor (again: close)',
    hint: 'whole line',
    context: 'log',
    footer: true,
    match: (e) => e.key.return,
  },
  {
    action: 'control',
    keys: 'c',
    description: 'take control of the run (asks first)',
    hint: 'take control',
    context: 'all',
    footer: true,
    match: plain('c'),
  },
  {
    action: 'retry',
    keys: 'r',
    description: 'retry the failed phase (with control)',
    hint: 'retry',
    context: 'failed',
    footer: true,
    needsControl: true,
    match: plain('r'),
  },
  {
    action: 'skip',
    keys: 's',
    description: 'skip the failed phase (with control; names what will not run)',
    hint: 'skip',
    context: 'failed',
    footer: true,
    needsControl: true,
    match: plain('s'),
  },
  {
    action: 'abort',
    keys: 'a',
    description: 'abort the run (with control; asks first)',
    hint: 'abort',
    context: 'all',
    footer: false,
    needsControl: true,
    match: plain('a'),
  },
  {
    action: 'help',
    keys: '?',
    description: 'this help',
    hint: 'help',
    context: 'all',
    footer: true,
    match: plain('?'),
  },
];

export interface KeyContext {
  logPanel: boolean;
  failed: boolean;
  hasControl: boolean;
}

function applies(b: DashBinding, c: KeyContext): boolean {
  if (b.context === 'log' && !c.logPanel) return false;
  if (b.context === 'failed' && !c.failed) return false;
  return true;
}

/** Bindings that act in this context (help lists all of them). */
export function dashBindings(c: KeyContext): DashBinding[] {
  return DASH_KEYMAP.filter((b) => applies(b, c));
}

/** The footer: bindings of the context; control-only ones only with control. */
export function footerHints(c: KeyContext): { keys: string; hint: string }[] {
  return dashBindings(c)
    .filter((b) => b.footer && (!b.needsControl || c.hasControl))
    .filter((b) => !(b.action === 'control' && c.hasControl))
    .map((b) => ({ keys: b.keys, hint: b.hint }));
}

/** The action a key means in a context (the first binding that matches). */
export function dashAction(e: KeyEvent, c: KeyContext): DashAction | undefined {
  return dashBindings(c).find((b) => b.match(e))?.action;
}
