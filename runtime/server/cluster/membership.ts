/**
 * An instance's membership in the cluster: joined in the background when the runtime loads
 * (the Redis client is imported only then), kept through Redis outages, left on shutdown.
 */
import type { ClusterBus } from './bus.js';
import { setClusterJoining, setCurrentCluster } from './current.js';
import { resolveCluster, type ResolvedCluster } from './options.js';
import type { Topics } from '../topics.js';

/** Longest wait between two attempts to reach Redis at start-up, in ms. */
const MAX_RETRY_MS = 5_000;

export class ClusterMembership {
  private bus: ClusterBus | undefined;
  private left = false;
  private leaving: Promise<void> | undefined;
  /** Settles once joined (or given up because the runtime closed first). */
  readonly joined: Promise<void>;

  constructor(
    settings: ResolvedCluster,
    private readonly topics: Topics,
    private readonly log: (line: string) => void
  ) {
    this.joined = this.join(settings).finally(() => setClusterJoining(undefined));
    setClusterJoining(this.joined);
  }

  /** Releases leases, removes this instance's presence and closes the connections; once (later calls wait for the same). */
  leave(): Promise<void> {
    this.left = true;
    return (this.leaving ??= this.bus ? this.close(this.bus) : Promise.resolve());
  }

  private async close(bus: ClusterBus): Promise<void> {
    await bus.close();
    this.topics.detachCluster();
    setCurrentCluster(undefined);
  }

  private async join(settings: ResolvedCluster): Promise<void> {
    const { RedisBus } = await import('./redis-bus.js');
    for (let attempt = 0; !this.left; attempt++) {
      try {
        const bus = await RedisBus.connect(settings, this.log);
        if (this.left) return void (await bus.close());
        this.bus = bus;
        setCurrentCluster(bus);
        this.topics.attachCluster(bus.topics);
        this.log(`joined the cluster as ${bus.instance} (prefix ${JSON.stringify(settings.prefix)})`);
        return;
      } catch (error) {
        if (attempt === 0) this.log(`cannot reach Redis (${(error as Error).message}); serving this instance alone and retrying`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(MAX_RETRY_MS, 200 * 2 ** Math.min(attempt, 5))).unref());
      }
    }
  }
}

/**
 * Joins the cluster the settings name (`REALTIME_REDIS_URL`, or `export const cluster` in
 * src/hooks.ws.ts), or returns undefined to run as one process. A bad setting throws
 * ClusterConfigError at start-up.
 */
export function joinCluster(options: unknown, topics: Topics): ClusterMembership | undefined {
  const settings = resolveCluster(options);
  if (!settings) return undefined;
  return new ClusterMembership(settings, topics, (line) => console.warn(`[svelte-realtime] cluster: ${line}`));
}
