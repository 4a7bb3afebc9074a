/**
 * The address a connection comes from, for the per-address connection limit and address-keyed
 * rate limits.
 *
 * A header naming the client (`X-Forwarded-For`, `CF-Connecting-IP`...) is trusted only when
 * the app says a proxy sets it, the way adapter-node is told: `ADDRESS_HEADER` names the header
 * and, for `X-Forwarded-For`, `XFF_DEPTH` how many proxies stand in front (the entry that many
 * from the right is the client's; those left of it are whatever the client wrote). Without
 * `ADDRESS_HEADER` the socket's own remote address is the client's, whatever headers say.
 */
import type { IncomingMessage } from 'node:http';

/** What stands in for an address no socket or header gives (a socket already closed). */
const UNKNOWN = 'unknown';

export function clientAddress(req: IncomingMessage, env: NodeJS.ProcessEnv = process.env): string {
  const header = env.ADDRESS_HEADER?.trim().toLowerCase();
  if (header) {
    const value = req.headers[header];
    const text = Array.isArray(value) ? value.join(',') : value;
    if (text) {
      if (header !== 'x-forwarded-for') return text.trim();
      const entries = text.split(',').map((entry) => entry.trim());
      const depth = Number(env.XFF_DEPTH ?? 1);
      const entry = Number.isInteger(depth) && depth >= 1 ? entries[entries.length - depth] : undefined;
      if (entry) return entry;
    }
  }
  return req.socket.remoteAddress ?? UNKNOWN;
}
