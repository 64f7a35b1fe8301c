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
        <Text color={focused ? 'cyan' : undefined}>{focused ? '› ' : '  '}</Text>
        <Text bold={focused}>{label.padEnd(width)}</Text>
        <Text wrap="truncate">
          {value === '' && placeholder ? <Text dimColor>{placeholder}</Text> : safeText(value)}
          {focused ? <Text inverse> </Text> : null}
        </Text>
      </Box>
      {error ? (
        <Text color="red" wrap="truncate">
          {'  '}
          {' '.repeat(width)}✗ {error}
        </Text>
      ) : focused && hint ? (
        <Text dimColor wrap="truncate">
          {'  '}
          {' '.repeat(width)}
          {hint}
        </Text>
      ) : null}
    </Box>
  );
}
