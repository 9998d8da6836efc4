// Docker cannot run on this project's machines, so the compose file and Dockerfile are kept
// honest by parsing them: the command must be one the CLI accepts, ports and volume must line up.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildProgram } from '../src/cli/main.js';

const root = join(import.meta.dirname, '..');

function startOptionNames(): Set<string> {
  const start = buildProgram().commands.find((c) => c.name() === 'start');
  if (start === undefined) throw new Error('no start command');
  return new Set(start.options.flatMap((o) => [o.long, o.short].filter((n): n is string => n !== undefined)));
}

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, { build?: string; command: string[]; ports: string[]; volumes: string[]; healthcheck?: unknown }>;
    volumes: Record<string, unknown>;
  };
  const service = compose.services['sluice']!;

  it('runs `start` with flags the CLI knows', () => {
    expect(service.command[0]).toBe('start');
    const known = startOptionNames();
    for (const arg of service.command.slice(1).filter((a) => a.startsWith('-'))) expect(known, arg).toContain(arg);
  });

  it('publishes the port it listens on, binds all interfaces and advertises localhost', () => {
    const port = service.command[service.command.indexOf('--port') + 1];
    expect(service.ports).toContain(`${port}:${port}`);
    expect(service.command[service.command.indexOf('--host') + 1]).toBe('0.0.0.0');
    expect(service.command[service.command.indexOf('--advertised-host') + 1]).toBe('localhost');
  });

  it('keeps the data directory on a named volume', () => {
    const dataDir = service.command[service.command.indexOf('--data-dir') + 1];
    const [volume, target] = service.volumes[0]!.split(':');
    expect(target).toBe(dataDir);
    expect(Object.keys(compose.volumes)).toContain(volume);
    expect(service.build).toBe('.');
  });

  it('Dockerfile builds the same bin the compose command runs', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/ENTRYPOINT \["node", "bin\/sluice\.js"\]/);
    expect(dockerfile).toMatch(/RUN npm run build/);
    expect(dockerfile).toMatch(/^FROM node:20/m);
  });
});
