// Types of scripts/build-console.mjs for the TypeScript callers (tests, the server build).
export interface ConsoleBuild {
  outdir: string;
  /** The files written, relative to outdir. */
  files: string[];
}

export function buildConsole(options?: {
  outdir?: string;
  minify?: boolean;
}): Promise<ConsoleBuild>;
