// The Hosts screen's window of fields on a short terminal (screens/HostsScreen.tsx).
import { describe, expect, it } from 'vitest';
import { visibleFields } from '../../screens/HostsScreen';

describe('visibleFields', () => {
  it('shows every field when they fit', () => {
    expect(visibleFields([1, 2, 1, 1], 1, 5)).toEqual([0, 4]);
  });

  it('keeps the focus in view and leaves a line for the hidden ones', () => {
    // 7 fields of one line, 5 rows: 4 fields and the "more" line.
    expect(visibleFields([1, 1, 1, 1, 1, 1, 1], 0, 5)).toEqual([0, 4]);
    expect(visibleFields([1, 1, 1, 1, 1, 1, 1], 6, 5)).toEqual([3, 7]);
    expect(visibleFields([1, 1, 1, 1, 1, 1, 1], 3, 5)).toEqual([3, 7]);
    expect(visibleFields([1, 2, 2, 1, 1, 1, 1], 2, 5)).toEqual([2, 5]);
  });

  it('never drops the focused field, however few the rows', () => {
    for (let rows = 0; rows < 4; rows++) {
      const [start, end] = visibleFields([2, 2, 2, 2], 2, rows);
      expect(start).toBeLessThanOrEqual(2);
      expect(end).toBeGreaterThan(2);
    }
  });
});
