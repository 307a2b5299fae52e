/**
 * Runs Lambda functions from their synthesized assets, each in its own worker threads (warm, reused
 * serially, more spawned for concurrent invocations), with the template's environment, the function's
 * timeout and Lambda's response and error shapes. Used by the Step Functions engine and the API gateway.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

export interface LambdaFunctionConfig {
  functionName: string;
  /** Folder holding the bundled code (e.g. cdk.out/asset.<hash>). */
  codeDir: string;
  /** `file.export`, e.g. `index.handler`. */
  handler: string;
  timeoutSeconds: number;
  memorySize?: number;
  environment?: Record<string, string>;
}

/** The shape of Lambda's Invoke response (Payload as JSON text). */
export interface InvokeResult {
  StatusCode: number;
  /** JSON text of the function's result or of its error `{errorType, errorMessage, trace}`. */
  Payload: string;
  /** 'Unhandled' when the function failed (thrown error, timeout, crash). */
  FunctionError?: string;
  ExecutedVersion: string;
  /**
   * The result itself, when the worker sent it as a value rather than JSON text (an API Gateway response made
   * only of JSON's types): equal to `JSON.parse(Payload)`, which is then written only if someone reads it.
   */
  value?: unknown;
}

/** A successful result sent as a value: its Payload text is written on first read. */
function valueResult(value: unknown): InvokeResult {
  let text: string | undefined;
  return {
    StatusCode: 200,
    get Payload() {
      text ??= JSON.stringify(value);
      return text;
    },
    ExecutedVersion: '$LATEST',
    value,
  };
}

/** Lambda's ResourceNotFoundException for an unknown function. */
export class LambdaFunctionNotFoundError extends Error {
  override readonly name = 'ResourceNotFoundException';
  constructor(readonly functionName: string) {
    super(`Function not found: ${functionName}`);
  }
}

export interface LambdaRuntimeOptions {
  region?: string;
  accountId?: string;
  /** Added to every function's environment after the template's (endpoint overrides, credentials). */
  extraEnv?: Record<string, string>;
  /**
   * Warm workers kept per function; more run concurrently up to this many (one per core, 2–8, by default). Each worker is
   * its own V8 isolate that compiles and optimizes the same SDK code again, so a small machine may do
   * better with fewer. The environment variable LOCAL_LAMBDA_MAX_WORKERS sets it when this is unset.
   */
  maxWorkersPerFunction?: number;
  /**
   * What happens to the functions' stdout and stderr. `inherit` (the default) prints them as Lambda
   * sends them to CloudWatch; `count` prints nothing and counts the lines by level instead (`logStats()`),
   * for benchmarks, where thousands of JSON lines would drown the figures and cost the main thread a
   * synchronous write each. The environment variable LOCAL_LAMBDA_LOGS=count selects it when this is unset.
   */
  logs?: LambdaLogMode;
}

export type LambdaLogMode = 'inherit' | 'count';

/** The functions' log lines counted in `count` mode. */
export interface LambdaLogStats {
  lines: number;
  /**
   * Error-level lines: a JSON line whose `level` is ERROR, CRITICAL or FATAL (Powertools' levels), or any
   * other line written to stderr that is not a JSON WARN line (console.error, an uncaught error's trace).
   */
  errors: number;
  /** The first few error-level lines, function name first, so a bench can show what went wrong. */
  samples: string[];
}

const MAX_LOG_SAMPLES = 5;
/** The level of a Powertools JSON line, read without parsing the whole line. */
const JSON_LEVEL = /"level":"([A-Z]+)"/;
const ERROR_LEVELS = new Set(['ERROR', 'CRITICAL', 'FATAL']);
const NODE_WARNING = /^\(node:\d+\) (\[[A-Z0-9_]+\] )?\w*Warning: /;

/** Counts the lines a worker writes; shared by every pool of one runtime. */
class LogCounter {
  readonly stats: LambdaLogStats = { lines: 0, errors: 0, samples: [] };

  /** Consumes `stream` line by line (a partial line waits for its end). */
  follow(functionName: string, stream: Readable, isStderr: boolean): void {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      // Node's own process warnings (e.g. the SDK's NodeVersionSupportWarning) come as one multi-line
      // write: one line, not an error.
      if (rest === '' && NODE_WARNING.test(chunk)) {
        this.stats.lines += 1;
        return;
      }
      const text = rest + chunk;
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        this.line(functionName, text.slice(start, nl), isStderr);
        start = nl + 1;
      }
      rest = text.slice(start);
    });
    stream.on('end', () => {
      if (rest) this.line(functionName, rest, isStderr);
      rest = '';
    });
  }

  private line(functionName: string, line: string, isStderr: boolean): void {
    if (line.trim() === '') return;
    this.stats.lines += 1;
    const level = JSON_LEVEL.exec(line)?.[1];
    const isError = level ? ERROR_LEVELS.has(level) : isStderr;
    if (!isError) return;
    this.stats.errors += 1;
    if (this.stats.samples.length < MAX_LOG_SAMPLES) {
      this.stats.samples.push(`${functionName}: ${line.slice(0, 500)}`);
    }
  }
}

