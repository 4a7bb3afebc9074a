/**
 * Who may load the DevTools overlay (whose module carries the server's secret) and talk on its
 * channel: pages of this dev server, in a browser, while the server listens on loopback only.
 * Every check fails closed: a request or socket that cannot be placed is refused.
 *
 * - HTTP: a browser names the page that asks in `Sec-Fetch-Site` and, for cross-origin
 *   requests, in `Origin`; either one saying "another site" refuses it. A same-origin request
 *   from an older browser carries neither, so their absence alone does not refuse.
 * - WebSocket: a browser always sends `Origin` on an upgrade, so a socket without one is not a
 *   page of this server (a script on the network, say) and is refused.
 * - In both, the Host must pass Vite's `server.allowedHosts`, and the Origin must be on it.
 * - Beyond loopback (`vite dev --host`), anyone on the network can reach the server and claim
 *   any origin: the DevTools are off unless `devtools.allowRemote` is set.
 */
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { HostCheck } from '../host-check.js';

/** What a request or socket may do: all, or nothing, with the reason shown to it. */
export type Access = { trusted: true } | { trusted: false; reason: string };

const TRUSTED: Access = { trusted: true };

export const OTHER_ORIGIN = 'The DevTools channel only answers pages served by this dev server (the request came from another origin)';
export const NOT_A_PAGE = 'The DevTools channel only answers pages served by this dev server (the socket sent no Origin, so it is not a browser page)';
export const REMOTE_OFF =
  'The DevTools are off because this dev server listens beyond loopback (server.host), where anyone on the network could read every call; to use them anyway, set realtime({ devtools: { allowRemote: true } })';

/** True when Vite's `server.host` makes it listen on more than the loopback interface. */
export function listensBeyondLoopback(host: string | boolean | undefined): boolean {
  if (host === undefined || host === false) return false; // Vite's default: localhost
  if (host === true || host === '') return true; // every interface
  if (host === 'localhost') return false;
  const address = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (net.isIPv4(address)) return !address.startsWith('127.');
  if (net.isIPv6(address)) return !(address === '::1' || address.toLowerCase().startsWith('::ffff:127.'));
  // Any other name may resolve to a public interface.
  return true;
}

export class DevtoolsAccess {
  /** Set when the DevTools are off for this server (it listens beyond loopback, no opt-in). */
  readonly off: string | undefined;

  constructor(
    private readonly hosts: HostCheck,
    options: { exposed: boolean; allowRemote: boolean }
  ) {
    this.off = options.exposed && !options.allowRemote ? REMOTE_OFF : undefined;
  }

  /**
   * An HTTP request for the overlay (its module, which holds the secret, or its sources) or for
   * the DevTools wire. The wire holds nothing secret and the app's client runtime may import
   * from it, so it is served with the overlay off; only to pages of this server all the same.
   */
  request(req: Pick<IncomingMessage, 'headers'>, part: 'overlay' | 'wire'): Access {
    if (this.off && part === 'overlay') return { trusted: false, reason: this.off };
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return { trusted: false, reason: OTHER_ORIGIN };
    const origin = req.headers.origin;
    if (origin !== undefined && !this.sameOrigin(origin, req.headers.host)) return { trusted: false, reason: OTHER_ORIGIN };
    if (req.headers.host === undefined || !this.hosts.allows(req.headers.host)) return { trusted: false, reason: OTHER_ORIGIN };
    return TRUSTED;
  }

  /** The upgrade request of a socket on Vite's dev socket, which the channel travels on. */
  socket(req: Pick<IncomingMessage, 'headers'> | undefined): Access {
    if (this.off) return { trusted: false, reason: this.off };
    const origin = req?.headers.origin;
    if (origin === undefined) return { trusted: false, reason: NOT_A_PAGE };
    if (!this.sameOrigin(origin, req!.headers.host) || !this.hosts.allows(req!.headers.host)) return { trusted: false, reason: OTHER_ORIGIN };
    return TRUSTED;
  }

  private sameOrigin(origin: string, host: string | undefined): boolean {
    if (host === undefined) return false;
    try {
      return new URL(origin).host === host;
    } catch {
      return false;
    }
  }
}
