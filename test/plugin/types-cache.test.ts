/**
 * generateTypes keeps each module's declarations while its module object lives (LiveProject
 * makes a new one when the file changes): a save re-renders one block, and what is written
 * never lags behind the export tables.
 */
import { describe, expect, it } from 'vitest';
import { generateTypes, type LiveModule } from '../../plugin/generate.js';

const at = { line: 1, column: 1 };
const chat = (names: string[]): LiveModule => ({
  path: 'chat',
  file: '/app/src/live/chat.ts',
  relative: 'src/live/chat.ts',
  exports: names.map((name) => ({ name, kind: 'live' as const, position: at }))
});

describe('generateTypes per-module reuse', () => {
  it('renders the same text from a kept module and follows a replaced one', () => {
    const before = chat(['send']);
    const first = generateTypes([before], '/app/src/live');
    expect(generateTypes([before], '/app/src/live')).toBe(first);
    const after = chat(['send', 'edit']);
    const second = generateTypes([after], '/app/src/live');
    expect(second).toContain('export const edit: Client<Server["edit"]>;');
    expect(second).not.toBe(first);
  });

  it('renders again for another folder', () => {
    const module = chat(['send']);
    expect(generateTypes([module], '/app/src/live')).toContain('typeof import("./chat.js")');
    expect(generateTypes([module], '/app/src')).toContain('typeof import("./live/chat.js")');
  });
});