/** One live worker of a function (`LambdaRuntime.workers()`). */
export interface LambdaWorkerInfo {
  functionName: string;
  /** Its Linux thread id (read from /proc/thread-self in the worker), for per-thread CPU in benches. */
  tid?: number;
  /** Invocations it has served. */
  served: number;
}

interface PendingInvocation {
  resolve(result: InvokeResult): void;
}

interface WorkerSlot {
  worker: Worker;
  busy: boolean;
  /** The init phase (the handler's module import) has ended, well or not. */
  initialized: boolean;
  /** Called once when init ends. */
  onInit?: () => void;
  /** The worker thread's Linux thread id (from /proc/thread-self), once init has ended; for CPU accounting. */
  tid?: number;
  /** Invocations this worker has served (its warmth: V8 has optimized what it ran often). */
  served: number;
  current?: { id: string; pending: PendingInvocation; timer: NodeJS.Timeout; requestId: string };
}

/** Lambda's limit on an on-demand function's init phase, kept out of the function's timeout. */
const INIT_LIMIT_MS = 10_000;

const WORKER_FILE = fileURLToPath(new URL('./worker.mjs', import.meta.url));

/** Node options that load code into a thread before its main module, each followed by its value unless `=`. */
const PRELOAD_OPTIONS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);
/** Options that make the parent run inline code: meaningless for a worker running worker.mjs. */
const EVAL_OPTIONS = new Set(['--eval', '-e', '--print', '-p']);

/**
 * The parent's Node options a function's worker runs with: all of them (e.g. `--cpu-prof`, so a profile
 * covers the workers too) except those preloading code, such as the tsx loader the local cloud and the
 * benches start with. A worker inherits them by default, and the loader's hooks then took part in every
 * import of a cold start; a bundle is plain JavaScript, and Lambda's runtime preloads nothing of ours.
 */
export function workerExecArgv(parentArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < parentArgv.length; i++) {
    const arg = parentArgv[i] ?? '';
    const name = arg.startsWith('--') ? (arg.split('=', 1)[0] ?? arg) : arg;
    if (PRELOAD_OPTIONS.has(name) || EVAL_OPTIONS.has(name)) {
      // `--import x` drops its value too; `--import=x` is one token.
      if (!arg.includes('=')) i += 1;
      continue;
    }
    out.push(arg);
  }
  return out;
}

/**
 * `argv` without the options that Node's message `Initiated Worker with invalid execArgv flags: a, b` names
 * (with a refused option's separate value). A worker refuses V8's options (`--perf-basic-prof`, `--trace-opt`,
 * `--no-opt`) and per-process ones (`--max-old-space-size`, `--stack-size`): they apply to the whole process,
 * its workers included, so dropping them loses nothing, and `node --perf-basic-prof` can run the local cloud.
 */
export function withoutRefusedOptions(argv: readonly string[], message: string): string[] {
  const named = /invalid execArgv flags: (.*)$/.exec(message)?.[1];
  if (!named) return [];
  const refused = new Set(named.split(/,\s*/));
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!refused.has(arg)) {
      out.push(arg);
      continue;
    }
    // `--stack-size 2000`: the value goes with its option.
    const next = argv[i + 1];
    if (!arg.includes('=') && next !== undefined && !next.startsWith('-')) i += 1;
  }
  return out;
}

/** What workers are started with: the parent's options without preloads, less any a worker refused once. */
let workerArgv = workerExecArgv(process.execArgv);

/**
 * `new Worker` with `workerArgv`; an option the worker refuses is dropped for this and every later worker.
 * Node names some refused options only once others are gone (`--max-old-space-size` after `--no-opt`), so
 * this tries again while the list shrinks, and with no options at all as a last resort.
 */
function newWorker(file: string, options: WorkerOptions): Worker {
  for (;;) {
    try {
      return new Worker(file, { ...options, execArgv: workerArgv });
    } catch (err) {
      if ((err as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV' || workerArgv.length === 0)
        throw err;
      const kept = withoutRefusedOptions(workerArgv, (err as Error).message);
      workerArgv = kept.length < workerArgv.length ? kept : [];
    }
  }
}
const PROJECT_NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));

