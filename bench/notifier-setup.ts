/**
 * What the events and notifications benches share around the notifier:
 *   - `countingDynamoDb`: a proxy in front of DynamoDB Local that counts every request by table and
 *     operation (and the items it carries, and the errors it got back), so a bench can print how many
 *     requests one event costs on each hop (delivery log, queue messages, outbox, notifications table);
 *   - `openNotificationStream`: an investor's `GET /notifications/stream` as the local gateway serves it,
 *     on a server of its own, with the time each notification number arrived.
 * Figures are printed by the benches, never asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DemoUser } from '#local/auth/demo-users.ts';
import { LocalIssuer } from '#local/auth/issuer.ts';
import type { LocalHttpApi } from '#local/gateway/http-api.ts';
import { serveNotificationStream } from '#local/gateway/notifications-stream.ts';
import type { NotificationStore } from '#shared/repository/notifications.ts';
import { processCpuMs } from './proc-cpu.ts';

const ISSUER = 'http://127.0.0.1/local-cognito/Pool';

/** The load average as the benches print it: 1, 5 and 15 minutes. */
export const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');

/** Requests of one (table, operation): how many, the items they carried, the errors answered. */
export interface RequestCount {
  table: string;
  op: string;
  requests: number;
  items: number;
  errors: Record<string, number>;
  /**
   * Transactions only: their items by kind (the first part of the sort key, e.g. `EVENT`, `N`,
   * `COUNTER`, for the data table; the queue's items by operation) and why refused ones were refused
   * (`CancellationReasons` codes, one per item).
   */
  kinds?: Record<string, number>;
  reasons?: Record<string, number>;
}

type Body = Record<string, unknown>;

/** The tables a request names and how many items it carries for each. */
function tablesOf(body: Body): Map<string, number> {
  const out = new Map<string, number>();
  const add = (table: unknown, n = 1) => {
    if (typeof table === 'string') out.set(table, (out.get(table) ?? 0) + n);
  };
  if (typeof body.TableName === 'string') add(body.TableName);
  if (body.RequestItems && typeof body.RequestItems === 'object') {
    for (const [table, v] of Object.entries(body.RequestItems as Body)) {
      add(table, Array.isArray(v) ? v.length : ((v as { Keys?: unknown[] })?.Keys?.length ?? 1));
    }
  }
  if (Array.isArray(body.TransactItems)) {
    for (const t of body.TransactItems) {
      for (const part of Object.values(t as Body)) add((part as Body)?.TableName);
    }
  }
  return out;
}

/** A transaction item's kind: its verb and the first part of its sort key (`Put EVENT`, `Update COUNTER`). */
function transactItemKind(verb: string, part: Body): string {
  const key = (part.Item ?? part.Key) as Record<string, Record<string, unknown>> | undefined;
  const sk = key?.sk?.S;
  if (typeof sk === 'string') return `${verb} ${sk.split('#')[0]}`;
  return verb;
}

/**
 * A counting proxy in front of DynamoDB Local: point every client of the run at `endpoint` (the local
 * cloud, the tables, the Lambda workers through AWS_ENDPOINT_URL_DYNAMODB) and read `counts()`.
 * A transaction naming several tables counts once for each; a BatchWriteItem over several tables counts
 * once, under their names joined by ' + ' (so the total is the requests sent).
 */
