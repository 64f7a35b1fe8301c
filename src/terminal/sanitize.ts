// Text that came from outside the installer (host names, discovered facts, log lines, profile
// strings) must never be able to drive the terminal: an ESC sequence could clear the screen,
// move the cursor, retitle the window or leave the terminal in a broken mode. Every screen shows
// such text through `safeText`, which keeps printable characters and shows controls visibly.

// C0 controls except TAB, DEL, and the C1 range (U+0080-U+009F: 8-bit CSI/OSC on some terminals),
// plus bidirectional overrides that could make a line read differently from what it holds.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function visible(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  if (code === 0x1b) return '␛';
  if (code < 0x20) return String.fromCodePoint(0x2400 + code); // ␀ .. ␟
  if (code === 0x7f) return '␡';
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One line of display text: controls made visible, tabs expanded, never longer than `max`. */
export function safeText(text: string, max = 4096): string {
  const cut = text.length > max ? text.slice(0, max) : text;
  const clean = cut.replace(/\t/g, '  ').replace(UNSAFE, visible);
  return text.length > max ? `${clean}…` : clean;
}

/** True when the text would be changed by `safeText` (used by validation to refuse names). */
export function hasControlCharacters(text: string): boolean {
  UNSAFE.lastIndex = 0;
  const found = UNSAFE.test(text);
  UNSAFE.lastIndex = 0;
  return found;
}
