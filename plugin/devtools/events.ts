/**
 * Telemetry events as the overlay receives them: the same `type` and fields, with values (call
 * arguments and results, published data, users) turned into bounded previews. One converter per
 * telemetry event type, so a type added to the runtime's telemetry without a converter here, or
 * without its counterpart on the DevTools wire, fails to compile.
 */
import type { TelemetryEventOf, TelemetryEventType } from '../../runtime/server/telemetry.js';
import { isInternalCall } from '../../runtime/devtools-wire/internal-traffic.js';
import { packedPreview, preview } from '../../runtime/devtools-wire/preview.js';
import type { ServerEvent, ServerEventOf } from '../../runtime/devtools-wire/messages.js';
import type { Captured } from './capture-ring.js';
import { callBytes, callJson, RichCounting } from './call-bytes.js';
import { JsonMemo } from './json-memo.js';

/** What a server event adds to its telemetry event's content: its order and its time. */
type Stamp = { n: number; time: number; memo: JsonMemo; counting: RichCounting };

type Converters = { [T in TelemetryEventType]: (event: TelemetryEventOf<T>, stamp: Stamp) => ServerEventOf<T> };

const CONVERTERS: Converters = {
  call: (event, { n, time, memo, counting }) => {
    // Each value encoded once: its JSON gives the call's bytes and, when small, its preview.
    const json = callJson(event, memo);
    const bytes = callBytes(event, json, counting);
    const converted: ServerEventOf<'call'> = {
    n,
    time,
    type: 'call',
    connection: event.connection,
    path: event.path,
    id: event.id,
    duration: event.duration,
    ok: event.ok,
    args: packedPreview(event.args, json.args),
    result: event.ok ? packedPreview(event.result, json.result) : undefined,
    error: event.error && { code: event.error.code, message: event.error.message, stack: event.error.stack },
    bytesIn: bytes.in,
    bytesOut: bytes.out
    };
    if (isInternalCall(event.args)) converted.internal = true;
    return converted;
  },
  publish: (event, { n, time, memo }) => ({
    n,
    time,
    type: 'publish',
    topic: event.topic,
    event: event.event,
    seq: event.seq,
    epoch: event.epoch,
    delivered: event.delivered,
    data: packedPreview(event.data, memo.of(event.data)),
    cause: event.cause
  }),
  // Plain JSON already: nothing to preview.
  subscribe: (event, { n, time }) => ({ n, time, ...event }),
  unsubscribe: (event, { n, time }) => ({ n, time, ...event }),
  close: (event, { n, time }) => ({ n, time, ...event }),
  open: (event, { n, time }) => ({ n, time, type: 'open', connection: event.connection, user: preview(event.user), origin: event.origin }),
  cron: (event, { n, time }) => ({
    n,
    time,
    type: 'cron',
    path: event.path,
    topic: event.topic,
    start: event.start,
    duration: event.duration,
    ok: event.ok,
    manual: event.manual,
    result: event.ok ? preview(event.result) : undefined,
    error: event.error && { message: event.error.message, stack: event.error.stack }
  }),
  effect: (event, { n, time }) => ({
    n,
    time,
    type: 'effect',
    path: event.path,
    topic: event.topic,
    event: event.event,
    start: event.start,
    duration: event.duration,
    ok: event.ok,
    error: event.error && { message: event.error.message, stack: event.error.stack }
  }),
  reload: (event, { n, time }) => ({
    n,
    time,
    type: 'reload',
    file: event.file,
    added: event.added,
    removed: event.removed,
    changed: event.changed,
    duration: event.duration,
    rolledBack: event.rolledBack,
    error: event.error
  })
};

/**
 * Captured events as the overlay receives them, in one batch (a value met twice is encoded
 * once); `counting` bounds how many rich values have their bytes counted (the channel keeps one).
 */
export function toServerEvents(captured: readonly Captured[], counting = new RichCounting(Infinity)): ServerEvent[] {
  const memo = new JsonMemo();
  return captured.map(({ n, time, event }) => {
    // The map is keyed by type, so this look-up pairs each event with its own converter.
    const convert = CONVERTERS[event.type] as (event: TelemetryEventOf<TelemetryEventType>, stamp: Stamp) => ServerEvent;
    return convert(event, { n, time, memo, counting });
  });
}
