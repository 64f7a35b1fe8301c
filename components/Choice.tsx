import { Text } from 'ink';
import { safeText } from '../src/terminal/sanitize';

/** One row of a list: a cursor marker, an optional check box, a label, a dim note. */
export function Choice({
  label,
  focused,
  checked,
  note,
  disabled,
}: {
  label: string;
  focused: boolean;
  checked?: boolean | undefined;
  note?: string | undefined;
  disabled?: boolean;
}) {
  const box = checked === undefined ? '' : checked ? '[x] ' : '[ ] ';
  return (
    <Text wrap="truncate" dimColor={disabled}>
      <Text color={focused ? 'cyan' : undefined}>{focused ? '› ' : '  '}</Text>
      <Text bold={focused}>
        {box}
        {safeText(label)}
      </Text>
      {note ? <Text dimColor> {safeText(note)}</Text> : null}
    </Text>
  );
}
