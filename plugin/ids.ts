/** The module ids the plugin answers for: the `$live/*` stubs and the server registry. */

/** What components import: `$live/admin/users`. */
export const LIVE_PREFIX = '$live/';
/** The resolved id of a stub: `\0live:admin/users`. */
export const STUB_PREFIX = '\0live:';
/** Imported by SvelteKit's server entry in a build, and loaded by the dev server. */
export const REGISTRY_ID = 'virtual:svelte-realtime/registry';
export const RESOLVED_REGISTRY_ID = '\0svelte-realtime:registry';

/** The module path a `$live/...` specifier names: `$live/chat.ts` → `chat`. */
export function modulePathOfSpecifier(id: string): string {
  return id.slice(LIVE_PREFIX.length).replace(/\.[mc]?[jt]s$/, '');
}
