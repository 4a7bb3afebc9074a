import { describe, expect, it } from 'vitest';
import { generateClientStub, generateRegistry, generateTypes, type LiveModule } from '../../plugin/generate.js';

const chat: LiveModule = {
  path: 'chat',
  file: '/app/src/live/chat.ts',
  relative: 'src/live/chat.ts',
  exports: [
    { name: 'sendMessage', kind: 'live', position: { line: 3, column: 1 } },
    { name: 'messages', kind: 'stream', topic: { type: 'static', value: 'messages' }, position: { line: 8, column: 1 } },
    { name: 'room', kind: 'stream', topic: { type: 'dynamic' }, position: { line: 9, column: 1 } },
    { name: 'auth', kind: 'guard', position: { line: 2, column: 1 } }
  ]
};

describe('client stub', () => {
  it('exports one call per handler and nothing of the server', () => {
    expect(generateClientStub(chat)).toBe(
      [
        `import { __rpc, __stream, __streamFactory } from "svelte-realtime/internal/client";`,
        `export const sendMessage = /*#__PURE__*/ __rpc("chat/sendMessage");`,
        `export const messages = /*#__PURE__*/ __stream("chat/messages");`,
        `export const room = /*#__PURE__*/ __streamFactory("chat/room");`,
        ''
      ].join('\n')
    );
  });

  it('never exports a guard, and an empty module is an empty stub', () => {
    const guardOnly = { ...chat, exports: [chat.exports[3]!] };
    expect(generateClientStub(guardOnly)).toBe('\n');
  });
});

describe('server registry', () => {
  it('imports every module and registers its export table', () => {
    const code = generateRegistry({ modules: [chat], hooksFile: '/app/src/hooks.ws.ts', dev: false, origins: ['https://a.example'] });
    expect(code).toContain(`import * as m0 from "/app/src/live/chat.ts";`);
    expect(code).toContain(`import * as hooks from "/app/src/hooks.ws.ts";`);
    expect(code).toContain(
      `{ path: "chat", file: "src/live/chat.ts", namespace: m0, exports: [["sendMessage", "live"], ["messages", "stream"], ["room", "stream"], ["auth", "guard"]] }`
    );
    expect(code).toContain(`options: { dev: false, origins: ["https://a.example"] }`);
  });

  it('works with no hooks file and no modules', () => {
    const code = generateRegistry({ modules: [], dev: true, origins: [] });
    expect(code).toContain('hooks: {}');
    expect(code).not.toContain('import * as hooks');
  });
});

describe('types', () => {
  it('declares each $live module with types inferred from the source', () => {
    const admin: LiveModule = { ...chat, path: 'admin/users', file: '/app/src/live/admin/users.ts', exports: [chat.exports[0]!] };
    const types = generateTypes([chat, admin], '/app/src/live');
    expect(types).toContain(`declare module "$live/chat" {`);
    expect(types).toContain(`  type Server = typeof import("./chat.js");`);
    expect(types).toContain(`  export const sendMessage: Client<Server["sendMessage"]>;`);
    expect(types).toContain(`  export const room: Client<Server["room"]>;`);
    expect(types).not.toContain('Server["auth"]');
    expect(types).toContain(`declare module "$live/admin/users" {`);
    expect(types).toContain(`  type Server = typeof import("./admin/users.js");`);
  });
});

describe('cron, derived, effect and aggregate', () => {
  const dashboard: LiveModule = {
    path: 'dashboard',
    file: '/app/src/live/dashboard.ts',
    relative: 'src/live/dashboard.ts',
    exports: [
      { name: 'tick', kind: 'cron', position: { line: 2, column: 1 } },
      { name: 'total', kind: 'derived', topic: { type: 'static' }, position: { line: 3, column: 1 } },
      { name: 'unread', kind: 'derived', topic: { type: 'dynamic' }, position: { line: 4, column: 1 } },
      { name: 'audit', kind: 'effect', position: { line: 5, column: 1 } },
      { name: 'counts', kind: 'aggregate', position: { line: 6, column: 1 } }
    ]
  };

  it('gives derived and aggregate exports stream stubs, and cron and effect nothing', () => {
    expect(generateClientStub(dashboard)).toBe(
      [
        `import { __stream, __streamFactory } from "svelte-realtime/internal/client";`,
        `export const total = /*#__PURE__*/ __stream("dashboard/total");`,
        `export const unread = /*#__PURE__*/ __streamFactory("dashboard/unread");`,
        `export const counts = /*#__PURE__*/ __stream("dashboard/counts");`,
        ''
      ].join('\n')
    );
    expect(generateClientStub({ ...dashboard, exports: [dashboard.exports[0]!, dashboard.exports[3]!] })).toBe('\n');
  });

  it('registers every kind, and declares only the client-facing ones', () => {
    const code = generateRegistry({ modules: [dashboard], dev: false, origins: [] });
    expect(code).toContain(`exports: [["tick", "cron"], ["total", "derived"], ["unread", "derived"], ["audit", "effect"], ["counts", "aggregate"]]`);
    const types = generateTypes([dashboard], '/app/src/live');
    expect(types).toContain(`  export const total: Client<Server["total"]>;`);
    expect(types).toContain(`  export const unread: Client<Server["unread"]>;`);
    expect(types).toContain(`  export const counts: Client<Server["counts"]>;`);
    expect(types).not.toContain('Server["tick"]');
    expect(types).not.toContain('Server["audit"]');
  });
});

describe('binary, channel and room', () => {
  const collab: LiveModule = {
    path: 'collab',
    file: '/app/src/live/collab.ts',
    relative: 'src/live/collab.ts',
    exports: [
      { name: 'upload', kind: 'binary', position: { line: 2, column: 1 } },
      { name: 'typing', kind: 'channel', topic: { type: 'static', value: 'typing' }, position: { line: 3, column: 1 } },
      { name: 'pointer', kind: 'channel', topic: { type: 'dynamic' }, position: { line: 4, column: 1 } },
      { name: 'board', kind: 'room', position: { line: 5, column: 1 } },
      { name: 'save', kind: 'live', position: { line: 6, column: 1 } }
    ]
  };

  it('gives each its client export', () => {
    expect(generateClientStub(collab)).toBe(
      [
        `import { __binary, __channel, __channelFactory, __room, __rpc } from "svelte-realtime/internal/client";`,
        `export const upload = /*#__PURE__*/ __binary("collab/upload");`,
        `export const typing = /*#__PURE__*/ __channel("collab/typing");`,
        `export const pointer = /*#__PURE__*/ __channelFactory("collab/pointer");`,
        `export const board = /*#__PURE__*/ __room("collab/board");`,
        `export const save = /*#__PURE__*/ __rpc("collab/save");`,
        ''
      ].join('\n')
    );
  });

  it('registers and declares each', () => {
    const code = generateRegistry({ modules: [collab], dev: false, origins: [] });
    expect(code).toContain(`exports: [["upload", "binary"], ["typing", "channel"], ["pointer", "channel"], ["board", "room"], ["save", "live"]]`);
    const types = generateTypes([collab], '/app/src/live');
    for (const name of ['upload', 'typing', 'pointer', 'board', 'save']) expect(types).toContain(`  export const ${name}: Client<Server["${name}"]>;`);
  });
});
