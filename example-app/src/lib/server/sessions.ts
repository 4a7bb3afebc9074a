/**
 * A deliberately simple cookie session store for the example: a random id in a cookie, the
 * user in memory. A real app keeps sessions in its database.
 */
import { randomUUID } from 'node:crypto';

export interface User {
  id: string;
  name: string;
}

export const SESSION_COOKIE = 'session';

const sessions = new Map<string, User>();

export function login(name: string): { sessionId: string; user: User } {
  const sessionId = randomUUID();
  const user = { id: randomUUID().slice(0, 8), name };
  sessions.set(sessionId, user);
  return { sessionId, user };
}

export function logout(sessionId: string | undefined): void {
  if (sessionId) sessions.delete(sessionId);
}

export function userOf(sessionId: string | undefined): User | null {
  return (sessionId && sessions.get(sessionId)) || null;
}

export function loggedIn(): User[] {
  return [...new Map([...sessions.values()].map((u) => [u.id, u])).values()];
}
