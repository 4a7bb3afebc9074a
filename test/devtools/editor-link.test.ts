/** Open in editor: which stack-trace lines name a location, and the request the overlay makes for one. */
import { describe, expect, it } from 'vitest';
import { editorLocation, openInEditor, readStackLine, stackLines } from '../../devtools-ui/data/editor-link.js';

describe('open in editor', () => {
  it('finds the file:line:column of each stack frame, leaving node internals and text alone', () => {
    const lines = stackLines(
      [
        'Error: Refused on purpose',
        '    at refuse (/home/ada/app/src/live/m.ts:12:11)',
        '    at file:///home/ada/app/src/live/chat.ts:3:5',
        '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
        '    at C:\\app\\src\\live\\x.ts:4:2'
      ].join('\n')
    );
    expect(lines.map((l) => l.link?.location)).toEqual([undefined, '/home/ada/app/src/live/m.ts:12:11', '/home/ada/app/src/live/chat.ts:3:5', undefined, 'C:\\app\\src\\live\\x.ts:4:2']);
    expect(lines[1]).toEqual({ before: '    at refuse (', link: { shown: '/home/ada/app/src/live/m.ts:12:11', location: '/home/ada/app/src/live/m.ts:12:11' }, after: ')' });
    expect(readStackLine('    at /tmp/no-line.ts').link).toBeUndefined();
    expect(editorLocation('src/live/a.ts', 3, 7)).toBe('src/live/a.ts:3:7');
    expect(editorLocation('src/live/a.ts')).toBe('src/live/a.ts');
  });

  it("asks the dev server's /__open-in-editor for the location, and says when it could not", async () => {
    const asked: string[] = [];
    const ok = (async (url: string) => (asked.push(url), new Response(null, { status: 200 }))) as unknown as typeof fetch;
    expect(await openInEditor('/app/src/live/m.ts:12:11', ok)).toBe(true);
    expect(asked).toEqual(['/__open-in-editor?file=%2Fapp%2Fsrc%2Flive%2Fm.ts%3A12%3A11']);
    const missing = (async () => new Response(null, { status: 500 })) as unknown as typeof fetch;
    expect(await openInEditor('/x.ts:1', missing)).toBe(false);
    const offline = (async () => {
      throw new TypeError('fetch failed');
    }) as unknown as typeof fetch;
    expect(await openInEditor('/x.ts:1', offline)).toBe(false);
  });
});
