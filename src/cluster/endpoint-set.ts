// The columns of an endpoint set (types.ts EndpointSetRecord): built row by row at the door
// (sources/convert.ts) and read back as rows by the store's merge and by tests. A row is one
// address with the fields of the endpoint that lists it.
import { packIP, unpackIP, type PackedIP } from './ip';
import type { EndpointSetRecord } from './types';

export interface EndpointRow {
  /** Canonical text. */
  address: string;
  ready: boolean;
  /** '' when absent. */
  hostname: string;
  /** '' when absent. */
  podName: string;
}

/** Accumulates rows; columns() gives the record fields. */
export class RowsBuilder {
  private readonly addresses: PackedIP[] = [];
  private notReady: number[] | null = null;
  private hostnames: string[] | null = null;
  private podNames: string[] | null = null;

  /** One endpoint: its canonical addresses, each a row. */
  add(addresses: string[], ready: boolean, hostname: string, podName: string): void {
    for (const a of addresses) {
      const row = this.addresses.length;
      this.addresses.push(packIP(a));
      if (!ready) (this.notReady ??= []).push(row);
      if (hostname !== '') (this.hostnames ??= new Array<string>(row).fill(''))[row] = hostname;
      else if (this.hostnames) this.hostnames[row] = '';
      if (podName !== '') (this.podNames ??= new Array<string>(row).fill(''))[row] = podName;
      else if (this.podNames) this.podNames[row] = '';
    }
  }

  columns(): Pick<EndpointSetRecord, 'addresses' | 'notReady' | 'hostnames' | 'podNames'> {
    const n = this.addresses.length;
    // Rows after the last named one are '' (the array is shorter): pad so the join keeps n rows.
    const join = (a: string[] | null) => (a === null ? '' : (a.length < n ? a.concat(new Array<string>(n - a.length).fill('')) : a).join('\n'));
    return { addresses: this.addresses.slice(), notReady: this.notReady, hostnames: join(this.hostnames), podNames: join(this.podNames) };
  }
}

/** The rows of a set, in order. */
export function rowsOf(set: EndpointSetRecord): EndpointRow[] {
  const hostnames = set.hostnames === '' ? null : set.hostnames.split('\n');
  const podNames = set.podNames === '' ? null : set.podNames.split('\n');
  const out: EndpointRow[] = [];
  let nr = 0;
  for (let i = 0; i < set.addresses.length; i++) {
    let ready = true;
    if (set.notReady !== null && set.notReady[nr] === i) {
      ready = false;
      nr++;
    }
    out.push({ address: unpackIP(set.addresses[i]), ready, hostname: hostnames?.[i] ?? '', podName: podNames?.[i] ?? '' });
  }
  return out;
}
