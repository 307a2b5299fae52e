import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LambdaFunctionNotFoundError,
  LambdaRuntime,
  maxWorkersFromEnv,
  withoutRefusedOptions,
  workerExecArgv,
} from '#local/lambda/runtime.ts';

const dir = mkdtempSync(join(tmpdir(), 'lambda-runner-'));
const runtime = new LambdaRuntime({ extraEnv: { AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:1' } });

function fn(name: string, source: string, timeoutSeconds = 3, environment: Record<string, string> = {}) {
  const codeDir = join(dir, name);
  mkdirSync(codeDir, { recursive: true });
  writeFileSync(join(codeDir, 'index.js'), source);
  runtime.register({ functionName: name, codeDir, handler: 'index.handler', timeoutSeconds, environment });
}

beforeAll(() => {
  fn(
    'echo',
    `exports.handler = async (event, context) => ({ event, env: process.env.GREETING, name: context.functionName,
      fnEnv: process.env.AWS_LAMBDA_FUNCTION_NAME, region: process.env.AWS_REGION, ddb: process.env.AWS_ENDPOINT_URL_DYNAMODB,
      remaining: context.getRemainingTimeInMillis(), requestId: context.awsRequestId });`,
    3,
    { GREETING: 'xin chào' },
  );
  fn(
    'callback',
    `exports.handler = (event, context, cb) => { setTimeout(() => cb(null, { doubled: event.n * 2 }), 5); };`,
  );
  fn(
    'custom-error',
    `class PlotUnavailableError extends Error { constructor(m) { super(m); this.name = 'PlotUnavailableError'; } }
     exports.handler = async () => { throw new PlotUnavailableError('plot P-7 is held'); };`,
  );
  fn('slow', `exports.handler = () => new Promise(() => {});`, 1);
  // Its module takes 1.5 s to load (a cold start on a busy machine); its timeout is 1 s.
  fn(
    'slow-init',
    `Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
     exports.handler = async (event, context) => ({ remaining: context.getRemainingTimeInMillis() });`,
    1,
  );
  // Echoes back as its result whatever the event asks for: an API Gateway response or something close to one.
  fn(
    'api-response',
    `exports.handler = async (event) => {
      if (event.kind === 'api') return { statusCode: 201, headers: { 'content-type': 'application/json', 'x-n': 3, 'x-b': true }, body: JSON.stringify({ a: '"q" ü' }), cookies: ['a=1'], isBase64Encoded: false };
      if (event.kind === 'date-header') return { statusCode: 200, headers: { date: new Date(0) }, body: '' };
      if (event.kind === 'undefined-body') return { statusCode: 200, headers: {}, body: undefined };
      if (event.kind === 'extra-key') return { statusCode: 200, body: 'x', extra: { toJSON: () => 'shown' } };
      return { statusCode: Infinity, body: 'x' };
    };`,
  );
  fn('counter', `let calls = 0; exports.handler = async () => ({ calls: ++calls });`);
  fn('exits', `exports.handler = async () => { process.exit(3); };`);
  fn('exec-argv', `exports.handler = async () => ({ execArgv: process.execArgv });`);
  // Allocates until something stops it; 128 MB is its heap limit.
  fn(
    'runaway',
    `const kept = []; exports.handler = async () => { for (;;) kept.push(new Array(1e5).fill(kept.length)); };`,
    20,
  );
  fn(
    'thread-id',
    `const { threadId } = require('node:worker_threads');
     exports.handler = (event) => new Promise((r) => setTimeout(() => r({ threadId }), event.ms));`,
  );
});

afterAll(async () => {
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the local Lambda runtime', () => {
  it('runs an async handler with the template environment and a Lambda-like context', async () => {
    const result = await runtime.invoke('echo', { a: 1 });
    expect(result.StatusCode).toBe(200);
    expect(result.FunctionError).toBeUndefined();
    const body = JSON.parse(result.Payload);
    expect(body).toMatchObject({
      event: { a: 1 },
      env: 'xin chào',
      name: 'echo',
      fnEnv: 'echo',
      region: 'ap-southeast-1',
      ddb: 'http://127.0.0.1:1',
    });
    expect(body.remaining).toBeGreaterThan(0);
    expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('accepts a function ARN as well as a name', async () => {
    const result = await runtime.invoke('arn:aws:lambda:ap-southeast-1:000000000000:function:callback', {
      n: 21,
    });
    expect(JSON.parse(result.Payload)).toEqual({ doubled: 42 });
  });

  it("reports a thrown error in Lambda's shape with the error's name as errorType", async () => {
    const result = await runtime.invoke('custom-error', {});
    expect(result.FunctionError).toBe('Unhandled');
    const body = JSON.parse(result.Payload);
    expect(body.errorType).toBe('PlotUnavailableError');
    expect(body.errorMessage).toBe('plot P-7 is held');
    expect(Array.isArray(body.trace)).toBe(true);
  });

  it('stops a function at its timeout and reports it as Lambda does', async () => {
    const result = await runtime.invoke('slow', {});
    expect(result.FunctionError).toBe('Unhandled');
    const body = JSON.parse(result.Payload);
    expect(body.errorType).toBeUndefined();
    expect(body.errorMessage).toMatch(/Task timed out after 1\.00 seconds$/);
  });

  it("keeps a cold start's init phase out of the function's timeout, as Lambda does", async () => {
    const result = await runtime.invoke('slow-init', {});
    expect(result.FunctionError).toBeUndefined();
    const body = JSON.parse(result.Payload);
    expect(body.remaining).toBeGreaterThan(0);
    expect(body.remaining).toBeLessThanOrEqual(1000);
  });

  it('keeps a warm worker between serial invocations', async () => {
    await runtime.invoke('counter', {});
    const second = await runtime.invoke('counter', {});
    expect(JSON.parse(second.Payload)).toEqual({ calls: 2 });
  });

  it("lists each function's workers with the invocations they served and, on Linux, their thread id", async () => {
    const before = runtime.workers().filter((w) => w.functionName === 'counter');
    await runtime.invoke('counter', {});
    const workers = runtime.workers().filter((w) => w.functionName === 'counter');
    expect(workers).toHaveLength(1);
    expect(workers[0]?.served).toBe((before[0]?.served ?? 0) + 1);
    if (process.platform === 'linux') {
      // A thread of this very process, so its CPU time can be read from /proc/self/task/<tid>/stat.
      expect(existsSync(`/proc/self/task/${workers[0]?.tid}/stat`)).toBe(true);
      expect(workers[0]?.tid).not.toBe(process.pid);
    }
  });

  it('reports a process exit as Runtime.ExitError', async () => {
    const result = await runtime.invoke('exits', {});
    expect(JSON.parse(result.Payload).errorType).toBe('Runtime.ExitError');
  });

  it('contains a function that outruns its memory, reports Runtime.ExitError, and starts a fresh worker after', async () => {
    const result = await runtime.invoke('runaway', {});
    expect(result.FunctionError).toBe('Unhandled');
    const body = JSON.parse(result.Payload);
    expect(body.errorType).toBe('Runtime.ExitError');
    expect(body.errorMessage).toMatch(
      /^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: signal: killed$/,
    );
    // The main thread carried on; the next invocation meets a fresh worker (and runs out again).
    const again = JSON.parse((await runtime.invoke('runaway', {})).Payload);
    expect(again.errorType).toBe('Runtime.ExitError');
  }, 30_000);

  it("runs a function without the parent's preloaded modules (a loader is the parent's, not Lambda's)", async () => {
    const { execArgv } = JSON.parse((await runtime.invoke('exec-argv', {})).Payload) as {
      execArgv: string[];
    };
    expect(execArgv).toEqual(workerExecArgv(process.execArgv));
    expect(execArgv.some((a) => /^(--import|--require|-r|--loader|--experimental-loader)\b/.test(a))).toBe(
      false,
    );
  });

  it('runs concurrent invocations of one function in separate workers', async () => {
    const results = await Promise.all([
      runtime.invoke('thread-id', { ms: 200 }),
      runtime.invoke('thread-id', { ms: 200 }),
    ]);
    const threads = new Set(results.map((r) => JSON.parse(r.Payload).threadId));
    expect(threads.size).toBe(2);
  });

  it('gives an invocation the idle worker that has served the most, not the oldest', async () => {
    const pool = new LambdaRuntime({ maxWorkersPerFunction: 2 });
    try {
      pool.register({
        functionName: 'thread-id',
        codeDir: join(dir, 'thread-id'),
        handler: 'index.handler',
        timeoutSeconds: 3,
      });
      const threadOf = async (ms: number) =>
        JSON.parse((await pool.invoke('thread-id', { ms })).Payload).threadId as number;
      // The first worker is held by a long invocation while the second, spawned for the next one, serves
      // three in a row: the second is then the warmer of the two although it is the younger.
      const long = threadOf(1_500);
      const warm = await threadOf(0);
      expect(await threadOf(0)).toBe(warm);
      expect(await threadOf(0)).toBe(warm);
      const first = await long;
      expect(first).not.toBe(warm);
      expect(await threadOf(0)).toBe(warm);
      const served = pool.workers().map((w) => w.served);
      expect(served.sort()).toEqual([1, 4]);
    } finally {
      await pool.close();
    }
  });

  it('queues concurrent invocations on one worker when the function may have only one', async () => {
    const single = new LambdaRuntime({ maxWorkersPerFunction: 1 });
    try {
      single.register({
        functionName: 'thread-id',
        codeDir: join(dir, 'thread-id'),
        handler: 'index.handler',
        timeoutSeconds: 3,
      });
      const started = Date.now();
      const results = await Promise.all([
        single.invoke('thread-id', { ms: 200 }),
        single.invoke('thread-id', { ms: 200 }),
      ]);
      const threads = new Set(results.map((r) => JSON.parse(r.Payload).threadId));
      expect(threads.size).toBe(1);
      // One after the other on that worker: together at least the two 200 ms waits.
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    } finally {
      await single.close();
    }
  });

  it('keeps at least one worker when asked for none', async () => {
    const none = new LambdaRuntime({ maxWorkersPerFunction: 0 });
    try {
      none.register({
        functionName: 'echo',
        codeDir: join(dir, 'echo'),
        handler: 'index.handler',
        timeoutSeconds: 3,
      });
      const result = await none.invoke('echo', { hello: 'world' });
      expect(JSON.parse(result.Payload).event).toEqual({ hello: 'world' });
    } finally {
      await none.close();
    }
  });

  it('hands an API Gateway response over as a value equal to its JSON, and anything else as JSON text only', async () => {
    const api = await runtime.invoke('api-response', { kind: 'api' });
    const expected = {
      statusCode: 201,
      headers: { 'content-type': 'application/json', 'x-n': 3, 'x-b': true },
      body: JSON.stringify({ a: '"q" ü' }),
      cookies: ['a=1'],
      isBase64Encoded: false,
    };
    expect(api.value).toEqual(expected);
    expect(JSON.parse(api.Payload)).toEqual(expected);
    expect(api.FunctionError).toBeUndefined();
    // What JSON would change (a Date, an undefined member, a toJSON, an infinite status) stays JSON text.
    const asJson = {
      'date-header': { statusCode: 200, headers: { date: '1970-01-01T00:00:00.000Z' }, body: '' },
      'undefined-body': { statusCode: 200, headers: {} },
      'extra-key': { statusCode: 200, body: 'x', extra: 'shown' },
      infinite: { statusCode: null, body: 'x' },
    };
    for (const [kind, payload] of Object.entries(asJson)) {
      const result = await runtime.invoke('api-response', { kind });
      expect(result.value, kind).toBeUndefined();
      expect(JSON.parse(result.Payload), kind).toEqual(payload);
    }
  });

  it('refuses an unknown function', async () => {
    await expect(runtime.invoke('nope', {})).rejects.toBeInstanceOf(LambdaFunctionNotFoundError);
  });
});

describe('maxWorkersFromEnv (LOCAL_LAMBDA_MAX_WORKERS)', () => {
  it('gives the default when unset and the number when it is an integer from 1 to 64', () => {
    const cores = availableParallelism();
    expect(maxWorkersFromEnv(undefined)).toBe(Math.min(8, Math.max(2, cores)));
    expect(maxWorkersFromEnv('')).toBe(maxWorkersFromEnv(undefined));
    expect(maxWorkersFromEnv('1')).toBe(1);
    expect(maxWorkersFromEnv('3')).toBe(3);
    expect(maxWorkersFromEnv('64')).toBe(64);
  });

  it('refuses anything else, naming the variable and the rule', () => {
    for (const bad of ['0', '65', '2.5', 'four', '-1']) {
      expect(() => maxWorkersFromEnv(bad)).toThrow(
        /LOCAL_LAMBDA_MAX_WORKERS must be an integer from 1 to 64/,
      );
    }
  });
});

describe('workerExecArgv', () => {
  it('drops preloads and inline code, with their values, and keeps every other option', () => {
    expect(
      workerExecArgv([
        '--require',
        '/p/tsx/dist/preflight.cjs',
        '--import',
        'file:///p/tsx/dist/loader.mjs',
        '--cpu-prof',
        '--cpu-prof-dir=/prof',
        '-r',
        'dotenv/config',
        '--import=tsx',
        '--experimental-loader',
        'x.mjs',
        '--loader=y.mjs',
        '--conditions',
        'development',
        '--eval',
        'console.log(1)',
        '-e',
        '1',
        '--enable-source-maps',
      ]),
    ).toEqual(['--cpu-prof', '--cpu-prof-dir=/prof', '--conditions', 'development', '--enable-source-maps']);
  });
});

describe('withoutRefusedOptions', () => {
  it("drops the options Node's own refusal names, with a separate value, and a worker then starts", async () => {
    const argv = [
      '--no-opt',
      '--conditions',
      'development',
      '--stack-size',
      '2000',
      '--max-old-space-size=300',
    ];
    // As the runtime does: Node names some refused options only once others are gone.
    let kept = argv;
    for (let attempt = 0; attempt < 5; attempt++) {
      let message = '';
      try {
        await new Worker('', { eval: true, execArgv: kept }).terminate();
        break;
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toContain('invalid execArgv flags');
      kept = withoutRefusedOptions(kept, message);
    }
    expect(kept).toEqual(['--conditions', 'development']);
    const worker = new Worker('require("node:worker_threads").parentPort.postMessage(process.execArgv)', {
      eval: true,
      execArgv: kept,
    });
    const seen = await new Promise((ok) => worker.once('message', ok));
    await worker.terminate();
    expect(seen).toEqual(kept);
  });

  it('keeps nothing when the message names no option', () => {
    expect(withoutRefusedOptions(['--cpu-prof'], 'something else')).toEqual([]);
  });
});

describe('log modes', () => {
  const source = `exports.handler = async (event) => {
    console.log(JSON.stringify({ level: 'INFO', message: 'started', n: event.n }));
    console.log(JSON.stringify({ level: 'ERROR', message: 'plot P-7 could not be held' }));
    console.warn(JSON.stringify({ level: 'WARN', message: 'slow' }));
    console.error('TypeError: plain stderr line');
    process.emitWarning('a line\\nand another', 'NodeVersionSupportWarning');
    process.stdout.write('partial ');
    process.stdout.write('line\\n');
    return { n: event.n };
  };`;

  it('counts the lines by level without printing them in count mode', async () => {
    const counting = new LambdaRuntime({ logs: 'count' });
    const codeDir = join(dir, 'logger');
    mkdirSync(codeDir, { recursive: true });
    writeFileSync(join(codeDir, 'index.js'), source);
    counting.register({ functionName: 'logger', codeDir, handler: 'index.handler', timeoutSeconds: 3 });
    try {
      await counting.invoke('logger', { n: 1 });
      const result = await counting.invoke('logger', { n: 2 });
      expect(JSON.parse(result.Payload)).toEqual({ n: 2 });
      // The worker's streams reach the main thread asynchronously: wait for the second invocation's lines.
      for (let i = 0; i < 100 && (counting.logStats()?.lines ?? 0) < 12; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const stats = counting.logStats();
      // Per invocation: INFO, ERROR, WARN (stderr, JSON), a plain stderr line, Node's multi-line warning
      // (one line, not an error), one line written in two parts.
      expect(stats?.lines).toBe(12);
      expect(stats?.errors).toBe(4);
      expect(stats?.samples).toContain('logger: {"level":"ERROR","message":"plot P-7 could not be held"}');
      expect(stats?.samples).toContain('logger: TypeError: plain stderr line');
    } finally {
      await counting.close();
    }
  });

  it('prints and counts nothing by default', () => {
    expect(runtime.logStats()).toBeUndefined();
  });

  it('refuses an unknown mode from the environment', () => {
    const before = process.env.LOCAL_LAMBDA_LOGS;
    process.env.LOCAL_LAMBDA_LOGS = 'quiet';
    try {
      expect(() => new LambdaRuntime()).toThrow(/LOCAL_LAMBDA_LOGS must be inherit or count/);
    } finally {
      if (before === undefined) delete process.env.LOCAL_LAMBDA_LOGS;
      else process.env.LOCAL_LAMBDA_LOGS = before;
    }
  });
});
