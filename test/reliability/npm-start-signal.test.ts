// `npm start` as an operator or a container runtime runs it: stopping the npm process (SIGTERM,
// or Ctrl-C's SIGINT) must stop the gateway itself, gracefully, and free its port. (A script run
// through `sh -c` without exec leaves the gateway running on after npm has exited.)
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from './cluster.js';

/** Pids of the processes whose environment carries `marker` (ours: the same user). */
function processesWith(marker: string): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`, 'latin1').includes(marker)) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'latin1').replaceAll('\0', ' ');
      found.push({ pid: Number(entry), cmdline });
    } catch {
      // gone meanwhile, or not ours
    }
  }
  return found;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function startNpm(signal: 'SIGTERM' | 'SIGINT') {
  const port = await freePort();
  const marker = `GATEWAY_SIGNAL_TEST=${randomUUID()}`;
  const npm: ChildProcess = spawn('npm', ['start', '--silent'], {
    env: {
      ...process.env,
      [marker.split('=')[0]!]: marker.split('=')[1]!,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: '',
      DATA_DIR: 'memory://',
      DEMO: 'off',
      INGEST: 'off',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout!.on('data', (c: Buffer) => {
    output += c.toString();
  });
  npm.stderr!.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const exited = new Promise<void>((resolve) => npm.on('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  while (!output.includes('Gateway ready')) {
    if (Date.now() > deadline || npm.exitCode !== null) throw new Error(`no start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const gateways = processesWith(marker).filter((p) => p.cmdline.includes('dist/main.js'));
  expect(gateways.length).toBeGreaterThan(0);
  expect(await portOpen(port)).toBe(true);
  npm.kill(signal);
  await exited;
  return { port, marker, output: () => output };
}

describe('npm start', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'stops the gateway gracefully when the npm process gets %s',
    async (signal) => {
      const { port, marker, output } = await startNpm(signal);
      // The gateway shut down by itself (it logs 'stopped' after draining) ...
      const deadline = Date.now() + 10_000;
      while (processesWith(marker).length > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const left = processesWith(marker);
      for (const { pid } of left) process.kill(pid, 'SIGKILL'); // do not leak it past the test
      expect(left).toEqual([]);
      expect(output()).toContain(`"signal":"${signal}"`);
      expect(output()).toContain('"msg":"stopped"');
      // ... and its port is free.
      expect(await portOpen(port)).toBe(false);
    },
    90_000,
  );
});
