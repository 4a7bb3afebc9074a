/**
 * The bus over Redis (@redis/client, imported only when a cluster is configured).
 *
 * Topics: each publish runs one script that numbers it (a per-topic hash holds the epoch and
 * the last seq), appends it to the topic's stream (capped at `history` entries, the resume
 * window) and publishes it on one channel every instance follows. Redis runs scripts one at a
 * time, so the channel carries each topic's events in seq order; an instance that sees a gap
 * (it was disconnected) reads the missing events from the stream.
 *
 * Two connections: one for commands, one for the channel (a subscribed connection cannot run
 * commands). Commands are never queued while Redis is unreachable: they fail at once, and the
 * runtime serves the instance's own clients meanwhile (see topics.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { parse, stringify } from 'devalue';
import { createClient } from '@redis/client';
import type { BusEvent, ClusterBus, CounterBus, CursorBus, CursorShown, LeaseBus, PresenceBus, PresenceGone, TopicBus, TopicRead, TopicReceiver } from './bus.js';
import type { ResolvedCluster } from './options.js';
import { CURSOR_REMOVE, CURSOR_SET, EXPIRED, HEARTBEAT, PRESENCE_JOIN, PRESENCE_LEAVE, PUBLISH, PUBLISH_BATCH, RATE, READ, REAP, RELEASE, RESTART } from './scripts.js';

type Client = ReturnType<typeof createClient>;
type Reply = string | number | null | Reply[];

/** A topic's cursors are forgotten after this long without a move (a crash leaves none behind for good). */
const CURSOR_TTL_MS = 60 * 60 * 1000;
/** Longest wait between two reconnection attempts, in ms. */
const MAX_BACKOFF_MS = 2_000;
const SEPARATOR = '\0';

/** Counts ids this process makes unique: epochs, rate-limit entries. */
let uniqueCounter = 0;

/** Runs a script by its hash, loading it when Redis does not know it (first use, or a restarted Redis). */
async function run(client: Client, script: string, keys: readonly string[], args: readonly (string | number)[]): Promise<Reply> {
  const sha = shaOf(script);
  const tail = [String(keys.length), ...keys, ...args.map(String)];
  try {
    return await client.sendCommand<Reply>(['EVALSHA', sha, ...tail]);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return client.sendCommand<Reply>(['EVAL', script, ...tail]);
  }
}

const shas = new Map<string, string>();
function shaOf(script: string): string {
  let sha = shas.get(script);
  if (!sha) shas.set(script, (sha = createHash('sha1').update(script).digest('hex')));
  return sha;
}

/** Wait before reconnection attempt `retries`: growing, capped, with jitter so instances do not knock together. */
function backoff(retries: number): number {
  return Math.min(MAX_BACKOFF_MS, 50 * 2 ** Math.min(retries, 6)) * (0.5 + Math.random() / 2);
}

export class RedisBus implements ClusterBus {
  readonly instance = `${process.pid.toString(36)}-${randomBytes(6).toString('hex')}`;
  readonly topics: TopicBus;
  readonly presence: PresenceBus;
  readonly cursors: CursorBus;
  readonly leases: LeaseBus;
  readonly counters: CounterBus;
  private readonly client: Client;
  private readonly subscriber: Client;
  private receiver: TopicReceiver | undefined;
  private readonly expired: ((gone: PresenceGone) => void)[] = [];
  private readonly cursorsExpired: ((gone: CursorShown) => void)[] = [];
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  /** Presence this instance holds, to enter again after Redis lost it: topic NUL key -> join arguments. */
  private readonly held = new Map<string, { topic: string; key: string; data: string; holding: string }>();
  private readonly leasesHeld = new Set<string>();
  private down = false;
  private closed = false;

