/**
 * The overlay's data: what the server reported and what this page saw, in bounded ring
 * buffers per kind, with indexes by call, topic and path, and the views the panels show.
 * Knows nothing of the UI: panels read `version` to know when to look again.
 */
import { preview, type CronJobInfo, type ErrorInfo, type Preview, type ServerEvent, type ServerEventOf, type ServerState, type TappedStatus, type TopicInfo } from 'virtual:svelte-realtime/devtools-wire';
import { Ring } from './ring.js';

export interface CallRecord {
  /** `connection/id`: unique per call on one server. */
  key: string;
  connection: string;
  id: number;
  path: string;
  /** When the server started it (epoch ms), or when this page sent it while still pending. */
  time: number;
  status: 'pending' | 'ok' | 'error';
  /** Server time in ms; null while pending. */
  duration: number | null;
  /** Round trip seen by this page, for its own calls. */
  roundTrip?: number;
  args?: Preview;
  result?: Preview;
  error?: ErrorInfo;
  bytesIn?: number;
  bytesOut?: number;
  /** Made by this page's socket. */
  mine: boolean;
  /** Traffic the runtime makes for the app (a room's cursor moves), hidden unless asked for. */
  internal: boolean;
}

export type PublishRecord = ServerEventOf<'publish'>;
export type CronRun = ServerEventOf<'cron'>;
export type ReloadRecord = ServerEventOf<'reload'>;
export type EffectRun = ServerEventOf<'effect'>;
export type ConnectionEvent = ServerEventOf<'open'> | ServerEventOf<'close'> | ServerEventOf<'subscribe'> | ServerEventOf<'unsubscribe'>;

/** An event this page's socket received for one of its stores. */
export interface PageUpdate {
  topic: string;
  seq: number;
  /** The topic's epoch `seq` counts in, when the page knew it (its store's snapshot named it). */
  epoch?: string;
  event: string;
  data: Preview;
  time: number;
}

export interface PageSocketState {
  state: string;
  attempts: number;
  latency: number | null;
  connection: string | null;
  /** How many times the socket reopened after dropping. */
  reconnects: number;
}

export interface CallFilter {
  /** Matches path, arguments, result or error text (case-insensitive). */
  text?: string;
  status?: 'all' | 'ok' | 'error' | 'pending';
  /** Only this page's calls. */
  mine?: boolean;
  /** Include the runtime's own traffic (cursor moves); left out by default. */
  internal?: boolean;
  /** Only this connection's calls. */
  connection?: string;
}

export interface TopicView extends TopicInfo {
  /** Publishes per second over the last 10 seconds. */
  rate: number;
  /** Newest last. */
  last: PublishRecord[];
  /** This page holds a store on it. */
  mine: boolean;
}

/** What the store keeps, list by list. */
export interface StoredRecords {
  calls: CallRecord[];
  publishes: PublishRecord[];
  connectionEvents: ConnectionEvent[];
  cron: CronRun[];
  reloads: ReloadRecord[];
  effects: EffectRun[];
  pageUpdates: PageUpdate[];
}

export interface ConnectionTotals {
  calls: number;
  errors: number;
  bytesIn: number;
  bytesOut: number;
}

export interface TraceView {
  call: CallRecord;
  publishes: { publish: PublishRecord; pageUpdates: PageUpdate[] }[];
}

export interface CronView extends CronJobInfo {
  /** Runs the overlay saw (manual ones marked), newest first; falls back to the server's lastRuns. */
  runs: { start: number; duration: number; ok: boolean; manual: boolean; error?: string }[];
}

export interface StoreCapacity {
  calls: number;
  publishes: number;
  connectionEvents: number;
  cron: number;
  reloads: number;
  effects: number;
  pageUpdates: number;
  perTopic: number;
}

export const DEFAULT_CAPACITY: StoreCapacity = {
  calls: 5000,
  publishes: 5000,
  connectionEvents: 1000,
  cron: 500,
  reloads: 200,
  effects: 200,
  pageUpdates: 5000,
  perTopic: 50
};

const RATE_WINDOW_MS = 10_000;
const PAGE_PREVIEW = { depth: 5, entries: 30, string: 300, nodes: 400 };

