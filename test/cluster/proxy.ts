/**
 * A load balancer for the cluster tests: a TCP proxy on 127.0.0.1 that hands each new
 * connection (WebSocket upgrades included) to the next backend in turn, skipping a backend that
 * refuses the connection, as a TCP load balancer with health checks would.
 */
import net from 'node:net';

export interface TestProxy {
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startProxy(backends: () => number[]): Promise<TestProxy> {
  let turn = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    const ports = backends();
    const tryBackend = (attempt: number) => {
      if (attempt >= ports.length) return client.destroy();
      const port = ports[turn++ % ports.length]!;
      const upstream = net.connect(port, '127.0.0.1');
      upstream.once('connect', () => {
        sockets.add(upstream);
        upstream.on('close', () => {
          sockets.delete(upstream);
          client.destroy();
        });
        client.on('close', () => upstream.destroy());
        upstream.on('error', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
      upstream.once('error', () => tryBackend(attempt + 1));
    };
    tryBackend(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    url: `ws://127.0.0.1:${port}/__realtime`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      })
  };
}
