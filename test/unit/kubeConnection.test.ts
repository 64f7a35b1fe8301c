// Connection state as a dashboard shows it, and informer query identity.
import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  combineConnection,
  describeConnection,
  formatDuration,
  queryKey,
} from '../../src/kube/informer';
import { NODES, PODS } from '../../src/kube/resources';

describe('connection state', () => {
  it('describes connecting, connected and unreachable', () => {
    expect(describeConnection({ connected: true, lastContactAt: 1 })).toBe('API connected');
    expect(describeConnection({ connected: false, disconnectedSince: 0 })).toBe(
      'connecting to the Kubernetes API',
    );
    expect(
      describeConnection(
        {
          connected: false,
          lastContactAt: 1000,
          lastError: 'connect ECONNREFUSED',
          disconnectedSince: 2000,
        },
        43_000,
      ),
    ).toBe('API unreachable for 42 s (connect ECONNREFUSED); showing the last known state');
    expect(
      describeConnection({ connected: false, lastError: 'x', disconnectedSince: 0 }, 125_000),
    ).toBe('API unreachable for 2 min 5 s (x); showing the last known state');
  });

  it('formats durations', () => {
    expect([999, 59_999, 60_000, 3_725_000].map(formatDuration)).toEqual([
      '0 s',
      '59 s',
      '1 min 0 s',
      '1 h 2 min',
    ]);
  });

  it('combines informers: any failure is a disconnection; a first connection is not', () => {
    expect(combineConnection([])).toEqual({ connected: true });
    expect(
      combineConnection([{ connected: true, lastContactAt: 5 }, { connected: false }]),
    ).toEqual({
      connected: true,
      lastContactAt: 5,
    });
    expect(combineConnection([{ connected: false }])).toEqual({
      connected: false,
      lastContactAt: undefined,
    });
    expect(
      combineConnection([
        { connected: true, lastContactAt: 9 },
        { connected: false, lastContactAt: 3, lastError: 'b', disconnectedSince: 7 },
        { connected: false, lastContactAt: 2, lastError: 'a', disconnectedSince: 4 },
      ]),
    ).toEqual({ connected: false, lastContactAt: 9, lastError: 'b', disconnectedSince: 4 });
  });
});

describe('queryKey', () => {
  it('ignores a namespace on cluster-scoped kinds and separates everything else', () => {
    expect(queryKey({ type: NODES, namespace: 'x' })).toBe(queryKey({ type: NODES }));
    const keys = new Set(
      [
        { type: PODS, namespace: 'a' },
        { type: PODS, namespace: 'b' },
        { type: PODS, namespace: 'a', labelSelector: 'x=y' },
        { type: PODS, namespace: 'a', fieldSelector: 'metadata.name=p' },
        { type: PODS, namespace: 'a', metadataOnly: true },
        { type: PODS },
      ].map(queryKey),
    );
    expect(keys.size).toBe(6);
  });
});

describe('backoffDelay', () => {
  it('doubles from 0.5 s and is capped at 10 s, jitter included', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((n) => backoffDelay(n, 500, 10_000, mid))).toEqual([
      500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000,
    ]);
    expect(backoffDelay(1, 500, 10_000, () => 0)).toBe(400);
    expect(backoffDelay(1, 500, 10_000, () => 0.999)).toBe(600);
    expect(backoffDelay(30, 500, 10_000, () => 0.999)).toBe(10_000);
  });
});