const keyOf = (connection: string, id: number) => `${connection}/${id}`;
/** A position that names one event: a re-created topic numbers from 1 again, in another epoch. */
const topicSeq = (topic: string, seq: number, epoch = '') => `${topic}\u0000${epoch}\u0000${seq}`;

/** Lives remembered per topic (the oldest is forgotten past it; numbering goes on). */
const LIVES_PER_TOPIC = 64;

export class EventStore {
  /** Goes up on every change; a view computed at version v is current while it stays v. */
  version = 0;
  readonly capacity: StoreCapacity;
  private readonly calls: Ring<CallRecord>;
  private readonly callsByKey = new Map<string, CallRecord>();
  private readonly pending = new Map<number, CallRecord>();
  private readonly publishes: Ring<PublishRecord>;
  private readonly publishesByCause = new Map<string, PublishRecord[]>();
  private readonly publishesByTopic = new Map<string, { last: Ring<PublishRecord>; times: Ring<number> }>();
  private readonly connectionEvents: Ring<ConnectionEvent>;
  private readonly cronRuns: Ring<CronRun>;
  private readonly reloadRecords: Ring<ReloadRecord>;
  private readonly pageUpdates: Ring<PageUpdate>;
  /** This page's updates by topic, epoch and seq (for traces): rebuilt when a trace is read after new updates, never per event. */
  private readonly pageUpdatesByTopicSeq = new Map<string, PageUpdate[]>();
  private pageIndexStale = false;
  private readonly pageTopics = new Set<string>();
  /** Per topic, the life number of each epoch seen (1 for the first). */
  private readonly topicLives = new Map<string, { count: number; byEpoch: Map<string, number> }>();
  private readonly effectRuns: Ring<EffectRun>;
  private serverState: ServerState | null = null;
  private lastN = 0;
  /** Failed calls and reloads ever seen, and how many of them the user has looked at (the badges). */
  private errorTotal = 0;
  private reloadErrorTotal = 0;
  private seenErrors = 0;
  private seenReloadErrors = 0;
  /** Ring totals when Clear was last pressed: the tab counts start again from there. */
  private clearedAt = { calls: 0, publishes: 0, reloads: 0 };
  page: PageSocketState = { state: 'idle', attempts: 0, latency: null, connection: null, reconnects: 0 };

  constructor(capacity: Partial<StoreCapacity> = {}) {
    this.capacity = { ...DEFAULT_CAPACITY, ...capacity };
    this.calls = new Ring(this.capacity.calls);
    this.publishes = new Ring(this.capacity.publishes);
    this.connectionEvents = new Ring(this.capacity.connectionEvents);
    this.cronRuns = new Ring(this.capacity.cron);
    this.reloadRecords = new Ring(this.capacity.reloads);
    this.pageUpdates = new Ring(this.capacity.pageUpdates);
    this.effectRuns = new Ring(this.capacity.effects);
  }

  // ---- input: the server ---------------------------------------------------------------

  /** Adds server events; ones already seen (by `n`, e.g. history sent twice) are skipped. */
  ingest(events: readonly ServerEvent[]): void {
    let changed = false;
    for (const event of events) {
      if (event.n <= this.lastN) continue;
      this.lastN = event.n;
      changed = true;
      switch (event.type) {
        case 'call':
          this.addCall(event);
          break;
        case 'publish':
          this.addPublish(event);
          break;
        case 'open':
        case 'close':
        case 'subscribe':
        case 'unsubscribe':
          this.connectionEvents.push(event);
          break;
        case 'cron':
          this.cronRuns.push(event);
          break;
        case 'reload':
          if (event.error) this.reloadErrorTotal++;
          this.reloadRecords.push(event);
          break;
        case 'effect':
          this.effectRuns.push(event);
          break;
        default:
          exhaustive(event);
      }
    }
    if (changed) this.version++;
  }

  /** The server restarted or the overlay reconnected to another server: forget the order. */
  resetServer(): void {
    this.lastN = 0;
    this.version++;
  }

  setState(state: ServerState): void {
    this.serverState = state;
    this.version++;
  }

