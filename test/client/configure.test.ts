/**
 * svelte-realtime/client's configure() and reconnect() as a page calls them: options are
 * checked with a message that names the option, and on the server (no socket) reconnect() is
 * harmless.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { configure, reconnect, RpcError } from '../../runtime/client/index.js';

const defaults = { timeout: 30_000, baseDelay: 500, maxDelay: 15_000, heartbeat: 25_000, maxQueue: 1000, maxAge: 30_000 };
afterEach(() => configure(defaults));

describe('configure', () => {
  it('takes the heartbeat and the outbox bounds', () => {
    expect(() => configure({ heartbeat: 10_000, maxQueue: 50, maxAge: 5000 })).not.toThrow();
    expect(() => configure({ heartbeat: 0, maxQueue: 0 })).not.toThrow();
  });

  it.each([
    [{ heartbeat: -1 }, /configure\(\{ heartbeat \}\): takes a number of ms \(0 or more\), not -1/],
    [{ maxQueue: Number.NaN }, /configure\(\{ maxQueue \}\): takes a number of calls/],
    [{ maxAge: '5s' }, /configure\(\{ maxAge \}\): takes a number of ms \(0 or more\), not 5s/],
    [{ timeout: Infinity }, /timeout/],
    [{ url: 42 }, /configure\(\{ url \}\): takes the socket's ws:\/\/ or wss:\/\/ URL as a string/],
    [{ hearbeat: 1000 }, /configure\(\{ hearbeat \}\): is not an option; the options are url, timeout, baseDelay, maxDelay, heartbeat, maxQueue, maxAge/]
  ])('refuses %o with a typed error that says what it takes', (options, message) => {
    let error: unknown;
    try {
      configure(options as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(message) });
  });

  it('changes nothing when one option is bad', () => {
    expect(() => configure({ heartbeat: 5000, maxQueue: -3 })).toThrow(RpcError);
    expect(() => configure({ heartbeat: 5000 })).not.toThrow();
  });
});

describe('reconnect() during server rendering', () => {
  it('resolves with the idle status, opening nothing', async () => {
    expect(await reconnect()).toMatchObject({ state: 'idle', connection: null });
  });
});
