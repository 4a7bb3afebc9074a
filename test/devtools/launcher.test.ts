/**
 * The launcher out of the app's way: its corner as an option (a typed error for a bad one), a
 * drag that lands on the nearest edge and is remembered per project, hidden as a choice that is
 * remembered too; and a panel that fits a narrow window.
 */
import { describe, expect, it } from 'vitest';
import { cornerSpot, DEFAULT_LAYOUT, fitLayout, loadLayout, nearestSpot, saveLayout, spotStyle } from '../../devtools-ui/data/layout.js';
import { resolveOptions } from '../../plugin/options.js';

function memoryStorage() {
  const data = new Map<string, string>();
  return { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v), data };
}

describe('devtools.launcher option', () => {
  it('takes a corner or hidden, and refuses anything else naming the choices', () => {
    expect(resolveOptions({ devtools: { launcher: 'top-left' } }).devtools).toEqual({ shortcut: 'ctrl+shift+KeyL', launcher: 'top-left' });
    expect(resolveOptions({ devtools: { launcher: 'hidden' } }).devtools).toMatchObject({ launcher: 'hidden' });
    expect(() => resolveOptions({ devtools: { launcher: 'middle' } })).toThrow(
      "svelte-realtime: devtools.launcher must be one of 'bottom-right', 'bottom-left', 'top-right', 'top-left', 'hidden'; got \"middle\""
    );
    expect(() => resolveOptions({ devtools: { launcher: 3 } })).toThrow(/devtools.launcher must be one of/);
  });
});

describe('launcher placement', () => {
  it('puts each corner on its edge', () => {
    expect(cornerSpot('bottom-right')).toEqual({ edge: 'bottom', at: 1 });
    expect(cornerSpot('top-left')).toEqual({ edge: 'top', at: 0 });
    expect(spotStyle({ edge: 'bottom', at: 1 })).toMatchObject({ bottom: '16px' });
    expect(spotStyle({ edge: 'left', at: 0.5 })).toMatchObject({ left: '16px' });
  });

  it('lands a drag on the nearest edge, at the point along it where it let go', () => {
    const viewport = { width: 1000, height: 800 };
    expect(nearestSpot(500, 790, viewport)).toEqual({ edge: 'bottom', at: 0.5 });
    expect(nearestSpot(5, 200, viewport)).toEqual({ edge: 'left', at: 0.25 });
    expect(nearestSpot(990, 400, viewport)).toEqual({ edge: 'right', at: 0.5 });
    expect(nearestSpot(-50, 10, viewport)).toEqual({ edge: 'left', at: 0.0125 });
  });

  it('remembers where it was dragged and whether it is hidden, per project; ignores a spot that is not one', () => {
    const storage = memoryStorage();
    saveLayout(storage, '/app', { ...DEFAULT_LAYOUT, launcher: { edge: 'left', at: 0.3 }, launcherHidden: true });
    expect(loadLayout(storage, '/app')).toMatchObject({ launcher: { edge: 'left', at: 0.3 }, launcherHidden: true });
    expect(loadLayout(storage, '/other')).toMatchObject({ launcher: null, launcherHidden: null });
    storage.data.set('svelte-realtime:devtools:/app', JSON.stringify({ launcher: { edge: '__proto__', at: 0.3 }, launcherHidden: 'yes' }));
    expect(loadLayout(storage, '/app')).toMatchObject({ launcher: null, launcherHidden: null });
    storage.data.set('svelte-realtime:devtools:/app', JSON.stringify({ launcher: { edge: 'top', at: 7 } }));
    expect(loadLayout(storage, '/app').launcher).toBeNull();
  });
});

describe('a narrow window', () => {
  it('gets a panel as wide as it allows (less a margin), never wider than the screen', () => {
    const fitted = fitLayout({ ...DEFAULT_LAYOUT, width: 880, right: 16 }, { width: 400, height: 800 });
    expect(fitted.width).toBe(384);
    expect(fitted.width + fitted.right).toBeLessThanOrEqual(400);
    expect(fitLayout({ ...DEFAULT_LAYOUT }, { width: 1000, height: 800 }).width).toBe(880);
  });
});
