import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, localDynamoDbClient } from '#local/dynamodb/launcher.ts';
import { loadCatalog } from '#shared/catalog/index.ts';
import { Repository } from '#shared/repository/index.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs `npm start` exactly as a newcomer would, with its own ports and data folder. */
function startCloud(env: Record<string, string>): Started {
  const child = spawn('npm', ['start', '--silent'], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
  return { child, output: () => output, exited };
}

async function waitForHealth(
  url: string,
  started: Started,
  timeoutMs = 600_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (started.child.exitCode !== null) throw new Error(`local cloud exited early:\n${started.output()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return (await res.json()) as Record<string, unknown>;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no /health answer in time:\n${started.output()}`);
}

/** Whether a TCP connection to host:port is accepted. */
function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** This machine's addresses other than loopback (the local cloud must not be reachable on them). */
function externalAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && !a.internal)
    .map((a) => a?.address as string);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * `npm start` synthesizes the whole app with its bundles before it listens (minutes on a loaded machine):
 * one start serves the checks of a running cloud (seeded, loopback only, a killed DynamoDB Local
 * restarted), and the restart on the same data is the only second start. The tests run in order on it.
 */
describe('npm start (the local cloud)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'local-cloud-'));
  let env: Record<string, string>;
  let cloud: Started;
  let health: Record<string, unknown>;
  let tableName: string;
  let client: ReturnType<typeof localDynamoDbClient>;
  let repo: Repository;

  beforeAll(async () => {
    const [port, sfnPort, dynamodbPort] = [await freePort(), await freePort(), await freePort()];
    env = {
      PORT: String(port),
      SFN_PORT: String(sfnPort),
      DYNAMODB_PORT: String(dynamodbPort),
      DATA_DIR: dataDir,
    };
    // First start: tables from the template, catalog seeded.
    cloud = startCloud(env);
    health = await waitForHealth(`http://127.0.0.1:${port}/health`, cloud);
    tableName = Object.values((health.dynamodb as { tables: Record<string, string> }).tables)[0] as string;
    client = localDynamoDbClient(`http://127.0.0.1:${dynamodbPort}`);
    repo = new Repository(client, tableName);
  }, 1_200_000);
  afterAll(() => {
    client?.destroy();
    if (cloud?.child.exitCode === null) cloud.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('comes up seeded, with its DynamoDB Local running', async () => {
    expect(health.status).toBe('ok');
    const jvmPid = Number(readFileSync(join(dataDir, 'dynamodb.pid'), 'utf8'));
    expect(isAlive(jvmPid)).toBe(true);
    expect((await repo.listZones()).length).toBe(loadCatalog().zones.length);
  });

  it('listens on 127.0.0.1 only', async () => {
    // Every service answers on loopback and refuses every other address of this machine.
    for (const p of [env.PORT, env.SFN_PORT, env.DYNAMODB_PORT].map(Number)) {
      expect(await reachable('127.0.0.1', p)).toBe(true);
      for (const address of externalAddresses()) {
        expect({ address, port: p, reached: await reachable(address, p) }).toEqual({
          address,
          port: p,
          reached: false,
        });
      }
    }
  });

  it('restarts a killed DynamoDB Local on the same port and data', async () => {
    await repo.createApplication({ id: 'app-e2e-kill', investorId: 'inv-e2e', status: 'matching' });
    const killed = Number(readFileSync(join(dataDir, 'dynamodb.pid'), 'utf8'));
    process.kill(killed, 'SIGKILL');

    // The log names the pid that died, how, and the new one; the pid file follows it.
    const deadline = Date.now() + 120_000;
    while (!/DynamoDB Local restarted \(pid \d+/.test(cloud.output())) {
      if (Date.now() > deadline || cloud.child.exitCode !== null) throw new Error(cloud.output());
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(cloud.output()).toContain(`DynamoDB Local (pid ${killed}) was killed by SIGKILL`);
    const restarted = Number(readFileSync(join(dataDir, 'dynamodb.pid'), 'utf8'));
    expect(restarted).not.toBe(killed);
    expect(isAlive(restarted)).toBe(true);
    expect(cloud.output()).toContain(`DynamoDB Local restarted (pid ${restarted}, was ${killed})`);

    // Same port, same data: what was written before the kill is there, and /health answers again.
    expect((await repo.getApplication('app-e2e-kill'))?.investorId).toBe('inv-e2e');
    const again = await waitForHealth(`http://127.0.0.1:${env.PORT}/health`, cloud);
    expect(again.status).toBe('ok');
  }, 300_000);

  it('stops cleanly on SIGTERM, and keeps its data across a restart', async () => {
    const catalog = loadCatalog();
    const plot = catalog.plots.find((p) => p.status === 'available');
    if (!plot) throw new Error('the catalog has no available plot');
    await repo.createApplication({ id: 'app-e2e-1', investorId: 'inv-e2e', status: 'matching' });
    await repo.holdPlot(plot.id, 'app-e2e-1');
    const jvmPid = Number(readFileSync(join(dataDir, 'dynamodb.pid'), 'utf8'));
    expect(isAlive(jvmPid)).toBe(true);

    cloud.child.kill('SIGTERM');
    expect(await cloud.exited).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(isAlive(jvmPid)).toBe(false);
    const health404 = await fetch(`http://127.0.0.1:${env.PORT}/health`).catch(() => undefined);
    expect(health404).toBeUndefined();

    // Second start on the same data: re-seeding keeps the hold made before the restart.
    cloud = startCloud(env);
    await waitForHealth(`http://127.0.0.1:${env.PORT}/health`, cloud);
    const after = await repo.getPlot(plot.id, { consistent: true });
    expect(after?.status).toBe('held');
    expect(after?.holderApplicationId).toBe('app-e2e-1');
    cloud.child.kill('SIGINT');
    expect(await cloud.exited).toBe(0);
  }, 1_200_000);
});
