/**
 * DynamoDB Local's class-data archive (AppCDS) on a real JVM, in a cache folder of this file's own: two
 * builds asked for at once make one archive; a start maps it (both JVM profiles); a start with a corrupt
 * archive (cut short, or not an archive at all) still answers; DYNAMODB_LOCAL_CDS=0 does without; a
 * build after a jar went missing makes everything anew.
 */
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildCdsArchive,
  type CdsFiles,
  type DynamoDbLocal,
  localDynamoDbClient,
  startDynamoDbLocal,
} from '#local/dynamodb/launcher.ts';

const cacheDir = mkdtempSync(join(tmpdir(), 'ddb-cds-'));
const started: DynamoDbLocal[] = [];
let cds: CdsFiles | undefined;

afterAll(async () => {
  for (const ddb of started) await ddb.stop();
  rmSync(cacheDir, { recursive: true, force: true });
});

const argv = (ddb: DynamoDbLocal) => readFileSync(`/proc/${ddb.pid}/cmdline`, 'utf8').split('\0');
/** Whether the JVM has the archive mapped into its memory (it is in use, not only named). */
const maps = (ddb: DynamoDbLocal, file: string) =>
  readFileSync(`/proc/${ddb.pid}/maps`, 'utf8').includes(file);

async function start(options: Parameters<typeof startDynamoDbLocal>[0] = {}): Promise<DynamoDbLocal> {
  const ddb = await startDynamoDbLocal({ cacheDir, startTimeoutMs: 120_000, ...options });
  started.push(ddb);
  const client = localDynamoDbClient(ddb.endpoint);
  try {
    expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual([]);
  } finally {
    client.destroy();
  }
  return ddb;
}

describe('the class-data archive DynamoDB Local starts from', () => {
  it('is built once when two builds are asked for at once, complete, with nothing left behind', async () => {
    const [a, b] = await Promise.all([buildCdsArchive({ cacheDir }), buildCdsArchive({ cacheDir })]);
    cds = a;
    expect(a).toBeDefined();
    expect(b).toEqual(a);
    const files = a as CdsFiles;
    expect(statSync(files.archive).size).toBeGreaterThan(1_000_000);
    expect(readdirSync(files.dir).sort()).toEqual(['DynamoDBLocal.jar', 'archive.jsa', 'loopback.jar']);
    // No lock, no failure note, no private build files beside it.
    expect(readdirSync(dirname(files.dir)).filter((n) => n.startsWith(basename(files.dir)))).toEqual([
      basename(files.dir),
    ]);
  }, 360_000);

  it('is mapped by a start, on either JVM profile', async () => {
    const files = cds as CdsFiles;
    for (const jvm of ['startup', 'throughput'] as const) {
      const ddb = await start({ jvm });
      expect(argv(ddb)).toContain(`-XX:SharedArchiveFile=${files.archive}`);
      expect(maps(ddb, files.archive)).toBe(true);
    }
  }, 240_000);

  it('is not used with DYNAMODB_LOCAL_CDS=0', async () => {
    const saved = process.env.DYNAMODB_LOCAL_CDS;
    process.env.DYNAMODB_LOCAL_CDS = '0';
    try {
      const ddb = await start();
      expect(argv(ddb).some((a) => a.startsWith('-XX:SharedArchiveFile'))).toBe(false);
      expect(maps(ddb, (cds as CdsFiles).archive)).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.DYNAMODB_LOCAL_CDS;
      else process.env.DYNAMODB_LOCAL_CDS = saved;
    }
  }, 120_000);

  it('when not an archive at all, the JVM ignores it and the start answers', async () => {
    const files = cds as CdsFiles;
    const good = readFileSync(files.archive);
    try {
      rmSync(files.archive);
      writeFileSync(files.archive, 'not an archive');
      const ddb = await start();
      expect(argv(ddb)).toContain(`-XX:SharedArchiveFile=${files.archive}`);
      expect(maps(ddb, files.archive)).toBe(false);
    } finally {
      rmSync(files.archive, { force: true });
      writeFileSync(files.archive, good);
    }
  }, 120_000);

  it('when cut short (the JVM crashes on it), the start answers without it and the archive is dropped', async () => {
    const files = cds as CdsFiles;
    truncateSync(files.archive, 100_000);
    const warn = console.warn;
    const warnings: string[] = [];
    console.warn = (message: string) => warnings.push(message);
    try {
      const ddb = await start();
      expect(argv(ddb).some((a) => a.startsWith('-XX:SharedArchiveFile'))).toBe(false);
    } finally {
      console.warn = warn;
    }
    expect(warnings.join('\n')).toMatch(/stopped the JVM; starting without it/);
    expect(existsSync(files.archive)).toBe(false);
    // Why, for whoever looks; and no new build for a day (the next start does not take the lock).
    expect(readFileSync(files.failed, 'utf8')).toMatch(/fatal error/i);
    await start();
    expect(existsSync(files.lock)).toBe(false);
    // The crash report went to the cache folder, not into node_modules.
    expect(readdirSync(cacheDir).some((n) => n.startsWith('dynamodb-local-hs_err_pid'))).toBe(true);
  }, 240_000);

  it('is made anew, jars and all, when a jar it was made with is gone (a temp-folder cleaner)', async () => {
    const files = cds as CdsFiles;
    rmSync(join(files.dir, 'loopback.jar'));
    expect(await buildCdsArchive({ cacheDir })).toEqual(files);
    expect(existsSync(files.failed)).toBe(false);
    const ddb = await start();
    expect(maps(ddb, files.archive)).toBe(true);
  }, 360_000);
});
