/**
 * Which module an HTTP request would get from Vite's dev server, found the way Vite's own
 * transform middleware finds it: the URL without the base, decoded with `decodeURI`, its
 * `__x00__` placeholder turned back into the NUL byte, `/@id/` unwrapped, then resolved by
 * Vite's module graph and plugins (with and without its query). Deciding by that id, rather than by how the URL is spelled,
 * means `/@id/virtual:...`, percent-encoded forms and added queries are all recognised.
 */
import type { IncomingMessage } from 'node:http';
import type { ViteDevServer } from 'vite';

const NULL_BYTE_PLACEHOLDER = '__x00__';
const ID_PREFIX = '/@id/';
/** Fetch destinations Vite's transform middleware leaves to the HTML middlewares. */
const DOCUMENT_DESTINATIONS = new Set(['document', 'iframe', 'frame', 'fencedframe']);

/**
 * The ids the request may be served as (several when the URL is ambiguous: a source map's URL
 * names its module's), or none when Vite would not serve it as a module at all.
 */
export async function requestedModuleIds(server: ViteDevServer, req: Pick<IncomingMessage, 'method' | 'url' | 'headers'>): Promise<string[]> {
  if ((req.method !== 'GET' && req.method !== 'HEAD') || req.url === undefined) return [];
  const dest = req.headers['sec-fetch-dest'];
  if (typeof dest === 'string' && DOCUMENT_DESTINATIONS.has(dest)) return [];
  let url: string;
  try {
    url = decodeURI(withoutBase(req.url, server.config.base)).replace(NULL_BYTE_PLACEHOLDER, '\0');
  } catch {
    return []; // malformed: Vite serves no module for it either
  }
  // Vite drops some queries (`import`, a timestamp) before resolving: the URL without any is a
  // candidate too, so that no query spelling can hide the module.
  const path = url.split('?')[0]!;
  const candidates = new Set([unwrapId(url), unwrapId(path)]);
  if (path.endsWith('.map')) {
    const source = path.slice(0, -'.map'.length);
    candidates.add(source).add(unwrapId(source));
  }
  const ids: string[] = [];
  for (const candidate of candidates) ids.push(await resolve(server, candidate));
  return ids;
}

/**
 * The module id Vite gives a URL: its module's, once loaded; else what the plugins resolve it
 * to, else the URL itself (as Vite falls back to it, also when a plugin fails to resolve).
 */
async function resolve(server: ViteDevServer, url: string): Promise<string> {
  const environment = server.environments.client;
  try {
    const known = await environment.moduleGraph.getModuleByUrl(url);
    if (known?.id) return known.id;
    const resolved = await environment.pluginContainer.resolveId(url, undefined);
    return resolved?.id ?? url;
  } catch {
    return url;
  }
}

function withoutBase(url: string, base: string): string {
  return base !== '/' && url.startsWith(base) ? `/${url.slice(base.length)}` : url;
}

function unwrapId(url: string): string {
  return url.startsWith(ID_PREFIX) ? url.slice(ID_PREFIX.length).replace(NULL_BYTE_PLACEHOLDER, '\0') : url;
}
