import { live, LiveError } from 'svelte-realtime/server';
import * as v from 'valibot';
import { db, type Todo } from '$lib/server/db';

function existing(id: string): Todo {
  const todo = db.todos.get(id);
  if (!todo) throw new LiveError('NOT_FOUND', 'That todo was deleted');
  return todo;
}

function title(value: string): string {
  const trimmed = typeof value === 'string' ? value.trim() : '';
  if (!trimmed) throw new LiveError('EMPTY', 'A todo needs a title');
  // The page renames optimistically; this refusal is what rolls it back.
  if (trimmed.includes('!')) throw new LiveError('NO_SHOUTING', 'Titles may not contain "!"');
  return trimmed.slice(0, 200);
}

export const todos = live.stream('todos', () => db.todos.all());

// Checked by a schema (any Standard Schema library) and limited to 10 new todos per 10 s per user.
const NewTodo = v.pipe(v.string(), v.trim(), v.minLength(1, 'A todo needs a title'), v.maxLength(200, 'Keep it under 200 characters'));

export const addTodo = live.rateLimit(
  { points: 10, window: 10_000 },
  live.validated(NewTodo, (ctx, text) => {
    const todo = db.todos.insert(text);
    ctx.publish('todos', 'created', todo);
    return todo;
  })
);

export const toggleTodo = live((ctx, id: string) => {
  const todo = db.todos.update(id, { done: !existing(id).done })!;
  ctx.publish('todos', 'updated', todo);
  return todo;
});

export const renameTodo = live((ctx, id: string, text: string) => {
  existing(id);
  const todo = db.todos.update(id, { title: title(text) })!;
  ctx.publish('todos', 'updated', todo);
  return todo;
});

export const deleteTodo = live((ctx, id: string) => {
  existing(id);
  db.todos.delete(id);
  ctx.publish('todos', 'deleted', id);
});

// Undo and redo on the todos page (history() in svelte-realtime/client): applies one change as
// the page recorded it. A deleted todo comes back under its own id.
export const applyTodo = live((ctx, event: 'created' | 'updated' | 'deleted', todo: Todo) => {
  if (typeof todo !== 'object' || todo === null || typeof todo.id !== 'string' || typeof todo.done !== 'boolean') {
    throw new LiveError('INVALID', 'A todo needs an id, a title and a done flag');
  }
  if (event === 'deleted') {
    existing(todo.id);
    db.todos.delete(todo.id);
    ctx.publish('todos', 'deleted', todo.id);
    return todo;
  }
  if (event !== 'created' && event !== 'updated') throw new LiveError('INVALID', 'Unknown change');
  if (event === 'updated') existing(todo.id);
  const stored = db.todos.put({ id: todo.id, title: title(todo.title), done: todo.done });
  ctx.publish('todos', event, stored);
  return stored;
});
