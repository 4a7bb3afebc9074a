/**
 * Which pages may open the realtime socket, decided from the upgrade's `Origin` header.
 *
 * A browser always sends `Origin` on a WebSocket upgrade, and a page cannot forge it; but a
 * DNS-rebinding page chooses both its own origin and the `Host` it sends, so "Origin matches
 * Host" only holds where the Host itself is checked: in `vite dev` and `vite preview` the plugin
 * refuses hosts outside Vite's `allowedHosts` first. In production, once adapter-node's
 * `ORIGIN` names the app's origin, that and `origins` are the only pages let in.
 */

export interface OriginPolicy {
  /** `vite dev`: the plugin has checked the Host against `server.allowedHosts`. */
  dev: boolean;
  /** `realtime({ origins })`: origins allowed besides the app's own, or `*`. */
  origins: readonly string[];
  /** The app's own origin from adapter-node's `ORIGIN`, when set to a URL. */
  appOrigin: string | undefined;
}

/** The origin of adapter-node's ORIGIN setting; undefined when unset or not a URL. */
export function appOriginOf(setting: string | undefined): string | undefined {
  if (setting === undefined) return undefined;
  try {
    return new URL(setting).origin;
  } catch {
    return undefined;
  }
}

/** True when a page of `origin` may open the socket on a request that named `host`. */
export function originAllowed(origin: string | undefined, host: string | undefined, policy: OriginPolicy): boolean {
  // Not a browser: such a client can claim any origin anyway, so there is nothing to check.
  if (origin === undefined) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (policy.origins.includes('*') || policy.origins.includes(parsed.origin)) return true;
  if (parsed.origin === policy.appOrigin) return true;
  // In production with ORIGIN set, the Host header (which a rebinding page picks) proves nothing.
  if (!policy.dev && policy.appOrigin !== undefined) return false;
  return host !== undefined && parsed.host === host;
}
