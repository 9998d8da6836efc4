import { afterEach, describe, expect, it, vi } from 'vitest';
import { isCI, probeClient, requireClient } from './real-clients.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('isCI', () => {
  it('is true for any CI value but empty, 0 and false', () => {
    expect(isCI({ CI: 'true' })).toBe(true);
    expect(isCI({ CI: '1' })).toBe(true);
    expect(isCI({ CI: 'woodpecker' })).toBe(true);
    expect(isCI({})).toBe(false);
    expect(isCI({ CI: '' })).toBe(false);
    expect(isCI({ CI: '0' })).toBe(false);
    expect(isCI({ CI: 'FALSE' })).toBe(false);
  });
});

describe('requireClient', () => {
  // node is always there; a command that cannot exist is always missing.
  const present = [process.execPath, '-e', ''] as const;
  const missing = ['/nonexistent/sluice-no-such-client', '-V'] as const;

  it('runs command probes and function probes', () => {
    expect(probeClient(present)).toBe(true);
    expect(probeClient([process.execPath, '-e', 'process.exit(3)'])).toBe(false);
    expect(probeClient(missing)).toBe(false);
    expect(probeClient(() => true)).toBe(true);
    expect(probeClient(() => { throw new Error('no'); })).toBe(false);
  });

  it('returns true for an installed client, in CI or not', () => {
    expect(requireClient('node-a', present, {})).toBe(true);
    expect(requireClient('node-b', present, { CI: 'true' })).toBe(true);
  });

  it('skips a missing client loudly, once, outside CI', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(requireClient('ghost', missing, {})).toBe(false);
    expect(requireClient('ghost', missing, {})).toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/ghost NOT FOUND .*SKIPPING/s);
  });

  it('throws for a missing client in CI', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(() => requireClient('ghost-ci', missing, { CI: 'true' })).toThrow(/ghost-ci is not installed.*CI must run/);
    // Even after a local skip was decided for the same client.
    expect(requireClient('ghost-ci2', missing, {})).toBe(false);
    expect(() => requireClient('ghost-ci2', missing, { CI: '1' })).toThrow(/not installed/);
  });
});
