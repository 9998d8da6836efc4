// Starts and stops one Sluice broker process for one client's scenarios, so a
// client that wedges or corrupts the broker cannot spoil the next client's run.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, createWriteStream } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Asks the kernel for a free loopback port, then releases it for the broker. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/**
 * Starts `node bin/sluice.js start` and waits until its port accepts TCP.
 * Resolves to a handle whose `error` is set when it did not come up; the
 * broker's own output goes to `logFile` for post-mortems.
 */
export async function startBroker({ repoRoot, logFile, memory = false, startTimeoutMs = 20_000 }) {
  const entry = path.join(repoRoot, 'bin', 'sluice.js');
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-compat-'));
  const handle = { port, dataDir, bootstrap: `localhost:${port}`, error: null, exited: null, child: null };
  if (!existsSync(entry)) {
    handle.error = `${path.relative(repoRoot, entry)} does not exist (is the broker built?)`;
    return handle;
  }
  // The controller listener defaults to port + 1, which another socket may hold: let it pick a free one.
  const args = [entry, 'start', '--port', String(port), '--controller-port', '0', '--data-dir', dataDir];
  if (memory) args.push('--memory');
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  handle.child = child;
  child.on('exit', (code, signal) => {
    handle.exited = signal ? `signal ${signal}` : `exit code ${code}`;
  });
  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline) {
    if (handle.exited) {
      handle.error = `broker exited during start-up (${handle.exited}); see ${logFile}`;
      return handle;
    }
    if (await canConnect(port)) return handle;
    await new Promise((r) => setTimeout(r, 200));
  }
  handle.error = `broker did not accept connections on port ${port} within ${startTimeoutMs} ms; see ${logFile}`;
  await stopBroker(handle);
  return handle;
}

/** SIGTERM, then SIGKILL after a grace period; removes the data dir. */
export async function stopBroker(handle, graceMs = 5000) {
  const child = handle.child;
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
  rmSync(handle.dataDir, { recursive: true, force: true });
}
