/**
 * Runs a bench helper script in a child process and talks to it over IPC: `request(message)`
 * sends one message and resolves with the child's next reply. Clients live in children so the
 * process under measurement only does the server's work.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function startChild(script, { execArgv = [] } = {}) {
  const file = fileURLToPath(new URL(script, import.meta.url));
  const child = fork(file, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = [];
  let exited = null;
  child.on('message', (message) => {
    const next = waiting.shift();
    if (!next) return;
    if (message && message.error) next.reject(new Error(`${script}: ${message.error}`));
    else next.resolve(message);
  });
  child.on('exit', (code) => {
    exited = code;
    for (const w of waiting.splice(0)) w.reject(new Error(`${script} exited with code ${code}`));
  });
  return {
    request(message) {
      if (exited !== null) return Promise.reject(new Error(`${script} has exited`));
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        child.send(message);
      });
    },
    /** Resolves with the child's next message that answers no request (a report it sends by itself). */
    next() {
      if (exited !== null) return Promise.reject(new Error(`${script} has exited`));
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    async close() {
      if (exited !== null) return;
      const done = new Promise((resolve) => child.once('exit', resolve));
      child.send({ t: 'exit' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(timer);
    }
  };
}

/** In a child: answers each request from the parent with `handle(message)`'s result. */
export function serveParent(handle) {
  process.on('message', async (message) => {
    if (message.t === 'exit') {
      process.disconnect();
      process.exit(0);
    }
    try {
      process.send(await handle(message));
    } catch (error) {
      process.send({ error: error instanceof Error ? error.stack ?? error.message : String(error) });
    }
  });
}
