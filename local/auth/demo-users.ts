/**
 * The demo users of the local cloud: at least one per role, zone managers and zone officials scoped to
 * zones of the catalog. They are written to the data dir on first start (`users.json`, where more can
 * be added by hand) and read from there afterwards; `npm start` prints them and `GET /auth/demo-users`
 * lists them. Local only: on AWS, users sign in with Cognito.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { loadCatalog } from '#shared/catalog/index.ts';
import { PROVINCE_SCOPE, RoleSchema } from '#shared/http/roles.ts';

export const DemoUserSchema = z.strictObject({
  username: z.string().regex(/^[a-z0-9-]{3,64}$/),
  password: z.string().min(8).max(128),
  role: RoleSchema,
  /** Zone ids (or `province`) the user is scoped to; empty for investors and admins. */
  scope: z.array(z.string().min(1).max(80)).max(100),
});
export type DemoUser = z.infer<typeof DemoUserSchema>;

/** The default demo users, scoped to zones that exist in the catalog. */
export function defaultDemoUsers(): DemoUser[] {
  const zones = loadCatalog().zones;
  const kcn = zones.filter((z) => z.kind === 'KCN' && z.status === 'operating').map((z) => z.id);
  const user = (username: string, role: DemoUser['role'], scope: string[] = []): DemoUser => ({
    username,
    password: `Demo-${username}-1`,
    role,
    scope,
  });
  const zone = (id: string) => {
    if (!zones.some((z) => z.id === id)) throw new Error(`demo users: zone ${id} is not in the catalog`);
    return id;
  };
  return [
    user('investor-an', 'investor'),
    user('investor-binh', 'investor'),
    user('officer-zone-board', 'zone-board-officer', kcn),
    user('officer-environment', 'environment-officer', kcn),
    user('officer-environment-tang-loong', 'environment-officer', [zone('kcn-tang-loong')]),
    user('officer-provincial', 'provincial-officer', [PROVINCE_SCOPE]),
    user('manager-dong-pho-moi', 'zone-manager', [zone('kcn-dong-pho-moi')]),
    user('manager-tang-loong', 'zone-manager', [zone('kcn-tang-loong')]),
    user('admin', 'admin'),
  ];
}

/** The users in `<dir>/users.json`, written with the defaults the first time. */
export function seedDemoUsers(dir: string): DemoUser[] {
  const file = join(dir, 'users.json');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, `${JSON.stringify(defaultDemoUsers(), null, 2)}\n`, { mode: 0o600 });
  }
  const parsed = z.array(DemoUserSchema).safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`${file} is not a list of demo users: ${issues}`);
  }
  return parsed.data;
}
