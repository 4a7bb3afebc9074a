/**
 * The JSON of the values met in one batch of DevTools events, by identity: a call that
 * publishes the value it returns (`ctx.publish('todos', 'created', todo); return todo;`) has
 * it encoded once for both events, not once per event. Plain values only (see plainJson in the
 * protocol); a memo lives for one batch, so a value changed later is encoded again.
 */
import { plainJson } from '../../runtime/protocol.js';

export class JsonMemo {
  private readonly known = new Map<object, string | undefined>();

  /** `value` as JSON when JSON carries it exactly; undefined when it needs devalue. */
  of(value: unknown): string | undefined {
    if (typeof value !== 'object' || value === null) return plainJson(value);
    if (this.known.has(value)) return this.known.get(value);
    const json = plainJson(value);
    this.known.set(value, json);
    return json;
  }
}
