// The gateway as a real process (the same entry `npm start` runs), for fault tests that need the
// process-level behaviour: the driver, uncaught-exception handling, signals.
import { type ChildProcess, spawn } from 'node:child_process';

export interface GatewayProcess {
  child: ChildProcess;
  base: string;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

/** Waits for the start-up banner's GraphQL URL; `command` defaults to what `npm start` runs. */
export async function startGatewayProcess(
  env: Record<string, string>,
  command: { file: string; args: string[] } = {
    file: process.execPath,
    args: ['--enable-source-maps', 'dist/main.js'],
  },
): Promise<GatewayProcess> {
  const child = spawn(command.file, command.args, {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 60 s:\n${output}`)), 60_000);
    const poll = setInterval(() => {
      const match = /GraphQL \+ GraphiQL\s+(http:\/\/\S+)\/graphql/.exec(output);
      if (match) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(match[1]!);
      }
    }, 20);
    void exited.then(() => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`exited before listening:\n${output}`));
    });
  });
  return {
    child,
    base,
    output: () => output,
    exited,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
