import { resolve } from 'node:path';
import * as z from 'zod';

const port = (fallback: number) => z.coerce.number().int().min(1).max(65_535).default(fallback);

/** The local cloud's settings, read once from the environment; a bad value stops start-up with its name. */
export const LocalConfigSchema = z.object({
  PORT: port(3000),
  SFN_PORT: port(8083),
  DYNAMODB_PORT: port(8000),
  DATA_DIR: z.string().min(1).max(1024).default('.data'),
});

export interface LocalConfig {
  httpPort: number;
  sfnPort: number;
  dynamodbPort: number;
  /** Absolute folder for everything the local cloud keeps between runs (git-ignored). */
  dataDir: string;
}

export function readLocalConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): LocalConfig {
  const parsed = LocalConfigSchema.safeParse({
    PORT: env.PORT || undefined,
    SFN_PORT: env.SFN_PORT || undefined,
    DYNAMODB_PORT: env.DYNAMODB_PORT || undefined,
    DATA_DIR: env.DATA_DIR || undefined,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid local cloud configuration: ${problems}`);
  }
  const c = parsed.data;
  return {
    httpPort: c.PORT,
    sfnPort: c.SFN_PORT,
    dynamodbPort: c.DYNAMODB_PORT,
    dataDir: resolve(cwd, c.DATA_DIR),
  };
}
