/**
 * The process's cluster, when it joined one. Kinds that keep shared state (presence, cron,
 * rate limits, effects) ask here at run time: undefined means one process, and they keep
 * their state in memory as they always did.
 */
import type { ClusterBus } from './bus.js';

const CLUSTER_KEY = Symbol.for('svelte-realtime.cluster');
const JOINING_KEY = Symbol.for('svelte-realtime.cluster-joining');

/** The cluster this process belongs to, if any. */
export function currentCluster(): ClusterBus | undefined {
  return (globalThis as { [CLUSTER_KEY]?: ClusterBus })[CLUSTER_KEY];
}

/** Sets (or clears) the process's cluster; shared through globalThis like the runtime. */
export function setCurrentCluster(bus: ClusterBus | undefined): void {
  const scope = globalThis as { [CLUSTER_KEY]?: ClusterBus };
  if (bus) scope[CLUSTER_KEY] = bus;
  else delete scope[CLUSTER_KEY];
}

/**
 * While the process is joining its cluster (the first connection to Redis): settles once joined
 * or given up. Work that must be done once per cluster (a cron tick) waits for it.
 */
export function clusterJoining(): Promise<void> | undefined {
  return (globalThis as { [JOINING_KEY]?: Promise<void> })[JOINING_KEY];
}

export function setClusterJoining(joining: Promise<void> | undefined): void {
  const scope = globalThis as { [JOINING_KEY]?: Promise<void> };
  if (joining) scope[JOINING_KEY] = joining;
  else delete scope[JOINING_KEY];
}
