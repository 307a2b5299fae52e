/**
 * Runs the local Step Functions engine as a process of its own (the crash tests SIGKILL it):
 *   SFN_PORT=8083 DYNAMODB_ENDPOINT=http://127.0.0.1:8000 [TEMPLATE_PATH=… ASSETS_DIR=… TABLE_NAMES='{"Id":"name"}'] \
 *     npx tsx local/sfn/runtime/serve-cli.ts
 * Prints one JSON line `{"endpoint": …, "resumed": n}` once it serves; SIGTERM/SIGINT close it cleanly.
 */
import { startStepFunctions } from '../index.ts';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set (see the comment at the top of serve-cli.ts)`);
  return value;
}

const templatePath = process.env.TEMPLATE_PATH;
const service = await startStepFunctions({
  port: Number(process.env.SFN_PORT ?? 8083),
  dynamodbEndpoint: required('DYNAMODB_ENDPOINT'),
  ...(templatePath
    ? {
        template: {
          templatePath,
          assetsDir: required('ASSETS_DIR'),
          tableNames: JSON.parse(process.env.TABLE_NAMES ?? '{}') as Record<string, string>,
        },
      }
    : {}),
});
console.log(JSON.stringify({ endpoint: service.endpoint, resumed: service.resumed }));

const stop = async () => {
  await service.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
