// Starts the configured source (a snapshot, or the Kubernetes API) feeding a sink (app.ts).
import type { Options } from '../config/options';
import type { ClusterSink } from '../cluster/types';
import type { Logger } from '../ops/log';
import { SnapshotSource } from './snapshot';
import type { KubernetesObserver } from './kubernetes';

export interface StartedSource {
  /** Every watched kind has completed its first list. */
  synced(): boolean;
  /** SIGHUP: re-read now (snapshot only; the API watch is always current). */
  reload(): void;
  close(): Promise<void> | void;
}

export interface SourceHooks {
  /** Programming latency and applied events (ops/metrics.ts). */
  kubernetesObserver?: KubernetesObserver;
  /** A snapshot reload finished (clusterdns_source_reloads_total). */
  reloaded?: (source: 'snapshot', ok: boolean) => void;
}

export async function startSource(opts: Options, sink: ClusterSink & { synced: boolean }, log: Logger, hooks: SourceHooks = {}): Promise<StartedSource> {
  const slog = log.stage('sources');
  if (opts.snapshot) {
    const snap = new SnapshotSource(opts.snapshot, sink, {
      loaded: (o, files) => {
        slog.info('snapshot loaded', { files: files.length, services: o.services.length, endpointSets: o.endpointSets.length, namespaces: o.namespaces.length, pods: o.pods.length });
        hooks.reloaded?.('snapshot', true);
      },
      error: (e) => {
        slog.error(`${e.message}; still serving the last good snapshot`, { code: (e as { code?: string }).code });
        hooks.reloaded?.('snapshot', false);
      },
    });
    snap.start();
    return { synced: () => sink.synced, reload: () => snap.reload(), close: () => snap.close() };
  }
  const { KubernetesSource } = await import('./kubernetes');
  const src = new KubernetesSource(sink, {
    kubeconfig: opts.kubeconfig,
    context: opts.context,
    endpoint: opts.kubeEndpoint,
    // Only verified pod records need Pods: --endpoint-pod-names reads the slice's targetRef.
    watchPods: opts.pods === 'verified',
    serviceSelector: opts.serviceSelector,
    namespaceSelector: opts.namespaceSelector,
    startupTimeoutMs: opts.startupTimeoutMs,
    log: (level, msg, fields) => slog[level](msg, fields),
    observer: hooks.kubernetesObserver,
  });
  await src.start();
  return { synced: () => src.status().synced || sink.synced, reload: () => {}, close: () => src.stop() };
}
