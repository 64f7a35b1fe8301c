import { isErase, typedText, type KeyEvent } from '../keymap';

/** The new value of a text field after a key, or undefined when the key is not an edit. */
export function editText(value: string, e: KeyEvent): string | undefined {
  if (isErase(e)) return value.slice(0, -1);
  // Ctrl+U clears the field, as in a shell.
  if (e.key.ctrl && e.input === 'u') return '';
  const t = typedText(e);
  return t === undefined ? undefined : value + t;
}
