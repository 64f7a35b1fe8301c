// The one keymap: the footer's hints and the `?` help are generated from this table, and the
// router resolves keys through it, so what is shown is what works.
import type { Key } from 'ink';
import { STEPS, type ScreenId } from '../src/state/wizard';

export type KeyAction =
  | 'quit'
  | 'help'
  | 'back'
  | 'next'
  | 'up'
  | 'down'
  | 'toggle'
  | 'left'
  | 'right'
  | 'retry'
  | 'retryAll'
  | 'acceptKey'
  | 'rename'
  | 'helpUp'
  | 'helpDown'
  | 'wipe'
  | 'reset'
  | 'import'
  | 'save'
  | 'deploy'
  | 'pageUp'
  | 'pageDown'
  | 'editPath'
  | 'editConfigDir'
  | 'yes'
  | 'no';

export interface KeyEvent {
  input: string;
  key: Key;
}

export interface KeyBinding {
  action: KeyAction;
  /** How the key is shown in the footer and help. */
  keys: string;
  description: string;
  /** Screens where the binding applies; 'all' = everywhere. */
  screens: readonly ScreenId[] | 'all';
  /** Shown in the footer (help always lists every binding). */
  footer: boolean;
  match(e: KeyEvent): boolean;
}

const plain = (ch: string) => (e: KeyEvent) => e.input === ch && !e.key.ctrl && !e.key.meta;
const LISTS: readonly ScreenId[] = ['home', ...STEPS];

export const KEYMAP: readonly KeyBinding[] = [
  {
    action: 'quit',
    keys: 'Ctrl+C',
    description: 'quit (answers are not saved)',
    screens: 'all',
    footer: true,
    match: (e) => e.key.ctrl && e.input === 'c',
  },
  {
    action: 'up',
    keys: '↑/↓',
    description: 'move between rows',
    screens: LISTS,
    footer: true,
    match: (e) => e.key.upArrow || (e.key.shift && e.key.tab),
  },
  {
    action: 'down',
    keys: '↓',
    description: 'next row',
    screens: LISTS,
    footer: false,
    match: (e) => e.key.downArrow || (e.key.tab && !e.key.shift),
  },
  {
    action: 'toggle',
    keys: 'Space',
    description: 'select / toggle the row',
    screens: ['topology', 'roles', 'storage', 'services'],
    footer: true,
    match: plain(' '),
  },
  {
    action: 'left',
    keys: '←/→',
    description: 'change the value or pick the column',
    screens: ['roles', 'storage', 'network'],
    footer: true,
    match: (e) => e.key.leftArrow,
  },
  {
    action: 'right',
    keys: '→',
    description: 'next value',
    screens: ['roles', 'storage', 'network'],
    footer: false,
    match: (e) => e.key.rightArrow,
  },
  {
    action: 'retry',
    keys: 'r',
    description: 'retry the selected host',
    screens: ['discovery'],
    footer: true,
    match: plain('r'),
  },
  {
    action: 'retryAll',
    keys: 'R',
    description: 'retry every failed host',
    screens: ['discovery'],
    footer: true,
    match: plain('R'),
  },
  {
    action: 'acceptKey',
    keys: 'a',
    description: 'accept the shown host key fingerprint',
    screens: ['discovery'],
    footer: true,
    match: plain('a'),
  },
  {
    action: 'rename',
    keys: 'n',
    description: 'rename the selected host (its inventory and Kubernetes node name)',
    screens: ['discovery'],
    footer: true,
    match: plain('n'),
  },
  {
    action: 'wipe',
    keys: 'w',
    description: 'acknowledge wiping the selected disk (by its id)',
    screens: ['storage'],
    footer: true,
    match: plain('w'),
  },
  {
    action: 'reset',
    keys: 'x',
    description: 'reset the host’s roles to automatic',
    screens: ['roles'],
    footer: true,
    match: plain('x'),
  },
  {
    action: 'import',
    keys: 'Ctrl+O',
    description: 'import hosts from a Genestack inventory.yaml (path in the field)',
    screens: ['hosts'],
    footer: true,
    match: (e) => e.key.ctrl && e.input === 'o',
  },
  {
    action: 'pageUp',
    keys: 'PgUp/PgDn',
    description: 'scroll',
    screens: ['review'],
    footer: true,
    match: (e) => e.key.pageUp,
  },
  {
    action: 'pageDown',
    keys: 'PgDn',
    description: 'scroll down',
    screens: ['review'],
    footer: false,
    match: (e) => e.key.pageDown,
  },
  {
    action: 'save',
    keys: 's',
    description: 'save the profile and write the config files',
    screens: ['review'],
    footer: true,
    match: plain('s'),
  },
  {
    action: 'editPath',
    keys: 'p',
    description: 'edit the profile path',
    screens: ['review'],
    footer: true,
    match: plain('p'),
  },
  {
    action: 'editConfigDir',
    keys: 'c',
    description: 'edit the folder the config files go to',
    screens: ['review'],
    footer: false,
    match: plain('c'),
  },
  {
    action: 'yes',
    keys: 'y',
    description: 'confirm replacing files that differ',
    screens: ['review'],
    footer: false,
    match: plain('y'),
  },
  {
    action: 'no',
    keys: 'n',
    description: 'keep the existing files',
    screens: ['review'],
    footer: false,
    match: plain('n'),
  },
  {
    action: 'deploy',
    keys: 'd',
    description: 'deploy now (after saving)',
    screens: ['review'],
    footer: true,
    match: plain('d'),
  },
  {
    action: 'next',
    keys: 'Enter',
    description: 'continue / choose',
    screens: 'all',
    footer: true,
    match: (e) => e.key.return,
  },
  // ink 6 reports the Backspace key (\x7f) as key.delete (ink.md §3.1).
  {
    action: 'back',
    keys: 'Esc/Backspace',
    description: 'go back (answers are kept)',
    screens: 'all',
    footer: true,
    match: (e) => e.key.escape || e.key.backspace || e.key.delete,
  },
  {
    action: 'help',
    // `?` types a character while a text field is being edited; Ctrl+G (nano's "get help")
    // opens help from anywhere.
    keys: '?/Ctrl+G',
    description: 'help for this screen',
    screens: 'all',
    footer: true,
    match: (e) => plain('?')(e) || (e.key.ctrl && e.input === 'g'),
  },
];

