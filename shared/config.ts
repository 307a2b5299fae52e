/**
 * Reads a required environment variable once, at module load, and fails loudly with its name: a
 * misconfigured function should not start, rather than fail on its first request.
 */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new Error(`Missing required environment variable ${name}`);
  }
  return value;
}
