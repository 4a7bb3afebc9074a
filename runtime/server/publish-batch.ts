/**
 * `ctx.batch([...])` and `batch([...])` from svelte-realtime/server: several events, on one topic
 * or several, that subscribers must see together (a note moved to another column: `deleted` on
 * one list, `created` on the other). Each subscriber gets the batch's events in one frame, and
 * its stores apply them as one update, so no page ever shows the note in both columns or in
 * neither.
 *
 *   ctx.batch([
 *     { topic: 'column:todo', event: 'deleted', data: note.id },
 *     { topic: 'column:done', event: 'created', data: note }
 *   ]);
 *
 * Every entry is checked before any is published: a malformed batch publishes nothing. A batch
 * holds at most MAX_BATCH_EVENTS events; a longer one is refused with LIMIT (publish it in
 * several batches, or send the list as one `set`).
 *
 * The other form takes a synchronous function: everything it publishes (`ctx.publish`, a
 * room's `ctx.room.publish`, `publish()`) goes out together. It may publish any number of
 * events, as a loop of publishes may; past MAX_BATCH_EVENTS they are handed on in parts of that
 * size (a Redis message each, in a cluster).
 *
 *   ctx.batch(() => {
 *     ctx.room.publish('updated', note);
 *     ctx.publish('activity', 'created', { id: crypto.randomUUID(), text: 'moved a note' });
 *   });
 */
import { ErrorCode } from '../protocol.js';
import type { LiveContext } from './context.js';
import { LiveError } from './errors.js';

/** One event of a batch: what `ctx.publish(topic, event, data)` takes. */
export interface BatchEvent {
  topic: string;
  event: string;
  data?: unknown;
}

/** Events one batch may hold. */
export const MAX_BATCH_EVENTS = 1000;

/** Runs `publishes` so that what they deliver reaches each subscriber together (Topics.together). */
export type PublishTogether = (publishes: () => void) => void;

/** What `ctx.batch` and `batch()` take: the events, or a synchronous function that publishes them. */
export type BatchInput = readonly BatchEvent[] | (() => void);

/** Throws on a batch that cannot be published whole: not a list, too long, or an entry without a string topic and event. */
export function checkBatch(events: unknown, what = 'ctx.batch'): asserts events is readonly BatchEvent[] {
  if (!Array.isArray(events)) throw new TypeError(`${what}(events): pass a list of { topic, event, data }, or a function that publishes them`);
  if (events.length > MAX_BATCH_EVENTS) {
    throw new LiveError(ErrorCode.LIMIT, `${what}: a batch holds at most ${MAX_BATCH_EVENTS} events; this one has ${events.length}. Publish it in several batches, or the whole list as one 'set' event`);
  }
  for (let i = 0; i < events.length; i++) {
    const entry = events[i] as Partial<BatchEvent> | null;
    if (typeof entry !== 'object' || entry === null || typeof entry.topic !== 'string' || typeof entry.event !== 'string') {
      throw new TypeError(`${what}(events): entry ${i} must be { topic: string, event: string, data }; nothing was published`);
    }
  }
}

/** `ctx.batch` over a ctx's own publish (so each event is tied to the call, as `ctx.publish` is). */
export function batchVia(together: PublishTogether, publish: LiveContext['publish'], what = 'ctx.batch'): (events: BatchInput) => void {
  return (events: BatchInput) => {
    if (typeof events === 'function') {
      if (events.constructor.name === 'AsyncFunction') {
        throw new TypeError(`${what}(fn): pass a synchronous function (what it publishes after an await could not go out with the rest); await first, then batch`);
      }
      together(events);
      return;
    }
    checkBatch(events, what);
    if (events.length === 0) return;
    together(() => {
      for (const { topic, event, data } of events) publish(topic, event, data);
    });
  };
}