  private addCall(event: ServerEventOf<'call'>): void {
    const key = keyOf(event.connection, event.id);
    const mine = event.connection === this.page.connection;
    const pending = mine ? this.pending.get(event.id) : undefined;
    const record: CallRecord = {
      key,
      connection: event.connection,
      id: event.id,
      path: event.path,
      time: event.time - event.duration,
      status: event.ok ? 'ok' : 'error',
      duration: event.duration,
      roundTrip: pending?.roundTrip,
      args: event.args,
      result: event.result,
      error: event.error,
      bytesIn: event.bytesIn,
      bytesOut: event.bytesOut,
      mine,
      internal: event.internal === true
    };
    // Counted once: this page may have seen the failure first (pageReply).
    if (!event.ok && pending?.status !== 'error') this.errorTotal++;
    if (pending) this.pending.delete(event.id);
    // A page reply may have come first and left a record: replace it in the index.
    this.callsByKey.set(key, record);
    const dropped = this.calls.push(record);
    if (dropped && this.callsByKey.get(dropped.key) === dropped) {
      this.callsByKey.delete(dropped.key);
      this.publishesByCause.delete(dropped.key);
    }
  }

  private addPublish(event: PublishRecord): void {
    if (event.epoch !== undefined) this.noteLife(event.topic, event.epoch);
    const dropped = this.publishes.push(event);
    if (dropped?.cause) {
      const key = keyOf(dropped.cause.connection, dropped.cause.id);
      const list = this.publishesByCause.get(key);
      if (list && list[0] === dropped) list.shift();
      if (list?.length === 0) this.publishesByCause.delete(key);
    }
    if (event.cause) {
      const key = keyOf(event.cause.connection, event.cause.id);
      let list = this.publishesByCause.get(key);
      if (!list) this.publishesByCause.set(key, (list = []));
      list.push(event);
    }
    let topic = this.publishesByTopic.get(event.topic);
    if (!topic) this.publishesByTopic.set(event.topic, (topic = { last: new Ring(this.capacity.perTopic), times: new Ring(200) }));
    topic.last.push(event);
    topic.times.push(event.time);
  }

  // ---- input: this page ------------------------------------------------------------------

  /** The page socket's status changed (`connection` is the status' older name for `connectionId`). */
  pageStatus(status: Omit<TappedStatus, 'connectionId'> & { connectionId?: string | null; connection?: string | null }): void {
    const reopened = status.state === 'open' && this.page.state !== 'open' && this.page.attempts > 0;
    this.page = {
      state: status.state,
      attempts: status.attempts,
      latency: status.latency,
      connection: status.connectionId ?? status.connection ?? null,
      reconnects: this.page.reconnects + (reopened ? 1 : 0)
    };
    this.version++;
  }

  /** This page sent a call; `internal` for the runtime's own (a cursor move). */
  pageCall(id: number, path: string, time: number, internal = false): void {
    const connection = this.page.connection ?? 'this page';
    this.pending.set(id, { key: keyOf(connection, id), connection, id, path, time, status: 'pending', duration: null, mine: true, internal });
    if (this.pending.size > this.capacity.calls) this.pending.delete(this.pending.keys().next().value!);
    this.version++;
  }

  /** This page got the answer to a call. */
  pageReply(id: number, ok: boolean, time: number): void {
    const pending = this.pending.get(id);
    const connection = this.page.connection;
    const done = connection ? this.callsByKey.get(keyOf(connection, id)) : undefined;
    if (done) done.roundTrip = time - (pending?.time ?? done.time);
    // The launcher's badge counts this page's failures while the panel is closed too.
    if (!ok && !done && pending?.status === 'pending') this.errorTotal++;
    if (pending) {
      pending.roundTrip = time - pending.time;
      // Keep it until the server's event arrives (it carries arguments and result) only while
      // an overlay listens; a closed overlay still shows that the call finished.
      pending.status = ok ? 'ok' : 'error';
      if (done) this.pending.delete(id);
    }
    this.version++;
  }

  /** An event this page received for one of its stores (`epoch`: the topic's, as its store's snapshot named it). */
  pageUpdate(topic: string, seq: number, event: string, data: unknown, time: number, epoch?: string): void {
    this.pageTopics.add(topic);
    this.pageUpdates.push(pageUpdateOf(topic, seq, event, data, time, epoch));
    this.pageIndexStale = true;
    this.version++;
  }

