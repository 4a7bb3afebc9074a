/**
 * Vite's `allowedHosts`, applied to requests Vite does not answer itself (the realtime socket,
 * the DevTools channel). Vite refuses a foreign `Host` on its own HTTP requests and HMR socket,
 * which is what stops a DNS-rebinding page; the decision is made by the same function Vite
 * bundles (host-validation-middleware's `isHostAllowed`), so both always agree: IP addresses,
 * `localhost` and `*.localhost` pass, and each entry of the list (`.example.com` for a domain
 * and its subdomains), or everything with `allowedHosts: true`.
 */
import type { Duplex } from 'node:stream';
import { isHostAllowed } from 'host-validation-middleware';

/** Which Vite setting applies: the dev server's or the preview server's. */
export type HostSetting = 'server.allowedHosts' | 'preview.allowedHosts';

export interface HostCheck {
  /** True when a request with this `Host` header may be answered. */
  allows(host: string | undefined): boolean;
  /** Refuses an upgrade with 403 and a message that says which setting to change. */
  refuseUpgrade(socket: Duplex, host: string | undefined): void;
}

/** A check for one server's resolved `allowedHosts` (read once: Vite resolves it at start-up). */
export function hostCheck(allowedHosts: readonly string[] | true, setting: HostSetting): HostCheck {
  // Frozen, so that isHostAllowed caches the hosts it has allowed, as it does inside Vite.
  const list = allowedHosts === true ? true : Object.freeze([...allowedHosts]);
  return {
    allows: (host) => list === true || isHostAllowed(host, list),
    refuseUpgrade(socket, host) {
      const name = JSON.stringify(hostnameOf(host ?? ''));
      const message = `svelte-realtime: the host ${name} may not open the realtime socket. If this is your own host, add ${name} to ${setting} in vite.config.`;
      const body = Buffer.from(message);
      socket.end(
        `HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n${message}`
      );
    }
  };
}

/** `example.com:5173` → `example.com`; `[::1]:5173` → `[::1]`. */
function hostnameOf(host: string): string {
  const colon = host.lastIndexOf(':');
  return colon > host.lastIndexOf(']') ? host.slice(0, colon) : host;
}
