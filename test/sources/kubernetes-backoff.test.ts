// Retry delays of the Kubernetes API source: exponential, equal jitter, capped, reset.
import { Backoff, DEFAULT_BACKOFF } from '../../src/sources/kube-backoff';

test.each([
  // random, expected delays for attempts 0..6 with base 100, cap 1000
  [0, [50, 100, 200, 400, 500, 500, 500]],
  [1, [100, 200, 400, 800, 1000, 1000, 1000]],
  [0.5, [75, 150, 300, 600, 750, 750, 750]],
])('random()=%p gives %p', (r, want) => {
  const b = new Backoff({ baseMs: 100, capMs: 1000 }, () => r);
  expect(want.map(() => b.next())).toEqual(want);
  expect(b.failures).toBe(7);
  b.reset();
  expect(b.next()).toBe(want[0]);
});

test('defaults: 800 ms doubling, capped at 30 s, each delay in [ceiling/2, ceiling]', () => {
  const b = new Backoff(DEFAULT_BACKOFF);
  for (let n = 0; n < 60; n++) {
    const ceiling = Math.min(30_000, 800 * 2 ** n);
    const d = b.next();
    expect(d).toBeGreaterThanOrEqual(ceiling / 2);
    expect(d).toBeLessThanOrEqual(ceiling);
  }
});