  private constructor(
    private readonly options: ResolvedCluster,
    private readonly log: (line: string) => void
  ) {
    const clientOptions = {
      ...options.client,
      url: options.url,
      disableOfflineQueue: true,
      socket: { ...(options.client.socket as object | undefined), reconnectStrategy: backoff, connectTimeout: 5_000 }
    };
    this.client = createClient(clientOptions);
    this.subscriber = this.client.duplicate();
    for (const connection of [this.client, this.subscriber]) {
      connection.on('error', (error: Error) => this.lost(error));
    }
    // Both connections must be back before catching up; either may be the last one.
    for (const connection of [this.client, this.subscriber]) connection.on('ready', () => this.regained());
    const bus = this;
    const channel = this.key('events');
    this.topics = {
      get connected() {
        return bus.client.isReady && bus.subscriber.isReady;
      },
      publish: async (topic, payload) => {
        const { history, historyTtlMs } = this.options;
        await run(this.client, PUBLISH, [this.key(`t:${topic}`), this.key(`s:${topic}`)], [newEpoch(), payload, this.instance, history, historyTtlMs, channel, topic]);
      },
      publishBatch: async (events) => {
        const { history, historyTtlMs } = this.options;
        const keys = events.flatMap(({ topic }) => [this.key(`t:${topic}`), this.key(`s:${topic}`)]);
        const args = events.flatMap(({ topic, payload }) => [newEpoch(), topic, payload]);
        await run(this.client, PUBLISH_BATCH, keys, [history, historyTtlMs, channel, this.instance, ...args]);
      },
      restart: async (topic) => {
        await run(this.client, RESTART, [this.key(`t:${topic}`), this.key(`s:${topic}`)], [newEpoch(), this.options.historyTtlMs, channel, topic, this.instance]);
      },
      read: (topic, after, upTo) => this.read(topic, after, upTo),
      attach: (receiver) => {
        this.receiver = receiver;
      }
    };
    this.presence = {
      join: async (topic, key, data, owner, args) => {
        const field = topic + SEPARATOR + key;
        const entry = { topic, key, data: stringify(data), holding: owner + SEPARATOR + stringify(args) };
        this.held.set(field, entry);
        return (await this.join(entry)) === 1;
      },
      leave: async (topic, key) => {
        const field = topic + SEPARATOR + key;
        this.held.delete(field);
        const data = await run(this.client, PRESENCE_LEAVE, this.presenceKeys(topic), [field, key]);
        return typeof data === 'string' ? { data: parse(data) } : undefined;
      },
      list: async (topic) => {
        const values = await this.client.sendCommand<string[]>(['HVALS', this.key(`pm:${topic}`)]);
        return values.map((value) => parse(value) as unknown);
      },
      onExpired: (listener) => {
        this.expired.push(listener);
      }
    };
    const cursorKeys = (topic: string) => [this.key(`c:${topic}`), this.key(`ch:${this.instance}`)];
    this.cursors = {
      set: async (topic, entries) => {
        if (entries.length === 0) return;
        const args: (string | number)[] = [CURSOR_TTL_MS];
        for (const entry of entries) args.push(entry.key, stringify(entry), topic + SEPARATOR + entry.key);
        await run(this.client, CURSOR_SET, cursorKeys(topic), args);
      },
      remove: async (topic, key) => {
        await run(this.client, CURSOR_REMOVE, cursorKeys(topic), [key, topic + SEPARATOR + key]);
      },
      list: async (topic) => {
        const values = await this.client.sendCommand<string[]>(['HVALS', this.key(`c:${topic}`)]);
        return values.map((value) => parse(value) as CursorShown['entry']);
      },
      onExpired: (listener) => {
        this.cursorsExpired.push(listener);
      }
    };
    this.leases = {
      take: async (name, ttlMs) => {
        const taken = await this.client.sendCommand<string | null>(['SET', this.key(`l:${name}`), this.instance, 'NX', 'PX', String(ttlMs)]);
        if (taken === null) return false;
        this.leasesHeld.add(name);
        setTimeout(() => this.leasesHeld.delete(name), ttlMs).unref();
        return true;
      },
      releaseAll: async () => {
        const names = [...this.leasesHeld];
        this.leasesHeld.clear();
        await Promise.all(names.map((name) => run(this.client, RELEASE, [this.key(`l:${name}`)], [this.instance])));
      }
    };
    this.counters = {
      take: async (key, points, windowMs) =>
        Number(await run(this.client, RATE, [this.key(`r:${key}`)], [points, windowMs, `${this.instance}:${++uniqueCounter}`]))
    };
  }

  /** Connects both connections and starts the heartbeat; throws when Redis cannot be reached. */
  static async connect(options: ResolvedCluster, log: (line: string) => void): Promise<RedisBus> {
    const bus = new RedisBus(options, log);
    await bus.client.connect();
    await bus.subscriber.connect();
    await bus.subscriber.subscribe(bus.key('events'), (message: string) => bus.message(message));
    await bus.beat();
    bus.heartbeat = setInterval(() => void bus.beat(), options.heartbeatMs);
    bus.heartbeat.unref();
    return bus;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    try {
      if (this.client.isReady) {
        await this.leases.releaseAll();
        // Leaving cleanly: this instance's members leave now instead of when its heartbeat expires.
        await run(this.client, HEARTBEAT, [this.key('instances')], [this.instance, -1]);
        await this.reap();
      }
    } catch (error) {
      this.log(`could not leave the cluster cleanly (${(error as Error).message}); its presence expires in ${this.options.expireMs} ms`);
    }
    await Promise.allSettled([this.client.close(), this.subscriber.close()]);
  }

  private key(name: string): string {
    return this.options.prefix + name;
  }

