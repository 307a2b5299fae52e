// Runs inside a worker thread: loads one function's bundled handler once and serves invocations
// serially, like a warm Lambda execution environment. Plain JavaScript so it needs no loader.
import { readlinkSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const { codeDir, handler, nodePath } = workerData;

// Bundles keep `@aws-sdk/*` external (it is in Lambda's runtime); let them resolve from the project.
if (nodePath) {
  process.env.NODE_PATH = nodePath;
  Module._initPaths();
}

function errorShape(err) {
  if (err instanceof Error) {
    return {
      errorType: err.name || 'Error',
      errorMessage: err.message,
      trace: String(err.stack ?? '').split('\n'),
    };
  }
  return { errorType: typeof err, errorMessage: String(err), trace: [] };
}

let loading;
/** The handler, imported once: the init phase, started as the worker starts (as Lambda does). */
function loadHandler() {
  loading ??= importHandler();
  return loading;
}

async function importHandler() {
  const dot = handler.lastIndexOf('.');
  const modulePath = handler.slice(0, dot);
  const exportName = handler.slice(dot + 1);
  const base = join(codeDir, modulePath);
  const require = createRequire(join(codeDir, 'noop.js'));
  let mod;
  for (const ext of ['.js', '.cjs', '.mjs']) {
    let file;
    try {
      file = require.resolve(base + ext);
    } catch {
      continue;
    }
    mod = ext === '.mjs' ? await import(pathToFileURL(file).href) : require(file);
    break;
  }
  if (!mod) {
    const err = new Error(`Cannot find module '${modulePath}'`);
    err.name = 'Runtime.ImportModuleError';
    throw err;
  }
  const fn = mod[exportName] ?? mod.default?.[exportName];
  if (typeof fn !== 'function') {
    const err = new Error(`${handler} is undefined or not exported`);
    err.name = 'Runtime.HandlerNotFound';
    throw err;
  }
  return fn;
}

// Init runs before the first invocation arrives; the runtime starts an invocation's timeout when init is
// over (or its own limit has passed), as Lambda keeps the init phase out of the function's timeout.
// The thread's Linux id rides with it, so a bench can read this worker's CPU time in /proc (undefined elsewhere).
let tid;
try {
  tid = Number(readlinkSync('/proc/thread-self').split('/').pop()) || undefined;
} catch {
  tid = undefined;
}
loadHandler().then(
  () => parentPort.postMessage({ init: 'ok', tid }),
  () => parentPort.postMessage({ init: 'failed', tid }),
);

function run(fn, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (err, result) => {
      if (settled) return;
      settled = true;
      if (err !== undefined && err !== null) reject(err);
      else resolve(result);
    };
    let returned;
    try {
      returned = fn(event, context, callback);
    } catch (err) {
      callback(err);
      return;
    }
    if (returned && typeof returned.then === 'function') {
      returned.then(
        (value) => callback(null, value),
        (err) => callback(err ?? new Error('rejected')),
      );
    } else if (fn.length < 3) {
      // A synchronous handler without a callback parameter: its return value is the result.
      callback(null, returned);
    }
  });
}

const API_RESPONSE_KEYS = new Set(['statusCode', 'headers', 'body', 'isBase64Encoded', 'cookies']);

function isPlainObject(value) {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * An API Gateway payload 2.0 result made only of what JSON carries unchanged (a finite status, string headers,
 * a string body...): such a result is posted as it is, and the structured clone gives the gateway the same
 * object `JSON.parse(JSON.stringify(result))` would, without writing the body (itself JSON) into JSON text
 * here and reading it back on the main thread. Anything else is sent as JSON text, as Lambda sends it.
 */
function isPlainApiResponse(result) {
  if (!isPlainObject(result) || !Number.isFinite(result.statusCode)) return false;
  for (const key in result) {
    if (!API_RESPONSE_KEYS.has(key)) return false;
    const value = result[key];
    if (key === 'body') {
      if (typeof value !== 'string') return false;
    } else if (key === 'isBase64Encoded') {
      if (typeof value !== 'boolean') return false;
    } else if (key === 'headers') {
      if (!isPlainObject(value)) return false;
      for (const name in value) {
        const v = value[name];
        if (typeof v !== 'string' && typeof v !== 'boolean' && !Number.isFinite(v)) return false;
      }
    } else if (key === 'cookies') {
      if (!Array.isArray(value) || !value.every((c) => typeof c === 'string')) return false;
    }
  }
  return true;
}

parentPort.on('message', async (message) => {
  const { id, event, context: ctx } = message;
  const context = {
    ...ctx,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, ctx.deadlineMs - Date.now()),
    done: () => {},
    succeed: () => {},
    fail: () => {},
  };
  try {
    const fn = await loadHandler();
    const result = await run(fn, event, context);
    if (isPlainApiResponse(result)) {
      parentPort.postMessage({ id, value: result });
      return;
    }
    let payload;
    try {
      payload = JSON.stringify(result === undefined ? null : result);
    } catch (err) {
      parentPort.postMessage({ id, error: errorShape(err) });
      return;
    }
    parentPort.postMessage({ id, payload });
  } catch (err) {
    parentPort.postMessage({ id, error: errorShape(err) });
  }
});
