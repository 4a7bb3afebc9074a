/**
 * A feed (crud `max` + `prepend`) and a ctx.batch as an app's tests see them through
 * svelte-realtime/test: the page's store and the server's view (streamValues) keep the newest
 * items first and no more than `max`; a batch over two streams is one new value of each.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { live, streamValues } from '../../runtime/server/index.js';
import { createTestServer, type TestServer } from '../../runtime/test/index.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Post {
  id: number;
  text: string;
}

let nextId = 0;
const feed = {
  posts: live.stream('posts', () => [] as Post[], { merge: 'crud', max: 3, prepend: true }),
  tally: live.stream('tally', () => [] as { id: string; count: number }[]),
  post: live((ctx, text: string) => {
    const post = { id: ++nextId, text };
    ctx.batch([
      { topic: 'posts', event: 'created', data: post },
      { topic: 'tally', event: 'upserted', data: { id: 'posts', count: nextId } }
    ]);
    return post;
  })
};

function requestEvent() {
  const request = new Request('http://localhost/feed');
  return { request, url: new URL(request.url), cookies: { get: () => undefined, getAll: () => [] }, getClientAddress: () => '127.0.0.1' };
}

describe('feeds and batches through the test kit', () => {
  it('keeps the newest max posts first, in the page store and on the server alike', async () => {
    nextId = 0;
    server = await createTestServer({ modules: { feed } });
    const page = (await server.connect()).live(feed);
    expect(await page.posts.next()).toEqual([]);
    const values = streamValues(feed.posts, requestEvent());
    expect((await values.next()).value).toEqual([]);
    for (const text of ['a', 'b', 'c', 'd', 'e']) await page.post(text);
    const newest = await page.posts.until((posts) => posts[0]?.text === 'e');
    expect(newest.map((p) => p.text)).toEqual(['e', 'd', 'c']);
    let onServer: Post[] = [];
    while (onServer[0]?.text !== 'e') onServer = (await values.next()).value as Post[];
    expect(onServer.map((p) => p.text)).toEqual(['e', 'd', 'c']);
    await values.return();
  });

  it('shows a batch over two streams as one new value of each', async () => {
    nextId = 0;
    server = await createTestServer({ modules: { feed } });
    const page = (await server.connect()).live(feed);
    await page.posts.next();
    await page.tally.next();
    await page.post('hello');
    expect(await page.posts.next()).toEqual([{ id: 1, text: 'hello' }]);
    expect(await page.tally.next()).toEqual([{ id: 'posts', count: 1 }]);
    server.batch([
      { topic: 'posts', event: 'deleted', data: 1 },
      { topic: 'tally', event: 'upserted', data: { id: 'posts', count: 0 } }
    ]);
    expect(await page.posts.next()).toEqual([]);
    expect(await page.tally.next()).toEqual([{ id: 'posts', count: 0 }]);
    expect(page.posts.history).toHaveLength(3);
  });
});
