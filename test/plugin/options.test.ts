import { describe, expect, it } from 'vitest';
import { RealtimeOptionsError, resolveOptions } from '../../plugin/options.js';
import realtime from '../../plugin/index.js';

describe('realtime() options', () => {
  it('has defaults that need no configuration', () => {
    expect(resolveOptions()).toEqual({ dir: 'src/live', typedImports: true, devtools: { shortcut: 'ctrl+shift+KeyL' }, origins: [] });
    expect(resolveOptions({ dir: 'src/server/live/' }).dir).toBe('src/server/live');
  });

  it.each([
    [{ dir: '' }, /dir must be a folder path/],
    [{ dir: 42 }, /dir must be a folder path/],
    [{ typedImports: 'yes' }, /typedImports must be true or false/],
    [{ devtools: 1 }, /devtools must be true, false or \{ shortcut/],
    [{ devtools: { shortcut: 'L' } }, /devtools.shortcut must be modifiers/],
    [{ devtools: { shortcut: 'ctrl+l' } }, /devtools.shortcut must be modifiers/],
    [{ devtools: { shortcut: 'hyper+KeyL' } }, /devtools.shortcut must be modifiers/],
    [{ devtools: { key: 'KeyL' } }, /unknown devtools option "key"/],
    [{ origins: 'https://a.example' }, /origins must be an array/],
    [{ origins: ['https://a.example/path'] }, /is not an origin/],
    [{ origins: ['not a url'] }, /is not an origin/],
    [{ dri: 'src/live' }, /unknown option "dri"/],
    ['src/live', /takes an options object/]
  ])('refuses %j with a message that says what to write', (input, message) => {
    expect(() => resolveOptions(input)).toThrow(RealtimeOptionsError);
    expect(() => resolveOptions(input)).toThrow(message);
  });

  it('takes devtools as true, false or a shortcut', () => {
    expect(resolveOptions({ devtools: false }).devtools).toBe(false);
    expect(resolveOptions({ devtools: { shortcut: 'alt+shift+Digit1' } }).devtools).toEqual({ shortcut: 'alt+shift+Digit1' });
    expect(resolveOptions({ devtools: {} }).devtools).toEqual({ shortcut: 'ctrl+shift+KeyL' });
  });

  it('fails when the plugin is created, not later', () => {
    expect(() => realtime({ dir: '' })).toThrow(/svelte-realtime: dir must be/);
  });

  it('returns small plugins named svelte-realtime:<task>', () => {
    const names = realtime().map((p) => p.name);
    expect(names.every((n) => n.startsWith('svelte-realtime:'))).toBe(true);
    expect(names).toEqual(expect.arrayContaining(['svelte-realtime:stubs', 'svelte-realtime:registry', 'svelte-realtime:server']));
  });
});