  private presenceKeys(topic: string): string[] {
    return [this.key(`pm:${topic}`), this.key(`pc:${topic}`), this.key(`ph:${this.instance}`)];
  }

  private join(entry: { topic: string; key: string; data: string; holding: string }): Promise<Reply> {
    return run(this.client, PRESENCE_JOIN, this.presenceKeys(entry.topic), [entry.topic + SEPARATOR + entry.key, entry.key, entry.data, entry.holding]);
  }

  private async read(topic: string, after?: number, upTo?: number): Promise<TopicRead> {
    const reply = (await run(
      this.client,
      READ,
      [this.key(`t:${topic}`), this.key(`s:${topic}`)],
      [newEpoch(), this.options.historyTtlMs, after === undefined ? '' : after, upTo === undefined ? '' : upTo]
    )) as [string, number, [string, string[]][]];
    const [epoch, seq, entries] = reply;
    const position = { epoch, seq: Number(seq) };
    if (after === undefined) return { position, events: null };
    const last = Math.min(position.seq, upTo ?? position.seq);
    const events: BusEvent[] = [];
    for (const [id, fields] of entries) events.push({ seq: Number(id.slice(0, id.indexOf('-'))), payload: fields[1]! });
    // Complete only if every seq in (after, last] is there: the stream drops its oldest first.
    const complete = events.length === Math.max(0, last - after) && (events.length === 0 || events[0]!.seq === after + 1);
    return { position, events: complete ? events : null };
  }

  /** A message on the events channel: one event, or a batch (a list of them) received together. */
  private message(text: string): void {
    type Sent = [topic: string, epoch: string, seq: number, origin: string, payload: string];
    let sent: Sent | Sent[];
    try {
      sent = JSON.parse(text) as Sent | Sent[];
    } catch {
      return;
    }
    const receiver = this.receiver;
    if (!receiver || !Array.isArray(sent)) return;
    const receive = ([topic, epoch, seq, origin, payload]: Sent) => receiver.receive(topic, epoch, seq, payload, origin === this.instance);
    if (!Array.isArray(sent[0])) return receive(sent as Sent);
    receiver.together(() => {
      for (const one of sent as Sent[]) if (Array.isArray(one)) receive(one);
    });
  }

  /** Says this instance is alive, enters its presence again if Redis lost it, and removes expired instances. */
  private async beat(): Promise<void> {
    if (this.closed || !this.client.isReady) return;
    try {
      const fresh = await run(this.client, HEARTBEAT, [this.key('instances')], [this.instance, this.options.expireMs]);
      if (fresh === 1) for (const entry of this.held.values()) await this.join(entry);
      await this.reap();
    } catch (error) {
      this.lost(error as Error);
    }
  }

  /** Removes every expired instance's presence (this one included, when it is leaving). */
  private async reap(): Promise<void> {
    const dead = (await run(this.client, EXPIRED, [this.key('instances')], [])) as string[];
    for (const instance of dead) {
      const [gone, cursors] = (await run(
        this.client,
        REAP,
        [this.key('instances'), this.key(`ph:${instance}`), this.key(`ch:${instance}`)],
        [instance, this.options.prefix]
      )) as [string[], string[]];
      for (let i = 0; i < cursors.length; i += 3) {
        const shown: CursorShown = { topic: cursors[i]!, entry: parse(cursors[i + 2]!) as CursorShown['entry'] };
        for (const listener of this.cursorsExpired) listener(shown);
      }
      for (let i = 0; i < gone.length; i += 4) {
        const holding = gone[i + 3]!;
        const cut = holding.indexOf(SEPARATOR);
        const member: PresenceGone = {
          topic: gone[i]!,
          key: gone[i + 1]!,
          data: parse(gone[i + 2]!),
          owner: holding.slice(0, cut),
          args: parse(holding.slice(cut + 1)) as unknown[]
        };
        for (const listener of this.expired) listener(member);
      }
    }
  }

  /** One line when Redis goes away; the clients reconnect on their own, with backoff. */
  private lost(error: Error): void {
    if (this.closed || this.down) return;
    this.down = true;
    this.log(`Redis unreachable (${error.message || error.name}); serving this instance's clients alone and reconnecting`);
    this.receiver?.disconnected();
  }

  private regained(): void {
    if (this.closed || !this.client.isReady || !this.subscriber.isReady) return;
    if (this.down) this.log('Redis reachable again; catching up');
    this.down = false;
    this.receiver?.resync();
    void this.beat();
  }
}

const epochPrefix = randomBytes(4).toString('hex');

/** An epoch for a topic Redis does not know: unique over instances and restarts. */
function newEpoch(): string {
  return `${epochPrefix}${(++uniqueCounter).toString(36)}`;
}
