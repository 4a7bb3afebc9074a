/** An in-memory stand-in for the app's database. */
import { randomUUID } from 'node:crypto';

export interface Message {
  id: string;
  text: string;
  author: string;
  at: Date;
}

export interface Todo {
  id: string;
  title: string;
  done: boolean;
}

export interface RoomMessage {
  room: string;
  text: string;
  at: Date;
}

const messages: Message[] = [];
const todos = new Map<string, Todo>();
const rooms = new Map<string, RoomMessage[]>();

export interface Card {
  id: string;
  text: string;
  author: string;
}

const boards = new Map<string, Card[]>();

export const db = {
  cards: {
    list(board: string): Card[] {
      return boards.get(board) ?? [];
    },
    add(board: string, text: string, author: string): Card {
      const card = { id: randomUUID(), text, author };
      boards.set(board, [...(boards.get(board) ?? []), card].slice(-200));
      return card;
    },
    remove(board: string, id: string): boolean {
      const cards = boards.get(board) ?? [];
      const next = cards.filter((c) => c.id !== id);
      boards.set(board, next);
      return next.length !== cards.length;
    }
  },
  messages: {
    insert(text: string, author: string): Message {
      const message = { id: randomUUID(), text, author, at: new Date() };
      messages.push(message);
      if (messages.length > 500) messages.shift();
      return message;
    },
    latest(count: number): Message[] {
      return messages.slice(-count);
    },
    count(): number {
      return messages.length;
    }
  },
  todos: {
    all(): Todo[] {
      return [...todos.values()];
    },
    get(id: string): Todo | undefined {
      return todos.get(id);
    },
    insert(title: string): Todo {
      const todo = { id: randomUUID(), title, done: false };
      todos.set(todo.id, todo);
      return todo;
    },
    update(id: string, patch: Partial<Omit<Todo, 'id'>>): Todo | undefined {
      const todo = todos.get(id);
      if (!todo) return undefined;
      const next = { ...todo, ...patch };
      todos.set(id, next);
      return next;
    },
    delete(id: string): boolean {
      return todos.delete(id);
    },
    /** Stores `todo` under its own id, in place if it exists (an undone delete comes back as it was). */
    put(todo: Todo): Todo {
      todos.set(todo.id, todo);
      return todo;
    }
  },
  rooms: {
    post(room: string, text: string): RoomMessage {
      const list = rooms.get(room) ?? [];
      const message = { room, text, at: new Date() };
      list.push(message);
      rooms.set(room, list.slice(-100));
      return message;
    },
    messages(room: string): RoomMessage[] {
      return rooms.get(room) ?? [];
    }
  }
};
