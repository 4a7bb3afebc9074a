/**
 * The DevTools read a stream's server-side value with a probe subscription. A probe whose
 * init does not answer in time gives up, and must leave no subscription behind when the init
 * finishes later.
 */
import { describe, expect, it } from 'vitest';
import { probe } from '../../plugin/devtools/probe.js';
import { live } from '../../runtime/server/index.js';
import { deferred, module, serverPerTest, waitFor } from '../helpers/server.js';

const server = serverPerTest();

describe('DevTools probe', () => {
  it('reads a snapshot and leaves no subscription', async () => {
    const feed = live.stream('feed', () => ['a']);
    const { runtime } = await server.start({ modules: [module('app', { feed })] });
    const { reply } = await probe(runtime, null, { t: 'sub', id: 1, path: 'app/feed', args: [] });
    expect(reply).toMatchObject({ t: 'snapshot', data: ['a'] });
    expect(runtime.topics.subscriberCount('feed')).toBe(0);
  });

  it('gives up on a slow init and leaves no subscription when the init finishes later', async () => {
    const gate = deferred();
    let finished = false;
    const feed = live.stream('feed', async () => {
      await gate.promise;
      finished = true;
      return ['late'];
    });
    const { runtime } = await server.start({ modules: [module('app', { feed })] });

    await expect(probe(runtime, null, { t: 'sub', id: 1, path: 'app/feed', args: [] }, 50)).rejects.toThrow(/did not answer within 0.05 s/);
    gate.resolve();
    await waitFor(() => finished, 'the init to finish');
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(runtime.topics.subscriberCount('feed')).toBe(0);
  });
});
