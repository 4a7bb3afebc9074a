/**
 * What the server holds now, for the overlay: connections with their users and subscriptions,
 * topics with the merge strategy of the streams on them, and cron jobs. Sent while a panel is
 * open, about once a second, and after every action.
 */
import type { Runtime } from '../../runtime/server/runtime.js';
import { preview } from '../../runtime/devtools-wire/preview.js';
import { isInternalTopic } from '../../runtime/devtools-wire/internal-traffic.js';
import type { ServerState } from '../../runtime/devtools-wire/messages.js';

/** A user is shown smaller than a call's values: the connections panel lists every one. */
const USER_PREVIEW = { depth: 4, entries: 20, string: 200, nodes: 200 };

export function serverState(runtime: Runtime, sampledAt: number | null): ServerState {
  const merges = new Map<string, string>();
  const connections = [...runtime.connections.values()].map((conn) => ({
    id: conn.id,
    user: preview(conn.user, USER_PREVIEW),
    inFlight: conn.inFlight,
    buffered: conn.buffered,
    subscriptions: [...conn.subscriptions.values()].map((s) => {
      const handler = runtime.registry.get(s.path)?.handler as { options?: { merge?: string } } | undefined;
      if (handler?.options?.merge) merges.set(s.topic, handler.options.merge);
      return { id: s.id, path: s.path, topic: s.topic, behind: conn.heldEvents(s.topic) };
    })
  }));
  // Signal topics (one per connection and user) are the runtime's own: left out of the list.
  const topics = runtime.topics
    .list()
    .filter((t) => !isInternalTopic(t.topic))
    .map((t) => {
      const merge = merges.get(t.topic);
      return merge ? { ...t, merge } : t;
    });
  return { time: Date.now(), connections, topics, cron: runtime.cronJobs(), sampledAt };
}
