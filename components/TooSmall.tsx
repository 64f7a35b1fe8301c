import { Box, Text } from 'ink';

export const MIN_COLUMNS = 60;
export const MIN_ROWS = 16;

export function TooSmall({ columns, rows }: { columns: number; rows: number }) {
  return (
    <Box width={columns} height={Math.max(1, rows - 1)} flexDirection="column">
      <Text color="yellow" wrap="wrap">
        Terminal too small: {columns}x{rows}. The installer needs at least {MIN_COLUMNS}x{MIN_ROWS}.
      </Text>
      <Text wrap="wrap">Enlarge the window (or zoom out); Ctrl+C quits.</Text>
    </Box>
  );
}