  /**
   * Which life of its topic a publish counts in: 1 for the first epoch the overlay saw, 2 after
   * the topic was re-created (its last subscriber left, and its numbering restarted at #1), and
   * so on; 0 for an event not numbered.
   */
  lifeOf(publish: { topic: string; epoch?: string }): number {
    if (publish.epoch === undefined) return 0;
    return this.topicLives.get(publish.topic)?.byEpoch.get(publish.epoch) ?? 0;
  }

  private noteLife(topic: string, epoch: string): void {
    let lives = this.topicLives.get(topic);
    if (!lives) this.topicLives.set(topic, (lives = { count: 0, byEpoch: new Map() }));
    if (lives.byEpoch.has(epoch)) return;
    lives.byEpoch.set(epoch, ++lives.count);
    if (lives.byEpoch.size > LIVES_PER_TOPIC) lives.byEpoch.delete(lives.byEpoch.keys().next().value!);
  }

  /** This page holds a store on `topic` (for the streams panel's "mine"). */
  pageTopic(topic: string): void {
    if (this.pageTopics.has(topic)) return;
    this.pageTopics.add(topic);
    this.version++;
  }

  // ---- views ---------------------------------------------------------------------------

  get state(): ServerState | null {
    return this.serverState;
  }

  /** Calls, newest first, filtered. */
  callList(filter: CallFilter = {}): CallRecord[] {
    const text = filter.text?.trim().toLowerCase();
    const status = filter.status ?? 'all';
    const out: CallRecord[] = [];
    const consider = (call: CallRecord) => {
      if (filter.mine && !call.mine) return;
      if (call.internal && !filter.internal) return;
      if (filter.connection !== undefined && call.connection !== filter.connection) return;
      if (status !== 'all' && call.status !== status) return;
      if (text && !matches(call, text)) return;
      out.push(call);
    };
    const pending = [...this.pending.values()].filter((p) => !this.callsByKey.has(p.key));
    for (let i = pending.length - 1; i >= 0; i--) consider(pending[i]!);
    for (let i = this.calls.size - 1; i >= 0; i--) consider(this.calls.at(i)!);
    return out;
  }

  call(key: string): CallRecord | undefined {
    return this.callsByKey.get(key) ?? [...this.pending.values()].find((p) => p.key === key);
  }

  /** What one call caused: its publishes, how many subscribers each reached, and this page's updates after them. */
  trace(key: string): TraceView | undefined {
    const call = this.call(key);
    if (!call) return undefined;
    const publishes = (this.publishesByCause.get(key) ?? []).map((publish) => ({
      publish,
      pageUpdates: this.pageIndex().get(topicSeq(publish.topic, publish.seq, publish.epoch)) ?? []
    }));
    return { call, publishes };
  }

  /** The page's updates by position, built again from the kept ones when updates came since. */
  private pageIndex(): Map<string, PageUpdate[]> {
    if (!this.pageIndexStale) return this.pageUpdatesByTopicSeq;
    this.pageIndexStale = false;
    const index = this.pageUpdatesByTopicSeq;
    index.clear();
    for (let i = 0; i < this.pageUpdates.size; i++) {
      const update = this.pageUpdates.at(i)!;
      const k = topicSeq(update.topic, update.seq, update.epoch);
      const list = index.get(k);
      if (list) list.push(update);
      else index.set(k, [update]);
    }
    return index;
  }

  /** Every topic the server holds or that was published to, busiest first. */
  topicList(now = Date.now()): TopicView[] {
    const known = new Map<string, TopicInfo>();
    for (const info of this.serverState?.topics ?? []) known.set(info.topic, info);
    for (const [topic, stats] of this.publishesByTopic) {
      if (!known.has(topic)) {
        const last = stats.last.at(stats.last.size - 1);
        known.set(topic, { topic, seq: last?.seq ?? 0, subscribers: 0 });
      }
    }
    const views: TopicView[] = [];
    for (const info of known.values()) {
      const stats = this.publishesByTopic.get(info.topic);
      let recent = 0;
      if (stats) for (const t of stats.times.toArray()) if (now - t <= RATE_WINDOW_MS) recent++;
      views.push({ ...info, rate: recent / (RATE_WINDOW_MS / 1000), last: stats?.last.toArray() ?? [], mine: this.pageTopics.has(info.topic) });
    }
    return views.sort((a, b) => b.subscribers - a.subscribers || b.rate - a.rate || (a.topic < b.topic ? -1 : 1));
  }

