/**
 * The overlay's remembered layout, per project: open or closed, size, position, active tab.
 * Kept in localStorage under a key made from the project root, so two apps on the same
 * origin (one after the other on port 5173) do not share it.
 */

export const TABS = ['rpc', 'streams', 'trace', 'cron', 'hmr', 'connections'] as const;
export type Tab = (typeof TABS)[number];

export interface Layout {
  open: boolean;
  tab: Tab;
  /** Distance from the viewport's right and bottom edges, in px. */
  right: number;
  bottom: number;
  width: number;
  height: number;
}

export const DEFAULT_LAYOUT: Layout = { open: false, tab: 'rpc', right: 16, bottom: 68, width: 880, height: 520 };

export const MIN_WIDTH = 420;
export const MIN_HEIGHT = 260;

export function layoutKey(root: string): string {
  return `svelte-realtime:devtools:${root}`;
}

type StorageLike = Pick<Storage, 'getItem' | 'setItem'>;

/** The saved layout, with anything missing or out of range replaced by defaults. */
export function loadLayout(storage: StorageLike | undefined, root: string): Layout {
  let saved: Partial<Layout> = {};
  try {
    const text = storage?.getItem(layoutKey(root));
    if (text) saved = JSON.parse(text) as Partial<Layout>;
  } catch {
    // unreadable or blocked storage: defaults
  }
  const number = (v: unknown, fallback: number, min: number) => (typeof v === 'number' && Number.isFinite(v) && v >= min ? v : fallback);
  return {
    open: typeof saved.open === 'boolean' ? saved.open : DEFAULT_LAYOUT.open,
    tab: TABS.includes(saved.tab as Tab) ? (saved.tab as Tab) : DEFAULT_LAYOUT.tab,
    right: number(saved.right, DEFAULT_LAYOUT.right, 0),
    bottom: number(saved.bottom, DEFAULT_LAYOUT.bottom, 0),
    width: number(saved.width, DEFAULT_LAYOUT.width, MIN_WIDTH),
    height: number(saved.height, DEFAULT_LAYOUT.height, MIN_HEIGHT)
  };
}

export function saveLayout(storage: StorageLike | undefined, root: string, layout: Layout): void {
  try {
    storage?.setItem(layoutKey(root), JSON.stringify(layout));
  } catch {
    // full or blocked storage: the layout is just not remembered
  }
}

/** Keeps the panel on screen after the viewport shrank. */
export function fitLayout(layout: Layout, viewport: { width: number; height: number }): Layout {
  const width = Math.max(MIN_WIDTH, Math.min(layout.width, viewport.width - 16));
  const height = Math.max(MIN_HEIGHT, Math.min(layout.height, viewport.height - 16));
  const right = Math.max(0, Math.min(layout.right, viewport.width - 120));
  const bottom = Math.max(0, Math.min(layout.bottom, viewport.height - 60));
  return { ...layout, width, height, right, bottom };
}
