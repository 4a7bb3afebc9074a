import * as v from 'valibot';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { afterEach, describe, expect, it } from 'vitest';
import { guard, live } from '../../runtime/server/handlers.js';
import { LiveError } from '../../runtime/server/errors.js';
import { module, startServer, TestClient, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => server?.close());

const Todo = v.object({
  title: v.pipe(v.string(), v.trim(), v.minLength(1, 'A todo needs a title')),
  tags: v.optional(v.array(v.string()), [])
});

const addTodo = live.validated(Todo, (_ctx, todo) => ({ ...todo, saved: true }));

describe('live.validated', () => {
  it('passes the schema output to the handler', async () => {
    server = await startServer({ modules: [module('todos', { addTodo })] });
    const client = await TestClient.connect(server.url);
    expect(await client.call('todos/addTodo', { title: '  milk ' })).toMatchObject({
      t: 'result',
      data: { title: 'milk', tags: [], saved: true }
    });
    client.close();
  });

  it('refuses invalid input with VALIDATION and the issues, and the connection keeps working', async () => {
    server = await startServer({ modules: [module('todos', { addTodo })] });
    const client = await TestClient.connect(server.url);
    const refused = await client.call('todos/addTodo', { title: '   ', tags: ['ok', 3] });
    expect(refused).toMatchObject({ t: 'error', code: 'VALIDATION' });
    const { details, message } = refused as { details: { message: string; path: (string | number)[] }[]; message: string };
    expect(message).toMatch(/^Invalid input at title: A todo needs a title/);
    expect(details).toEqual([
      { message: 'A todo needs a title', path: ['title'] },
      expect.objectContaining({ path: ['tags', 1] })
    ]);
    expect(await client.call('todos/addTodo', { title: 'bread' })).toMatchObject({ t: 'result' });
    client.close();
  });

  it('refuses a call with other than one argument', async () => {
    server = await startServer({ modules: [module('todos', { addTodo })] });
    const client = await TestClient.connect(server.url);
    expect(await client.call('todos/addTodo')).toMatchObject({ t: 'error', code: 'VALIDATION', message: 'Expected one argument, got 0' });
    expect(await client.call('todos/addTodo', { title: 'a' }, 'extra')).toMatchObject({ t: 'error', code: 'VALIDATION' });
    client.close();
  });

  it('works with any Standard Schema, async ones included', async () => {
    const even: StandardSchemaV1<number, number> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: async (value) =>
          typeof value === 'number' && value % 2 === 0 ? { value: value / 2 } : { issues: [{ message: 'Must be even', path: [{ key: 'n' }] }] }
      }
    };
    server = await startServer({ modules: [module('math', { half: live.validated(even, (_ctx, n) => n) })] });
    const client = await TestClient.connect(server.url);
    expect(await client.call('math/half', 8)).toMatchObject({ t: 'result', data: 4 });
    expect(await client.call('math/half', 7)).toMatchObject({ t: 'error', code: 'VALIDATION', details: [{ message: 'Must be even', path: ['n'] }] });
    client.close();
  });

  it("is refused by its module's guard before the input is read", async () => {
    let ran = false;
    const checked = live.validated(
      v.pipe(
        v.string(),
        v.check(() => ((ran = true), true))
      ),
      () => 'ok'
    );
    const auth = guard(() => {
      throw new LiveError('UNAUTHORIZED', 'Log in first');
    });
    server = await startServer({ modules: [module('secret', { auth, checked })] });
    const client = await TestClient.connect(server.url);
    expect(await client.call('secret/checked', 'x')).toMatchObject({ t: 'error', code: 'UNAUTHORIZED' });
    expect(ran).toBe(false);
    client.close();
  });

  it('refuses a schema that is not a Standard Schema when the module loads', () => {
    expect(() => live.validated({} as never, () => 1)).toThrow(/Standard Schema/);
  });
});