/**
 * Keys while the help overlay is open: these scroll it (when it is taller than the screen),
 * any other key closes it. The footer shows them instead of the screen's keys.
 */
export const HELP_KEYMAP: readonly KeyBinding[] = [
  {
    action: 'helpUp',
    keys: '↑/PgUp',
    description: 'scroll the help up',
    screens: 'all',
    footer: true,
    match: (e) => e.key.upArrow || e.key.pageUp,
  },
  {
    action: 'helpDown',
    keys: '↓/PgDn',
    description: 'scroll the help down',
    screens: 'all',
    footer: true,
    match: (e) => e.key.downArrow || e.key.pageDown,
  },
];

/** The help scroll action a key means while help is open, if any. */
export function helpActionOf(e: KeyEvent): 'helpUp' | 'helpDown' | undefined {
  const b = HELP_KEYMAP.find((k) => k.match(e));
  return b ? (b.action as 'helpUp' | 'helpDown') : undefined;
}

export function bindingsFor(screen: ScreenId): KeyBinding[] {
  return KEYMAP.filter((b) => b.screens === 'all' || b.screens.includes(screen));
}

/** The actions a key event means on a screen (usually one). */
export function actionsOf(e: KeyEvent, screen: ScreenId): Set<KeyAction> {
  return new Set(
    bindingsFor(screen)
      .filter((b) => b.match(e))
      .map((b) => b.action),
  );
}

/** Printable text typed (pasted text arrives as one chunk). */
export function typedText(e: KeyEvent): string | undefined {
  if (e.key.ctrl || e.key.meta || e.key.escape || e.key.return || e.key.tab) return undefined;
  if (e.key.upArrow || e.key.downArrow || e.key.leftArrow || e.key.rightArrow) return undefined;
  if (e.key.backspace || e.key.delete || e.key.pageUp || e.key.pageDown) return undefined;
  // eslint-disable-next-line no-control-regex
  const t = e.input.replace(/[\x00-\x1f\x7f]/g, ' ');
  return t === '' ? undefined : t;
}

export const isErase = (e: KeyEvent) => e.key.backspace || e.key.delete;
