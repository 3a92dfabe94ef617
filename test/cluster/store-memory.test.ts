// The cluster view's size regression test (issue 13): heap kept per endpoint and per Service on
// a generated 50,000-endpoint view (test/support/view-size.ts), under stated ceilings. The
// figures before the compact representation were 468 B/endpoint and 1,012 B/Service.
import { measureView } from '../support/view-size';

// Ceilings: the measured figures of the compact representation plus room for noise and V8
// versions; a return of per-endpoint objects or per-address Sets lands far above them.
const MAX_BYTES_PER_ENDPOINT = 150;
const MAX_BYTES_PER_SERVICE = 500;

test('a 50,000-endpoint view stays under the per-endpoint and per-Service ceilings', () => {
  const v = measureView(5000, 10, 2);
  console.log(`view size: ${v.bytesPerEndpoint} B/endpoint, ${v.bytesPerService} B/Service (${v.endpoints} endpoints, ${v.services} Services)`);
  expect(v.bytesPerEndpoint).toBeLessThanOrEqual(MAX_BYTES_PER_ENDPOINT);
  expect(v.bytesPerService).toBeLessThanOrEqual(MAX_BYTES_PER_SERVICE);
  expect(v.bytesPerEndpoint).toBeGreaterThan(0);
}, 20000);