export async function countingDynamoDb(target: string) {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const counts = new Map<string, RequestCount>();
  const count = (
    table: string,
    op: string,
    items: number,
    error: string | undefined,
    body: Body,
    answer: Body | undefined,
  ) => {
    const key = `${table}\u0000${op}`;
    const c = counts.get(key) ?? { table, op, requests: 0, items: 0, errors: {} };
    c.requests += 1;
    c.items += items;
    if (error) c.errors[error] = (c.errors[error] ?? 0) + 1;
    if (op === 'TransactWriteItems' && Array.isArray(body.TransactItems)) {
      c.kinds ??= {};
      for (const t of body.TransactItems as Body[]) {
        for (const [verb, part] of Object.entries(t)) {
          const p = part as Body;
          if (p?.TableName !== table) continue;
          const k = transactItemKind(verb, p);
          c.kinds[k] = (c.kinds[k] ?? 0) + 1;
        }
      }
      if (Array.isArray(answer?.CancellationReasons)) {
        c.reasons ??= {};
        for (const r of answer.CancellationReasons as Body[]) {
          const code = String(r?.Code ?? 'None');
          c.reasons[code] = (c.reasons[code] ?? 0) + 1;
        }
      }
    }
    counts.set(key, c);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent,
        },
        (up) => {
          const back: Buffer[] = [];
          up.on('data', (c: Buffer) => back.push(c));
          up.on('end', () => {
            const answer = Buffer.concat(back);
            let error: string | undefined;
            let failure: Body | undefined;
            if ((up.statusCode ?? 200) >= 400) {
              try {
                failure = JSON.parse(answer.toString('utf8')) as Body;
                error = String(failure.__type ?? up.statusCode)
                  .split('#')
                  .pop();
              } catch {
                error = String(up.statusCode);
              }
            }
            let body: Body = {};
            try {
              body = JSON.parse(raw.toString('utf8')) as Body;
            } catch {
              // not JSON: counted under no table
            }
            const tables = tablesOf(body);
            if (tables.size === 0) count('-', op, 0, error, body, failure);
            else if (tables.size === 1 || op !== 'BatchWriteItem') {
              for (const [table, items] of tables) count(table, op, items, error, body, failure);
            } else {
              // One BatchWriteItem over several tables (the delivery log and the queue's messages):
              // one request, counted once under the tables' names joined by ' + '.
              const names = [...tables.keys()].sort().join(' + ');
              const items = [...tables.values()].reduce((a, b) => a + b, 0);
              count(names, op, items, error, body, failure);
            }
            res.writeHead(up.statusCode ?? 500, up.headers);
            res.end(answer);
          });
        },
      );
      forward.on('error', () => {
        res.destroy();
      });
      forward.end(raw);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    /** Every (table, operation) counted since the start or the last `reset`. */
    counts: (): RequestCount[] =>
      [...counts.values()].map((c) => ({
        ...c,
        errors: { ...c.errors },
        ...(c.kinds ? { kinds: { ...c.kinds } } : {}),
        ...(c.reasons ? { reasons: { ...c.reasons } } : {}),
      })),
    reset: () => counts.clear(),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      agent.destroy();
    },
  };
}

/**
 * Prints the counts as a table, per event: `label` names a table's hop (its prefix stripped), rows in
 * the order of the hops given; tables no hop names are shown as they are.
 */
