/**
 * What a handler writes to stdout/stderr during a test, as Lambda would send it to CloudWatch: every
 * line kept, and its JSON records (Powertools log lines, EMF metric records) parsed on demand.
 * Call in `beforeEach`; `vi.restoreAllMocks()` in `afterEach` puts the streams back.
 */
import { vi } from 'vitest';

export interface CapturedOutput {
  lines: string[];
  /** Forgets what was written so far. */
  clear(): void;
  /** Every line that is a JSON object. */
  records(): Record<string, unknown>[];
  /** The EMF metric records (lines with CloudWatch's `_aws` member). */
  emf(): Record<string, unknown>[];
}

export function captureOutput(streams: NodeJS.WriteStream[] = [process.stdout]): CapturedOutput {
  const lines: string[] = [];
  for (const stream of streams) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    });
  }
  const records = () =>
    lines
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return undefined;
        }
      })
      .filter((l): l is Record<string, unknown> => l !== undefined && typeof l === 'object' && l !== null);
  return {
    lines,
    clear: () => {
      lines.length = 0;
    },
    records,
    emf: () => records().filter((r) => '_aws' in r),
  };
}