  /** The last events published on one topic, oldest first. */
  topicEvents(topic: string): PublishRecord[] {
    return this.publishesByTopic.get(topic)?.last.toArray() ?? [];
  }

  /** This page's received events, newest first. */
  pageUpdateList(): PageUpdate[] {
    return this.pageUpdates.toArray().reverse();
  }

  /** Cron jobs with the runs seen, newest first; null when the server has no cron support. */
  cronList(): CronView[] | null {
    const jobs = this.serverState?.cron;
    if (!jobs) return null;
    const byPath = new Map<string, CronView['runs']>();
    for (const run of this.cronRuns.toArray()) {
      let runs = byPath.get(run.path);
      if (!runs) byPath.set(run.path, (runs = []));
      runs.unshift({ start: run.start, duration: run.duration, ok: run.ok, manual: run.manual, error: run.error?.message });
    }
    return jobs.map((job) => ({
      ...job,
      runs: byPath.get(job.path) ?? job.lastRuns.map((r) => ({ ...r, manual: false })).reverse()
    }));
  }

  /** Server reloads, newest first. */
  reloadList(): ReloadRecord[] {
    return this.reloadRecords.toArray().reverse();
  }

  /** Opens, closes, subscribes and unsubscribes, newest first. */
  connectionEventList(): ConnectionEvent[] {
    return this.connectionEvents.toArray().reverse();
  }

  /** Runs of `live.effect` handlers, newest first. */
  effectList(): EffectRun[] {
    return this.effectRuns.toArray().reverse();
  }

  /**
   * Totals for the tab labels and the launcher's badge. `errors` and `reloadErrors` count only
   * those not yet looked at (see markSeen); `internal` counts the runtime's own calls kept.
   */
  counts(): { calls: number; errors: number; publishes: number; reloads: number; reloadErrors: number; internal: number } {
    let internal = 0;
    for (let i = 0; i < this.calls.size; i++) if (this.calls.at(i)!.internal) internal++;
    return {
      calls: this.calls.total - this.clearedAt.calls,
      errors: this.errorTotal - this.seenErrors,
      publishes: this.publishes.total - this.clearedAt.publishes,
      reloads: this.reloadRecords.total - this.clearedAt.reloads,
      reloadErrors: this.reloadErrorTotal - this.seenReloadErrors,
      internal
    };
  }

  /** The user of a connection as the server last showed it (open now, or its open event kept). */
  userOf(connection: string): Preview | undefined {
    const open = this.serverState?.connections.find((c) => c.id === connection);
    if (open) return open.user;
    for (let i = this.connectionEvents.size - 1; i >= 0; i--) {
      const event = this.connectionEvents.at(i)!;
      if (event.type === 'open' && event.connection === connection) return event.user;
    }
    return undefined;
  }

  /** Everything kept, oldest first in each list (a session file, see session-file.ts). */
  records(): StoredRecords {
    return {
      calls: this.calls.toArray(),
      publishes: this.publishes.toArray(),
      connectionEvents: this.connectionEvents.toArray(),
      cron: this.cronRuns.toArray(),
      reloads: this.reloadRecords.toArray(),
      effects: this.effectRuns.toArray(),
      pageUpdates: this.pageUpdates.toArray().map(({ topic, seq, epoch, event, data, time }) => ({ topic, seq, epoch, event, data, time }))
    };
  }

