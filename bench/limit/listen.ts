// The limit servers' common life cycle: listen on a loopback port, print the line the benchmark
// waits for, and stop on SIGTERM or when the parent closes stdin (so a crashed benchmark does not
// leave a server behind).
import type { Server } from 'node:net';

export function listenUntilStopped(server: Server, onStop: () => void, onListening: (port: number) => void = () => undefined): void {
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    onListening(port);
    process.stdout.write(`limit: listening on 127.0.0.1:${port}\n`);
  });
  const stop = (): void => {
    server.close();
    onStop();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}