export function printRequestCounts(
  counts: RequestCount[],
  events: number,
  hop: (table: string) => string,
): void {
  const rows = counts
    .map((c) => ({ ...c, hop: hop(c.table) }))
    .sort((a, b) => (a.hop === b.hop ? b.requests - a.requests : a.hop < b.hop ? -1 : 1));
  console.log('| hop | operation | requests | per event | items per event | errors |');
  console.log('|---|---|---:|---:|---:|---|');
  let total = 0;
  for (const r of rows) {
    total += r.requests;
    const errors = Object.entries(r.errors)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    console.log(
      `| ${r.hop} | ${r.op} | ${r.requests} | ${(r.requests / events).toFixed(2)} | ${(r.items / events).toFixed(2)} | ${errors || '-'} |`,
    );
  }
  console.log(`| all | | ${total} | ${(total / events).toFixed(2)} | | |`);
  const writes = rows.filter((r) => WRITE_OPS.has(r.op));
  const written = writes.reduce((a, r) => a + r.items, 0);
  const read = rows.filter((r) => READ_OPS.has(r.op)).reduce((a, r) => a + r.items, 0);
  const queries = rows.filter((r) => r.op === 'Query').reduce((a, r) => a + r.requests, 0);
  console.log(
    `item writes per event ${(written / events).toFixed(2)} (refused transactions' items included), item reads per event ${(read / events).toFixed(2)} (GetItem, BatchGetItem keys), queries per event ${(queries / events).toFixed(2)}`,
  );
  for (const r of rows) {
    if (!r.kinds) continue;
    const kinds = Object.entries(r.kinds)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${(v / events).toFixed(2)}`)
      .join(', ');
    const reasons = Object.entries(r.reasons ?? {})
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    console.log(
      `- ${r.hop}, transaction items per event: ${kinds}${reasons ? `; refusals' reasons (one per item): ${reasons}` : ''}`,
    );
  }
}

const WRITE_OPS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const READ_OPS = new Set(['GetItem', 'BatchGetItem']);

/**
 * CPU of this process (every thread: the local cloud, the Lambda workers, the proxy, the bench) and of
 * DynamoDB Local's JVM since `start()`, per unit of work.
 */
export function cpuMeter(jvmPid: number | undefined) {
  const node0 = processCpuMs();
  const jvm0 = processCpuMs(jvmPid);
  return {
    /** `node X ms, JVM Y ms per <unit>` over `n` units. */
    per(n: number, unit: string): string {
      const node = (processCpuMs() - node0) / n;
      const jvm = (processCpuMs(jvmPid) - jvm0) / n;
      return `CPU per ${unit}: this process ${node.toFixed(2)} ms, DynamoDB Local's JVM ${Number.isNaN(jvm) ? 'n/a' : `${jvm.toFixed(2)} ms`}`;
    },
  };
}

/**
 * `user`'s notification stream as the local gateway serves it (polling every 25 ms), on a server of its
 * own: `arrivals` maps each notification number to when it arrived; `waitFor` waits for one (bounded).
 */
export async function openNotificationStream(store: NotificationStore, user: DemoUser) {
  const keyDir = mkdtempSync(join(tmpdir(), 'bench-stream-keys-'));
  const issuer = await LocalIssuer.open({ keyDir, users: [user] });
  const api = {
    apiId: 'bench',
    routes: [{ routeKey: 'GET /notifications', jwt: { issuer: ISSUER, audience: ['Client'] } }],
  } as unknown as LocalHttpApi;
  const server = createServer((req, res) => {
    void serveNotificationStream(api, issuer, { store }, req, res, new URL(req.url ?? '/', 'http://x'));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const token = (await issuer.signIn(user.username, user.password, ISSUER, 'Client')).accessToken;
  const controller = new AbortController();
  const res = await fetch(`http://127.0.0.1:${port}/notifications/stream`, {
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  const arrivals = new Map<number, number>();
  let wake: (() => void) | undefined;
  const reader = res.body?.getReader();
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = (await reader?.read()) ?? { done: true, value: undefined };
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        for (const m of buffer.matchAll(/^id: (\d+)$/gm)) {
          if (!arrivals.has(Number(m[1]))) arrivals.set(Number(m[1]), performance.now());
        }
        buffer = buffer.slice(buffer.lastIndexOf('\n\n') + 2);
        wake?.();
      }
    } catch {
      // closed
    }
  })();
  return {
    arrivals,
    /** When notification `seq` arrived (performance.now()), waiting at most `timeoutMs`. */
    async waitFor(seq: number, timeoutMs = 30_000): Promise<number | undefined> {
      const limit = Date.now() + timeoutMs;
      while (!arrivals.has(seq) && Date.now() < limit) {
        await new Promise<void>((ok) => {
          wake = ok;
          setTimeout(ok, 100);
        });
      }
      return arrivals.get(seq);
    },
    close() {
      controller.abort();
      server.closeAllConnections();
      server.close();
      rmSync(keyDir, { recursive: true, force: true });
    },
  };
}
