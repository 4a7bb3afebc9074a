/**
 * The WebSocket the test clients open: `ws`'s, installed as `globalThis.WebSocket` (what the
 * client runtime opens) while a test server is open. A browser cannot set an upgrade's headers;
 * a test can, so each client's cookies and headers reach the app's `upgrade` hook on a real
 * request, found by the client's token in the URL.
 */
import { WebSocket as NodeWebSocket } from 'ws';

/** The query parameter that names a test client's connection profile. */
export const CLIENT_PARAM = 'svelte-realtime-test-client';

const headersByToken = new Map<string, Record<string, string>>();
let installed: { saved: unknown } | undefined;

class TestWebSocket extends NodeWebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    const token = new URL(url).searchParams.get(CLIENT_PARAM);
    super(url, protocols, { headers: (token !== null && headersByToken.get(token)) || {} });
  }
}

/** Makes `globalThis.WebSocket` the test clients' (until `uninstall`). */
export function installTestWebSocket(): void {
  if (installed) return;
  const scope = globalThis as { WebSocket?: unknown };
  installed = { saved: scope.WebSocket };
  scope.WebSocket = TestWebSocket;
}

export function uninstallTestWebSocket(): void {
  if (!installed) return;
  (globalThis as { WebSocket?: unknown }).WebSocket = installed.saved;
  installed = undefined;
  headersByToken.clear();
}

/** Sends `headers` with the upgrade of every socket opened with `token`. */
export function setUpgradeHeaders(token: string, headers: Record<string, string>): void {
  headersByToken.set(token, headers);
}

export function forgetUpgradeHeaders(token: string): void {
  headersByToken.delete(token);
}
