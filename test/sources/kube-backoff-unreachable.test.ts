// kube-backoff.ts (issue 10 item 5): while the API server does not answer, the retry delay
// stops growing at unreachableCapMs; errors from a server that answers keep the full cap.
import { ApiError } from '../../src/sources/kube-http';
import { Backoff, DEFAULT_BACKOFF, unreachable } from '../../src/sources/kube-backoff';

test.each([
  // random, unreachable?, delays for attempts 0..6 with base 100, cap 1000, unreachable cap 300
  [1, true, [100, 200, 300, 300, 300, 300, 300]],
  [0, true, [50, 100, 150, 150, 150, 150, 150]],
  [1, false, [100, 200, 400, 800, 1000, 1000, 1000]],
])('random()=%p unreachable=%p gives %p', (r, down, want) => {
  const b = new Backoff({ baseMs: 100, capMs: 1000, unreachableCapMs: 300 }, () => r);
  expect(want.map(() => b.next(down))).toEqual(want);
});

test('an answering error after a long outage goes on from the grown attempt, with the full cap', () => {
  const b = new Backoff({ baseMs: 100, capMs: 1000, unreachableCapMs: 300 }, () => 1);
  for (let i = 0; i < 10; i++) b.next(true);
  expect(b.next(false)).toBe(1000);
});

test('defaults: unreachable delays stay within [2 s, 4 s] once grown; a 20 s outage is retried at most ~12 times', () => {
  const b = new Backoff(DEFAULT_BACKOFF);
  let t = 0;
  let n = 0;
  while (t < 20_000) {
    const d = b.next(true);
    expect(d).toBeLessThanOrEqual(4000);
    if (n >= 3) expect(d).toBeGreaterThanOrEqual(2000);
    t += d;
    n++;
  }
  expect(n).toBeLessThanOrEqual(13);
});

test.each([
  ['connection refused / reset', new ApiError('services', 'list', 0, 'unreachable', 'ECONNREFUSED'), true],
  ['a 503 from a load balancer', new ApiError('services', 'watch', 503, 'Service Unavailable', ''), true],
  ['502', new ApiError('services', 'list', 502, 'Bad Gateway', ''), true],
  ['504', new ApiError('services', 'list', 504, 'Gateway Timeout', ''), true],
  ['unreadable credentials (a local problem)', new ApiError('services', 'list', 0, 'credentials', 'ENOENT'), false],
  ['403 (RBAC)', new ApiError('services', 'list', 403, 'Forbidden', ''), false],
  ['429 (slow down)', new ApiError('services', 'list', 429, 'TooManyRequests', ''), false],
  ['500', new ApiError('services', 'list', 500, 'InternalError', ''), false],
  ['not an ApiError', null, false],
])('%s: unreachable=%p', (_what, err, want) => {
  expect(unreachable(err)).toBe(want);
});