  /**
   * Shows `records` (a session file already checked) in place of what was kept, as if they had
   * just happened; what the server sends next is added after them.
   */
  restore(records: StoredRecords): void {
    this.clear();
    for (const call of records.calls) {
      this.callsByKey.set(call.key, call);
      if (call.status === 'error') this.errorTotal++;
      const dropped = this.calls.push(call);
      if (dropped && this.callsByKey.get(dropped.key) === dropped) this.callsByKey.delete(dropped.key);
    }
    for (const publish of records.publishes) this.addPublish(publish);
    for (const event of records.connectionEvents) this.connectionEvents.push(event);
    for (const run of records.cron) this.cronRuns.push(run);
    for (const reload of records.reloads) {
      if (reload.error) this.reloadErrorTotal++;
      this.reloadRecords.push(reload);
    }
    for (const run of records.effects) this.effectRuns.push(run);
    for (const update of records.pageUpdates) this.pageUpdates.push(update);
    this.pageIndexStale = true;
    this.clearedAt = { calls: 0, publishes: 0, reloads: 0 };
    this.version++;
  }

  /** Per connection, what its kept calls add up to: how many, how many failed, bytes each way. */
  connectionTotals(): Map<string, ConnectionTotals> {
    const totals = new Map<string, ConnectionTotals>();
    for (let i = 0; i < this.calls.size; i++) {
      const call = this.calls.at(i)!;
      let total = totals.get(call.connection);
      if (!total) totals.set(call.connection, (total = { calls: 0, errors: 0, bytesIn: 0, bytesOut: 0 }));
      total.calls++;
      if (call.status === 'error') total.errors++;
      total.bytesIn += call.bytesIn ?? 0;
      total.bytesOut += call.bytesOut ?? 0;
    }
    return totals;
  }

  /** The user looked at the calls (or the reloads): their error badges go back to zero. */
  markSeen(what: 'calls' | 'reloads'): void {
    if (what === 'calls' && this.seenErrors !== this.errorTotal) this.seenErrors = this.errorTotal;
    else if (what === 'reloads' && this.seenReloadErrors !== this.reloadErrorTotal) this.seenReloadErrors = this.reloadErrorTotal;
    else return;
    this.version++;
  }

  /**
   * Forgets every call, event, run and reload kept (the Clear button). What the server and this
   * page are now (connections, topics, the socket's state) stays, and so does the order of
   * events already seen, so history the server sends again is not shown again.
   */
  clear(): void {
    for (const ring of [this.calls, this.publishes, this.connectionEvents, this.cronRuns, this.reloadRecords, this.pageUpdates, this.effectRuns]) ring.clear();
    this.callsByKey.clear();
    this.pending.clear();
    this.publishesByCause.clear();
    this.publishesByTopic.clear();
    this.pageUpdatesByTopicSeq.clear();
    this.pageIndexStale = false;
    this.seenErrors = this.errorTotal;
    this.seenReloadErrors = this.reloadErrorTotal;
    this.clearedAt = { calls: this.calls.total, publishes: this.publishes.total, reloads: this.reloadRecords.total };
    this.version++;
  }
}

/**
 * A page update whose preview is made when a panel first reads it, not when the event arrives:
 * the page's own event path does no per-event preview work while the overlay is closed.
 */
function pageUpdateOf(topic: string, seq: number, event: string, value: unknown, time: number, epoch: string | undefined): PageUpdate {
  return new ReceivedUpdate(topic, seq, epoch, event, time, value);
}

/**
 * A page update as received: the value by reference, previewed the first time it is read (a
 * class, so each one costs an allocation of a known shape, not an object with its own getter).
 */
class ReceivedUpdate implements PageUpdate {
  private preview: Preview | undefined;

  constructor(
    readonly topic: string,
    readonly seq: number,
    readonly epoch: string | undefined,
    readonly event: string,
    readonly time: number,
    private value: unknown
  ) {}

  get data(): Preview {
    if (this.preview === undefined) {
      this.preview = preview(this.value, PAGE_PREVIEW);
      this.value = undefined;
    }
    return this.preview;
  }
}

/** Every server event type has a case in `ingest`: one added to the wire without a case fails to compile. */
function exhaustive(_event: never): void {}

function matches(call: CallRecord, text: string): boolean {
  if (call.path.toLowerCase().includes(text)) return true;
  if (call.error && `${call.error.code ?? ''} ${call.error.message}`.toLowerCase().includes(text)) return true;
  const values = JSON.stringify([call.args, call.result]).toLowerCase();
  return values.includes(text);
}
