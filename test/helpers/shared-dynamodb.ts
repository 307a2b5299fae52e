/**
 * One DynamoDB Local for the whole test run, started by vitest's globalSetup (test/helpers/global-setup.ts)
 * and shared by every file that starts the local cloud (the workflow, API and console harnesses): each
 * harness creates the template's tables and the engine's under a prefix of its own, and deletes them when
 * it closes. A JVM start (and its JIT warming up) is several seconds of a core per file on two cores, and
 * the harness files do not need a JVM each: none kills or restarts its store (the crash and supervisor
 * tests start their own).
 *
 * Outside a vitest run (benchmarks) there is no shared instance and the harnesses start their own.
 */
import { DeleteTableCommand, type DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import type { DynamoDbLocal, JvmExit } from '#local/dynamodb/launcher.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's shared DynamoDB Local, when a file of the run needs the local cloud. */
    sharedDynamoDbEndpoint: string | undefined;
  }
}

/** The run's DynamoDB Local as a `DynamoDbLocal` whose stop() leaves it running, or undefined. */
export function sharedDynamoDb(): DynamoDbLocal | undefined {
  if (!process.env.VITEST) return undefined;
  const endpoint = inject('sharedDynamoDbEndpoint');
  if (!endpoint) return undefined;
  return {
    endpoint,
    port: Number(new URL(endpoint).port),
    // Not this file's JVM: nothing here may kill it.
    pid: undefined,
    exited: new Promise<JvmExit>(() => undefined),
    async stop() {},
  };
}

/** Deletes every table whose name starts with `prefix` (a closing harness's own). */
export async function deleteTablesWithPrefix(client: DynamoDBClient, prefix: string): Promise<void> {
  let start: string | undefined;
  const names: string[] = [];
  do {
    const out = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    names.push(...(out.TableNames ?? []).filter((n) => n.startsWith(prefix)));
    start = out.LastEvaluatedTableName;
  } while (start);
  for (const name of names) await client.send(new DeleteTableCommand({ TableName: name }));
}
