import { Box, Text } from 'ink';
import { safeText } from '../src/terminal/sanitize';

export interface TextFieldProps {
  label: string;
  value: string;
  focused: boolean;
  error?: string | undefined;
  hint?: string;
  width?: number;
  placeholder?: string;
}

export function TextField({
  label,
  value,
  focused,
  error,
  hint,
  width = 22,
  placeholder,
}: TextFieldProps) {
  return (
    <Box flexDirection="column">
      <Box>
        {/* Marker and label keep their width: on a narrow terminal the value is cut, not them
            (a shrunk label wrapped onto a second line and pushed the rows out of line). */}
        <Box flexShrink={0}>
          <Text color={focused ? 'cyan' : undefined}>{focused ? '› ' : '  '}</Text>
          <Text bold={focused}>{label.padEnd(width)}</Text>
        </Box>
        <Text wrap="truncate">
          {/* typed and pasted text may hold control characters: never sent raw */}
          {value === '' && placeholder ? <Text dimColor>{placeholder}</Text> : safeText(value)}
          {focused ? <Text inverse> </Text> : null}
        </Text>
      </Box>
      {error ? (
        <Text color="red" wrap="truncate">
          {'  '}
          {' '.repeat(width)}✗ {safeText(error)}
        </Text>
      ) : focused && hint ? (
        <Text dimColor wrap="truncate">
          {'  '}
          {' '.repeat(width)}
          {safeText(hint)}
        </Text>
      ) : null}
    </Box>
  );
}