/** What a caller that stopped waiting gets (it discards it): the invocation was killed. */
const abortedResult = (): InvokeResult =>
  errorResult({ errorType: 'Runtime.Aborted', errorMessage: 'the invocation was stopped by its caller' });

function errorResult(error: { errorType?: string; errorMessage: string; trace?: string[] }): InvokeResult {
  return {
    StatusCode: 200,
    Payload: JSON.stringify(error),
    FunctionError: 'Unhandled',
    ExecutedVersion: '$LATEST',
  };
}

class FunctionPool {
  private readonly slots: WorkerSlot[] = [];
  private readonly queue: Array<{ event: unknown; pending: PendingInvocation }> = [];
  private closed = false;

  constructor(
    readonly config: LambdaFunctionConfig,
    private readonly env: Record<string, string>,
    private readonly maxWorkers: number,
    /** Set in `count` mode: the worker's output is read and counted instead of printed. */
    private readonly logCounter?: LogCounter,
  ) {}

  invoke(event: unknown, signal?: AbortSignal): Promise<InvokeResult> {
    return new Promise((resolve) => {
      const item = { event, pending: { resolve } };
      if (signal?.aborted) {
        resolve(abortedResult());
        return;
      }
      this.queue.push(item);
      // Stopped (a Task timeout, StopExecution): a queued invocation never starts; a running one is
      // killed with its worker, so it cannot write anything after the caller gave up on it.
      signal?.addEventListener(
        'abort',
        () => {
          const queued = this.queue.indexOf(item);
          if (queued >= 0) {
            this.queue.splice(queued, 1);
            resolve(abortedResult());
            return;
          }
          const slot = this.slots.find((s) => s.current?.pending === item.pending);
          if (slot) this.recycle(slot, abortedResult());
        },
        { once: true },
      );
      this.pump();
    });
  }

