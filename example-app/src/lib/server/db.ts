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

/** A sticky note on a board: where it sits, in percent of the board's width and height. */
export interface Card {
  id: string;
  text: string;
  author: string;
  x: number;
  y: number;
  color: string;
}

/** The colours a note may have. */
export const NOTE_COLORS = ['#fff3a3', '#c8f0c0', '#cde4ff', '#ffd6e0', '#ffe0b8'] as const;
const MAX_CARDS = 200;

const boards = new Map<string, Card[]>();

/** One line of a board's activity ticker. */
export interface Activity {
  id: string;
  text: string;
  at: Date;
}

const ACTIVITY_KEPT = 20;
const activity = new Map<string, Activity[]>();

export const db = {
  cards: {
    list(board: string): Card[] {
      return boards.get(board) ?? [];
    },
    add(board: string, text: string, author: string, at?: { x: number; y: number }): Card {
      const cards = boards.get(board) ?? [];
      const card = {
        id: randomUUID(),
        text,
        author,
        x: at?.x ?? 4 + ((cards.length * 17) % 80),
        y: at?.y ?? 6 + ((cards.length * 23) % 70),
        color: NOTE_COLORS[cards.length % NOTE_COLORS.length]
      };
      boards.set(board, [...cards, card].slice(-MAX_CARDS));
      return card;
    },
    get(board: string, id: string): Card | undefined {
      return boards.get(board)?.find((c) => c.id === id);
    },
    /** Stores `card` under its id: replaced in place, or added last (a deleted note coming back). */
    put(board: string, card: Card): Card {
      const cards = boards.get(board) ?? [];
      const index = cards.findIndex((c) => c.id === card.id);
      boards.set(board, index === -1 ? [...cards, card].slice(-MAX_CARDS) : cards.with(index, card));
      return card;
    },
    remove(board: string, id: string): boolean {
      const cards = boards.get(board) ?? [];
      const next = cards.filter((c) => c.id !== id);
      boards.set(board, next);
      return next.length !== cards.length;
    }
  },
  activity: {
    /** The newest lines first. */
    list(board: string): Activity[] {
      return activity.get(board) ?? [];
    },
    add(board: string, text: string): Activity {
      const line = { id: randomUUID(), text, at: new Date() };
      activity.set(board, [line, ...(activity.get(board) ?? [])].slice(0, ACTIVITY_KEPT));
      return line;
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
