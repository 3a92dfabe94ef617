// Upstream health (SPEC §4, CoreDNS forward `max_fails` / `health_check`).
//
// An upstream is marked down after `maxFails` consecutive failed attempts (timeout, refused,
// socket error); any reply, whatever its rcode, resets the count: SERVFAIL from a resolver is
// an answer, not a dead server. While down, policies skip it, and a probe `. IN NS` goes to it
// every `intervalMs` (one unref'd interval, running only while something is down); any reply
// to the probe marks it up again, as in CoreDNS ("any response that is not a network error").
// A false "down" (two slow lookups of a broken domain in a row) therefore lasts one interval.
// maxFails 0 disables marking, as CoreDNS's `max_fails 0`.

import type { Upstream } from './upstream';

export interface HealthEvents {
  probe(up: Upstream): void;
  changed(up: Upstream, healthy: boolean): void;
  probeFailed(up: Upstream): void;
}

export class Health {
  private readonly downSet = new Set<Upstream>();
  private timer: NodeJS.Timeout | null = null;
  private readonly tickFn = (): void => this.tick();

  constructor(
    private readonly maxFails: number,
    private readonly intervalMs: number,
    private readonly ev: HealthEvents,
  ) {}

  success(up: Upstream): void {
    up.fails = 0;
    if (up.down) {
      up.down = false;
      this.downSet.delete(up);
      if (this.downSet.size === 0) this.stop();
      this.ev.changed(up, true);
    }
  }

  failure(up: Upstream): void {
    if (this.maxFails === 0) return;
    up.fails++;
    if (!up.down && up.fails >= this.maxFails) {
      up.down = true;
      this.downSet.add(up);
      this.ev.changed(up, false);
      if (this.timer === null) {
        this.timer = setInterval(this.tickFn, this.intervalMs);
        this.timer.unref();
      }
    }
  }

  probeDone(up: Upstream, answered: boolean): void {
    up.probing = false;
    if (answered) this.success(up);
    else this.ev.probeFailed(up);
  }

  tick(): void {
    for (const up of this.downSet) {
      if (up.probing) continue; // one probe per upstream at a time: a dead one costs one socket slot
      up.probing = true;
      this.ev.probe(up);
    }
  }

  stop(): void {
    if (this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}