  /** Ends the slot's invocation with `result` and terminates its worker; a fresh one is spawned when needed. */
  private recycle(slot: WorkerSlot, result: InvokeResult): void {
    const current = slot.current;
    if (!current) return;
    clearTimeout(current.timer);
    slot.current = undefined;
    this.remove(slot);
    void slot.worker.terminate();
    current.pending.resolve(result);
    this.pump();
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      let slot = this.warmestIdle();
      if (!slot && this.slots.length < this.maxWorkers) slot = this.spawn();
      if (!slot) return;
      const next = this.queue.shift();
      if (!next) return;
      this.dispatch(slot, next.event, next.pending);
    }
  }

  /**
   * The idle worker that has served the most invocations (the oldest of equals): V8 has optimized the
   * handler's hot code in that isolate, while a worker spawned for a burst and rarely used since still
   * runs much of it unoptimized, and compiles it again if it gets more work. A new worker is spawned only
   * when every worker is busy.
   */
  private warmestIdle(): WorkerSlot | undefined {
    let best: WorkerSlot | undefined;
    for (const slot of this.slots) if (!slot.busy && (!best || slot.served > best.served)) best = slot;
    return best;
  }

  private spawn(): WorkerSlot {
    const worker = newWorker(WORKER_FILE, {
      workerData: {
        codeDir: resolve(this.config.codeDir),
        handler: this.config.handler,
        nodePath: PROJECT_NODE_MODULES,
      },
      env: this.env,
      // Lambda memory is not modelled exactly; the heap limit keeps a runaway function contained.
      resourceLimits: { maxOldGenerationSizeMb: Math.max(128, this.config.memorySize ?? 256) },
      stdout: this.logCounter !== undefined,
      stderr: this.logCounter !== undefined,
    });
    worker.unref();
    if (this.logCounter) {
      this.logCounter.follow(this.config.functionName, worker.stdout, false);
      this.logCounter.follow(this.config.functionName, worker.stderr, true);
    }
    const slot: WorkerSlot = { worker, busy: false, initialized: false, served: 0 };
    worker.on(
      'message',
      (message: {
        id: string;
        init?: string;
        tid?: number;
        payload?: string;
        value?: unknown;
        error?: Record<string, unknown>;
      }) => {
        if (message.init) {
          slot.initialized = true;
          slot.tid = message.tid;
          slot.onInit?.();
          slot.onInit = undefined;
          return;
        }
        const current = slot.current;
        if (!current || current.id !== message.id) return;
        clearTimeout(current.timer);
        slot.current = undefined;
        slot.busy = false;
        current.pending.resolve(
          message.error
            ? errorResult(message.error as { errorType: string; errorMessage: string })
            : message.value !== undefined
              ? valueResult(message.value)
              : { StatusCode: 200, Payload: message.payload ?? 'null', ExecutedVersion: '$LATEST' },
        );
        this.pump();
      },
    );
    const fail = (errorType: string, errorMessage: string) => {
      this.remove(slot);
      const current = slot.current;
      slot.current = undefined;
      if (current) {
        clearTimeout(current.timer);
        current.pending.resolve(errorResult({ errorType, errorMessage }));
      }
      this.pump();
    };
    worker.on('error', (err: Error & { code?: string }) => {
      // The heap limit reached (resourceLimits): Lambda kills such an environment, and its Node runtime
      // answers with this exit error.
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        fail(
          'Runtime.ExitError',
          `RequestId: ${slot.current?.requestId ?? 'none'} Error: Runtime exited with error: signal: killed`,
        );
        return;
      }
      fail('Runtime.UnhandledPromiseRejection', `${err.name}: ${err.message}`.slice(0, 1000));
    });
    worker.on('exit', (code) => {
      if (slot.current) {
        fail(
          'Runtime.ExitError',
          `RequestId: ${slot.current.requestId} Error: Runtime exited with error: exit status ${code}`,
        );
      } else {
        this.remove(slot);
      }
    });
    this.slots.push(slot);
    return slot;
  }

  /** The live workers: their thread ids (once known) and how many invocations each has served. */
  workers(): LambdaWorkerInfo[] {
    return this.slots.map((s) => ({
      functionName: this.config.functionName,
      ...(s.tid !== undefined ? { tid: s.tid } : {}),
      served: s.served,
    }));
  }

  private remove(slot: WorkerSlot): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
  }

  private dispatch(slot: WorkerSlot, event: unknown, pending: PendingInvocation): void {
    const requestId = randomUUID();
    const id = requestId;
    slot.busy = true;
    slot.served += 1;
    // Until it starts, the invocation can only be ended by its caller (abort) or the worker's death.
    slot.current = { id, pending, timer: setTimeout(() => {}, 0), requestId };
    let started = false;
    const start = () => {
      if (started || slot.current?.id !== id) return;
      started = true;
      this.start(slot, id, requestId, event);
    };
    if (slot.initialized) {
      start();
      return;
    }
    // A cold start: Lambda gives the init phase its own limit (10 s) outside the function's timeout; an
    // init still running then goes on inside the invocation, whose timeout starts at that moment.
    slot.onInit = start;
    const initLimit = setTimeout(start, INIT_LIMIT_MS);
    initLimit.unref();
  }

  /** Sends the invocation to the worker and starts the function's timeout. */
  private start(slot: WorkerSlot, id: string, requestId: string, event: unknown): void {
    const current = slot.current;
    if (!current || current.id !== id) return;
    const timeoutMs = this.config.timeoutSeconds * 1000;
    // Lambda stops the environment at the timeout; here the worker is terminated and a fresh one spawned later.
    current.timer = setTimeout(() => {
      if (slot.current?.id !== id) return;
      this.recycle(
        slot,
        errorResult({
          errorMessage: `${new Date().toISOString()} ${requestId} Task timed out after ${this.config.timeoutSeconds.toFixed(2)} seconds`,
        }),
      );
    }, timeoutMs);
    const fn = this.config.functionName;
    slot.worker.postMessage({
      id,
      event,
      context: {
        awsRequestId: requestId,
        functionName: fn,
        functionVersion: '$LATEST',
        invokedFunctionArn: this.env.LOCAL_FUNCTION_ARN,
        memoryLimitInMB: String(this.config.memorySize ?? 128),
        logGroupName: `/aws/lambda/${fn}`,
        logStreamName: `local/${fn}`,
        deadlineMs: Date.now() + timeoutMs,
      },
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    for (const slot of slots) {
      if (slot.current) clearTimeout(slot.current.timer);
      slot.current?.pending.resolve(
        errorResult({ errorType: 'Runtime.ExitError', errorMessage: 'local Lambda runtime closed' }),
      );
      slot.current = undefined;
    }
    for (const item of this.queue.splice(0)) {
      item.pending.resolve(
        errorResult({ errorType: 'Runtime.ExitError', errorMessage: 'local Lambda runtime closed' }),
      );
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

/**
 * Workers per function when nothing says otherwise: one per core, at least 2 and at most 8. Every worker is
 * a V8 isolate of its own that compiles the same SDK code again, so isolates beyond the cores cost CPU and
 * buy no throughput: on 2 cores, `GET /applications/{id}` at 50 connections served 202 answers/s with
 * 2 workers against 182 with 8, at 4.8 against 7.1 ms of Node CPU per answer (README, Benchmarks).
 */
export const DEFAULT_MAX_WORKERS = Math.min(8, Math.max(2, availableParallelism()));

/** LOCAL_LAMBDA_MAX_WORKERS read loudly: unset gives the default, anything but an integer 1–64 throws. */
export function maxWorkersFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_MAX_WORKERS;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw new Error(`LOCAL_LAMBDA_MAX_WORKERS must be an integer from 1 to 64, not ${JSON.stringify(value)}`);
  }
  return n;
}

/** The local Lambda service: register functions, invoke them by name or ARN. */
export class LambdaRuntime {
  private readonly pools = new Map<string, FunctionPool>();
  private readonly region: string;
  private readonly accountId: string;
  private extraEnv: Record<string, string>;
  private readonly logCounter: LogCounter | undefined;
  private readonly maxWorkers: number;

  constructor(options: LambdaRuntimeOptions = {}) {
    this.region = options.region ?? 'ap-southeast-1';
    this.accountId = options.accountId ?? '000000000000';
    this.extraEnv = { ...options.extraEnv };
    const logs = options.logs ?? process.env.LOCAL_LAMBDA_LOGS;
    if (logs !== undefined && logs !== 'inherit' && logs !== 'count') {
      throw new Error(`LOCAL_LAMBDA_LOGS must be inherit or count, not ${logs}`);
    }
    this.logCounter = logs === 'count' ? new LogCounter() : undefined;
    this.maxWorkers = Math.max(
      1,
      options.maxWorkersPerFunction ?? maxWorkersFromEnv(process.env.LOCAL_LAMBDA_MAX_WORKERS),
    );
  }

  /** The counted log lines (`count` mode); undefined when the functions' output is printed. */
  logStats(): LambdaLogStats | undefined {
    if (!this.logCounter) return undefined;
    const { lines, errors, samples } = this.logCounter.stats;
    return { lines, errors, samples: [...samples] };
  }

  /** Every function's live workers (thread ids, invocations served), for benches' CPU accounting. */
  workers(): LambdaWorkerInfo[] {
    return [...this.pools.values()].flatMap((p) => p.workers());
  }

  /** Adds variables to the environment of functions registered from now on. */
  setExtraEnv(env: Record<string, string>): void {
    this.extraEnv = { ...this.extraEnv, ...env };
  }

  /** Registers (or replaces) a function. */
  register(config: LambdaFunctionConfig): void {
    const arn = this.arnOf(config.functionName);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      TZ: 'UTC',
      LANG: 'en_US.UTF-8',
      AWS_REGION: this.region,
      AWS_DEFAULT_REGION: this.region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SESSION_TOKEN: 'local',
      AWS_LAMBDA_FUNCTION_NAME: config.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.memorySize ?? 128),
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${config.functionName}`,
      ...config.environment,
      ...this.extraEnv,
      LOCAL_FUNCTION_ARN: arn,
    };
    void this.pools.get(config.functionName)?.close();
    this.pools.set(config.functionName, new FunctionPool(config, env, this.maxWorkers, this.logCounter));
  }

  has(functionNameOrArn: string): boolean {
    return this.pools.has(this.nameOf(functionNameOrArn));
  }

  arnOf(functionName: string): string {
    return `arn:aws:lambda:${this.region}:${this.accountId}:function:${functionName}`;
  }

  /** Accepts a name, a full ARN (optionally qualified) or a partial ARN `<account>:function:<name>`. */
  nameOf(functionNameOrArn: string): string {
    const m =
      /^(?:arn:aws[a-z-]*:lambda:[^:]*:)?(?:\d{12}:)?(?:function:)?([A-Za-z0-9_-]+)(?::[$\w-]+)?$/.exec(
        functionNameOrArn,
      );
    return m?.[1] ?? functionNameOrArn;
  }

  /**
   * Lambda's synchronous Invoke (RequestResponse). Throws LambdaFunctionNotFoundError for an unknown
   * function. When `signal` aborts, the invocation is killed (its worker terminated and replaced).
   */
  async invoke(functionNameOrArn: string, payload: unknown, signal?: AbortSignal): Promise<InvokeResult> {
    const name = this.nameOf(functionNameOrArn);
    const pool = this.pools.get(name);
    if (!pool) throw new LambdaFunctionNotFoundError(functionNameOrArn);
    return pool.invoke(payload, signal);
  }

  /** Terminates every worker. */
  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.close()));
  }
}
