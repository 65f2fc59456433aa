// Types of scripts/build.mjs for the TypeScript that imports it (the benchmark).
export function bundle(
  entryPoints: Record<string, string>,
  outdir: string,
  workingDir?: string,
): Promise<void>;
export function buildAll(): Promise<void>;
