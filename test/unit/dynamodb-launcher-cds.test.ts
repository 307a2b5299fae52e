import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CdsFiles,
  cdsEnabled,
  cdsFiles,
  type JavaCommandInput,
  javaCommandLine,
} from '#local/dynamodb/launcher.ts';

const root = mkdtempSync(join(tmpdir(), 'ddb-launcher-cds-'));
const folder = join(root, 'dynamodb_local');
mkdirSync(join(folder, 'DynamoDBLocal_lib'), { recursive: true });
// Out of order on purpose, with a native library that is no jar.
for (const name of ['netty-all-4.1.jar', 'Log4j-api-2.x.jar', 'libsqlite4java-linux-amd64.so', 'IonJava.jar'])
  writeFileSync(join(folder, 'DynamoDBLocal_lib', name), '');

afterAll(() => rmSync(root, { recursive: true, force: true }));

const cds: CdsFiles = {
  dir: '/cache/cds',
  archive: '/cache/cds/archive.jsa',
  classpath: ['/cache/cds/loopback.jar', '/cache/cds/DynamoDBLocal.jar', '/ddb/lib/a.jar'],
  lock: '/cache/cds.lock',
  failed: '/cache/cds.failed',
};

const input = (over: Partial<JavaCommandInput> = {}): JavaCommandInput => ({
  folder: '/ddb',
  classes: '/cache/loopback',
  cds: undefined,
  javaOptions: ['-Xmx512m', '-Xshare:off'],
  errorFile: '/cache/hs_err_pid%p.log',
  port: 8000,
  dataDir: undefined,
  ...over,
});

describe('javaCommandLine (the java arguments of a DynamoDB Local start)', () => {
  it('without an archive: the launcher classes and DynamoDB Local class path, no CDS flag', () => {
    const args = javaCommandLine(input());
    expect(args.some((a) => a.startsWith('-XX:SharedArchiveFile'))).toBe(false);
    expect(args.some((a) => a.startsWith('-XX:ErrorFile'))).toBe(false);
    const cp = args[args.indexOf('-cp') + 1];
    expect(cp?.split(delimiter)).toEqual([
      '/cache/loopback',
      '/ddb/DynamoDBLocal.jar',
      join('/ddb', 'DynamoDBLocal_lib', '*'),
    ]);
    expect(args.slice(args.indexOf('-cp') + 2)).toEqual([
      'LoopbackDynamoDbLocal',
      '-port',
      '8000',
      '-sharedDb',
      '-disableTelemetry',
      '-inMemory',
    ]);
  });

  it("with an archive: -XX:SharedArchiveFile first, the archive's class path, the JVM flags after it", () => {
    const args = javaCommandLine(input({ cds, dataDir: '/data', extraArgs: ['-delayTransientStatuses'] }));
    expect(args[0]).toBe('-XX:SharedArchiveFile=/cache/cds/archive.jsa');
    expect(args).toContain('-XX:ErrorFile=/cache/hs_err_pid%p.log');
    // DYNAMODB_LOCAL_JAVA_OPTS (here -Xshare:off) comes later, so it still wins.
    expect(args.indexOf('-Xshare:off')).toBeGreaterThan(0);
    expect(args[args.indexOf('-cp') + 1]).toBe(cds.classpath.join(delimiter));
    expect(args.join(' ')).not.toContain('/cache/loopback');
    expect(args.join(' ')).not.toContain('*');
    expect(args.slice(-5)).toEqual([
      '-sharedDb',
      '-disableTelemetry',
      '-dbPath',
      '/data',
      '-delayTransientStatuses',
    ]);
    expect(args[args.indexOf('-cp') + 2]).toBe('LoopbackDynamoDbLocal');
  });

  it('without javac: runs the source file, with no archive', () => {
    const args = javaCommandLine(input({ classes: undefined }));
    expect(args[args.indexOf('-cp') + 2]).toMatch(/LoopbackDynamoDbLocal\.java$/);
  });
});

describe('cdsFiles (where the archive and the jars it is made with live)', () => {
  it('names the launcher jar, the Class-Path-free DynamoDBLocal.jar, then the library jars sorted by name', () => {
    const files = cdsFiles('/cache', folder, 'abc');
    expect(files.dir.startsWith(join('/cache', 'dynamodb-local-cds-'))).toBe(true);
    expect(files.archive).toBe(join(files.dir, 'archive.jsa'));
    expect(files.lock).toBe(`${files.dir}.lock`);
    expect(files.classpath).toEqual([
      join(files.dir, 'loopback.jar'),
      join(files.dir, 'DynamoDBLocal.jar'),
      ...['IonJava.jar', 'Log4j-api-2.x.jar', 'netty-all-4.1.jar'].map((n) =>
        join(folder, 'DynamoDBLocal_lib', n),
      ),
    ]);
  });

  it('gives another launcher another folder', () => {
    expect(cdsFiles('/cache', folder, 'abc').dir).toBe(cdsFiles('/cache', folder, 'abc').dir);
    expect(cdsFiles('/cache', folder, 'abd').dir).not.toBe(cdsFiles('/cache', folder, 'abc').dir);
  });
});

describe('cdsEnabled', () => {
  it('is on by default, off with DYNAMODB_LOCAL_CDS=0; the option wins', () => {
    expect(cdsEnabled({}, {})).toBe(true);
    expect(cdsEnabled({}, { DYNAMODB_LOCAL_CDS: '0' })).toBe(false);
    expect(cdsEnabled({}, { DYNAMODB_LOCAL_CDS: '1' })).toBe(true);
    expect(cdsEnabled({ cds: true }, { DYNAMODB_LOCAL_CDS: '0' })).toBe(true);
    expect(cdsEnabled({ cds: false }, {})).toBe(false);
  });
});
