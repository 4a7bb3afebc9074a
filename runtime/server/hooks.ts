/**
 * `src/hooks.ws.ts`: the app's say over connections.
 *
 *   export const upgrade: Upgrade = ({ cookies }) => {
 *     const user = sessions.get(cookies.get('session'));
 *     if (!user) throw new LiveError('UNAUTHORIZED', 'Log in first');   // 401, socket refused
 *     return user;                                                       // becomes ctx.user
 *   };
 *
 * `handle` wraps every call and subscription (middleware.ts); `handleError` receives every
 * unexpected error (error-report.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { Awaitable } from '../awaitable.js';
import type { LiveUser } from './context.js';
import type { HandleError } from './error-report.js';
import type { Handle } from './middleware.js';

export interface Cookies {
  get(name: string): string | undefined;
  getAll(): { name: string; value: string }[];
}

export interface UpgradeEvent {
  /** The upgrade request as a web Request (headers and URL; no body). */
  request: Request;
  url: URL;
  cookies: Cookies;
  getClientAddress(): string;
}

/**
 * Runs before a socket is accepted. Return the connection's user data (or null for anonymous);
 * throw `LiveError('UNAUTHORIZED')` for a 401 or `LiveError('FORBIDDEN')` for a 403.
 */
export type Upgrade = (event: UpgradeEvent) => Awaitable<LiveUser | null | undefined>;

export interface ConnectionInfo {
  /** The connection's id, the same as `ctx.connectionId` in its calls. */
  connectionId: string;
  /** @deprecated Renamed `connectionId` (the same id). */
  connection: string;
  user: LiveUser;
}

export type Open = (info: ConnectionInfo) => Awaitable<void>;
export type Close = (info: ConnectionInfo & { code: number; reason: string }) => Awaitable<void>;

export interface WsHooks {
  upgrade?: Upgrade;
  open?: Open;
  close?: Close;
  /** Wraps every call and subscription (middleware.ts). */
  handle?: Handle;
  /** Receives every unexpected error and chooses what the caller sees (error-report.ts). */
  handleError?: HandleError;
}

export function parseCookies(header: string | undefined): Cookies {
  const jar = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 1) continue;
    const name = part.slice(0, eq).trim();
    if (jar.has(name)) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      jar.set(name, decodeURIComponent(value));
    } catch {
      jar.set(name, value);
    }
  }
  return {
    get: (name) => jar.get(name),
    getAll: () => [...jar].map(([name, value]) => ({ name, value }))
  };
}

export function upgradeEvent(req: IncomingMessage): UpgradeEvent {
  const host = req.headers.host ?? 'localhost';
  const secure = (req.socket as { encrypted?: boolean }).encrypted === true;
  const url = new URL(req.url ?? '/', `${secure ? 'https' : 'http'}://${host}`);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return {
    request: new Request(url, { headers }),
    url,
    cookies: parseCookies(req.headers.cookie),
    getClientAddress: () => req.socket.remoteAddress ?? ''
  };
}
