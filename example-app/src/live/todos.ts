import { live, LiveError } from 'svelte-realtime/server';
import { db, type Todo } from '$lib/server/db';

function existing(id: string): Todo {
  const todo = db.todos.get(id);
  if (!todo) throw new LiveError('NOT_FOUND', 'That todo was deleted');
  return todo;
}

function title(value: string): string {
  const trimmed = typeof value === 'string' ? value.trim() : '';
  if (!trimmed) throw new LiveError('EMPTY', 'A todo needs a title');
  return trimmed.slice(0, 200);
}

export const todos = live.stream('todos', () => db.todos.all());

export const addTodo = live((ctx, text: string) => {
  const todo = db.todos.insert(title(text));
  ctx.publish('todos', 'created', todo);
  return todo;
});

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
