/**
 * The overlay's remembered layout, per project: open or closed, size, position, active tab,
 * and where the launcher sits (dragged along an edge) or that it is hidden.
 * Kept in localStorage under a key made from the project root, so two apps on the same
 * origin (one after the other on port 5173) do not share it.
 */

export const TABS = ['rpc', 'streams', 'trace', 'cron', 'hmr', 'connections'] as const;
export type Tab = (typeof TABS)[number];

export const EDGES = ['top', 'right', 'bottom', 'left'] as const;
export type Edge = (typeof EDGES)[number];

/** Where the launcher sits: on an edge of the viewport, `at` of the way along it (0 = top or left end). */
export interface LauncherSpot {
  edge: Edge;
  at: number;
}

/** The launcher's corner as the `devtools.launcher` option names it, or `hidden`. */
export type LauncherOption = 'bottom-right' | 'bottom-left' | 'top-right' | 'top-left' | 'hidden';

export interface Layout {
  open: boolean;
  tab: Tab;
  /** Where the user dragged the launcher; null for the corner the option names. */
  launcher: LauncherSpot | null;
  /** Hidden from the panel's menu: only the shortcut opens the panel. Null: as the option says. */
  launcherHidden: boolean | null;
  /** Distance from the viewport's right and bottom edges, in px. */
  right: number;
  bottom: number;
  width: number;
  height: number;
}

export const DEFAULT_LAYOUT: Layout = { open: false, tab: 'rpc', launcher: null, launcherHidden: null, right: 16, bottom: 68, width: 880, height: 520 };

/** The smallest panel on a wide screen; a narrower viewport gets a panel as wide as it (less a margin). */
export const MIN_WIDTH = 420;
/** The narrowest panel at all: a phone-sized window still gets a usable one. */
export const NARROW_WIDTH = 280;
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
    launcher: readSpot(saved.launcher),
    launcherHidden: typeof saved.launcherHidden === 'boolean' ? saved.launcherHidden : null,
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

/** Keeps the panel on screen after the viewport shrank; a viewport narrower than MIN_WIDTH gets a panel its width. */
export function fitLayout(layout: Layout, viewport: { width: number; height: number }): Layout {
  const min = Math.max(NARROW_WIDTH, Math.min(MIN_WIDTH, viewport.width - 16));
  const width = Math.max(min, Math.min(layout.width, viewport.width - 16));
  const height = Math.max(MIN_HEIGHT, Math.min(layout.height, viewport.height - 16));
  const right = Math.max(0, Math.min(layout.right, viewport.width - 120));
  const bottom = Math.max(0, Math.min(layout.bottom, viewport.height - 60));
  return { ...layout, width, height, right, bottom };
}

/** The spot a launcher option's corner stands for. */
export function cornerSpot(option: LauncherOption): LauncherSpot {
  switch (option) {
    case 'bottom-left':
      return { edge: 'bottom', at: 0 };
    case 'top-right':
      return { edge: 'top', at: 1 };
    case 'top-left':
      return { edge: 'top', at: 0 };
    default:
      return { edge: 'bottom', at: 1 };
  }
}

/** The spot on the nearest edge to a point where a drag let go (viewport px). */
export function nearestSpot(x: number, y: number, viewport: { width: number; height: number }): LauncherSpot {
  const distances: [Edge, number][] = [
    ['top', y],
    ['right', viewport.width - x],
    ['bottom', viewport.height - y],
    ['left', x]
  ];
  const [edge] = distances.reduce((best, next) => (next[1] < best[1] ? next : best));
  const along = edge === 'top' || edge === 'bottom' ? x / Math.max(1, viewport.width) : y / Math.max(1, viewport.height);
  return { edge, at: Math.min(1, Math.max(0, along)) };
}

/** The launcher's CSS position for a spot: 16 px off its edge and at least 16 px from either end (40 px wide). */
export function spotStyle(spot: LauncherSpot): { top?: string; right?: string; bottom?: string; left?: string } {
  const along = `calc((100% - 72px) * ${spot.at} + 16px)`;
  switch (spot.edge) {
    case 'top':
      return { top: '16px', left: along };
    case 'bottom':
      return { bottom: '16px', left: along };
    case 'left':
      return { left: '16px', top: `calc((100vh - 72px) * ${spot.at} + 16px)` };
    case 'right':
      return { right: '16px', top: `calc((100vh - 72px) * ${spot.at} + 16px)` };
  }
}

function readSpot(value: unknown): LauncherSpot | null {
  if (typeof value !== 'object' || value === null) return null;
  const { edge, at } = value as Partial<LauncherSpot>;
  if (!EDGES.includes(edge as Edge) || typeof at !== 'number' || !(at >= 0 && at <= 1)) return null;
  return { edge: edge as Edge, at };
}
