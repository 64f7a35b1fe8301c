// Where a path (`hosts[2].address`) stands in a YAML source: used to give every finding a
// line:column. For a key that exists the key itself is pointed at; for one that does not, the
// nearest enclosing node that does.
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter } from 'yaml';
import type { PathSegment } from './findings';

export function positionOf(
  doc: Document,
  lc: LineCounter,
  segments: readonly PathSegment[],
): { line?: number; column?: number } {
  for (let n = segments.length; n >= 0; n--) {
    const offset = offsetOf(doc, segments.slice(0, n));
    if (offset !== undefined) {
      const p = lc.linePos(offset);
      return { line: p.line, column: p.col };
    }
  }
  return {};
}

function offsetOf(doc: Document, segments: readonly PathSegment[]): number | undefined {
  let node: unknown = doc.contents;
  let keyOffset: number | undefined;
  for (const seg of segments) {
    keyOffset = undefined;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
      );
      if (!pair) return undefined;
      keyOffset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      if (node === undefined) return undefined;
    } else {
      return undefined;
    }
  }
  // "hosts[2].address" reads best on the `address:` line.
  if (keyOffset !== undefined) return keyOffset;
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range?.[0];
}
