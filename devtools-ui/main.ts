/**
 * The overlay's entry, imported by the dev plugin's virtual module in every dev page. Mounts
 * the Svelte app into a host element of its own with a Shadow DOM root (the app's CSS cannot
 * reach in, the overlay's cannot leak out) and starts collecting data right away, so opening
 * the panel later shows what already happened.
 */
import { mount } from 'svelte';
import App from './App.svelte';
import css from './overlay.css?inline';
import { ChannelClient, type HotLike } from './data/channel-client.js';
import { EventStore } from './data/event-store.js';
import { watchPageSockets } from './data/page-tap.js';
import { parseShortcut } from './data/shortcut.js';
import type { LauncherOption } from './data/layout.js';

export interface StartOptions {
  /** This dev server's secret, for actions. */
  secret: string;
  shortcut: string;
  /** The launcher's corner, or hidden (the `devtools.launcher` option). */
  launcher: LauncherOption;
  /** Project root: the key the layout is remembered under. */
  root: string;
}

export const HOST_TAG = 'svelte-realtime-devtools';

/**
 * `hot` is the page's `import.meta.hot`: the module that imports this one passes its own, since
 * the bundled overlay (plugin/devtools/overlay-bundle.ts) is built outside the dev server.
 */
export function start(options: StartOptions, hot: HotLike | undefined = import.meta.hot): void {
  if (typeof document === 'undefined' || document.querySelector(HOST_TAG) || !hot) return;
  const host = document.createElement(HOST_TAG);
  // Outside <body>, so the app's hydration and layout never touch it.
  document.documentElement.appendChild(host);
  const shadow = host.attachShadow({ mode: 'open' });
  const style = document.createElement('style');
  style.textContent = css;
  shadow.appendChild(style);
  const target = document.createElement('div');
  target.className = 'srt-devtools';
  shadow.appendChild(target);

  const store = new EventStore();
  const tap = watchPageSockets(store);
  const channel = new ChannelClient(hot, store, options.secret);
  mount(App, { target, props: { store, tap, channel, shortcut: parseShortcut(options.shortcut), launcher: options.launcher, root: options.root } });
}
