/**
 * What the local cloud needs to serve the template's HTTP API: the template, its resolved view, the
 * Lambda runtime and the local issuer with its demo users (kept in `<DATA_DIR>/auth`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seedDemoUsers } from '../auth/demo-users.ts';
import { LocalIssuer } from '../auth/issuer.ts';
import { type CfnTemplate, resolveTemplate } from '../template/template.ts';
import type { GatewayApiOptions, LambdaInvoker, LocalGateway } from './server.ts';

export async function localApiOptions(options: {
  templatePath: string;
  assetsDir: string;
  tableNames: Record<string, string>;
  dataDir: string;
  lambda: LambdaInvoker;
}): Promise<GatewayApiOptions> {
  const authDir = join(options.dataDir, 'auth');
  const issuer = await LocalIssuer.open({ keyDir: authDir, users: seedDemoUsers(authDir) });
  const template = JSON.parse(readFileSync(options.templatePath, 'utf8')) as CfnTemplate;
  const resolved = resolveTemplate({
    templatePath: options.templatePath,
    assetsDir: options.assetsDir,
    tableNames: options.tableNames,
  });
  return { template, resolved, lambda: options.lambda, issuer };
}

/** Lines for `npm start` to print: the routes served and the demo users to sign in with. */
export function describeLocalApi(gateway: LocalGateway, options: GatewayApiOptions): string[] {
  const routes = gateway.api?.routes ?? [];
  const lines = [`  ${routes.length} route(s): ${routes.map((r) => r.routeKey).join(', ')}`];
  lines.push(`  demo users (POST ${gateway.url}/auth/token with {"username","password"}):`);
  for (const u of options.issuer.demoUsers) {
    const scope = u.scope.length ? ` scope ${u.scope.join(',')}` : '';
    lines.push(`    ${u.username.padEnd(32)} ${u.password.padEnd(40)} ${u.role}${scope}`);
  }
  return lines;
}
