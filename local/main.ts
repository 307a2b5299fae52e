/**
 * `npm start`: the local cloud in the foreground. Ctrl-C (SIGINT) or SIGTERM stops every part and its
 * child processes, then exits.
 */
import { startLocalCloud } from './cloud.ts';
import { readLocalConfig } from './config.ts';

const config = readLocalConfig(process.env);
const cloud = await startLocalCloud(config).catch((error: unknown) => {
  console.error(`local cloud failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

let stopping = false;
async function shutdown(signal: string, exitCode = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping the local cloud`);
  await cloud.close();
  process.exit(exitCode);
}
// DynamoDB Local is restarted when it dies; if it keeps dying, the local cloud cannot work: stop loudly.
void cloud.dynamodb.gaveUp.then((error) => {
  console.error(`local cloud: DynamoDB Local cannot be kept running (${error.message})`);
  void shutdown('DynamoDB Local gave up', 1);
});
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
// A supervisor killed outright (npm, a terminal) cannot pass a signal on: when our parent is gone we
// are re-parented, and stop rather than leave DynamoDB Local and the ports behind.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) void shutdown('parent process exited');
}, 1_000).unref();
