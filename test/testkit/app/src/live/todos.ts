import * as v from 'valibot';
import { live } from '../../../../../runtime/server/index.js';

export const addTodo = live.rateLimit(
  { points: 2, window: 60_000 },
  live.validated(v.pipe(v.string(), v.minLength(1, 'A todo needs a title')), (ctx, title) => {
    const todo = { id: title, title };
    ctx.publish('todos', 'created', todo);
    return todo;
  })
);

export const todos = live.stream('todos', () => [] as { id: string; title: string }[]);
