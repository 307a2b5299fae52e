import * as z from '../zod.ts';

/**
 * The Cognito groups, which are the roles. Officials' roles match `OfficialRole` of the routing rules
 * (`shared/routing/types.ts`) and the task `role` the inbox is keyed by.
 */
export const ROLES = [
  'investor',
  'zone-board-officer',
  'environment-officer',
  'provincial-officer',
  'zone-manager',
  'admin',
] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

/** The roles that work an approval inbox. */
export const OFFICIAL_ROLES = ['zone-board-officer', 'environment-officer', 'provincial-officer'] as const;
export type OfficialRoleName = (typeof OFFICIAL_ROLES)[number];

/** The scope a provincial stage is filed under (tasks of zone stages use the zone id). */
export const PROVINCE_SCOPE = 'province';

/** The custom attribute (and access-token claim) holding a user's zone scope, comma-separated zone ids. */
export const ZONES_CLAIM = 'custom:zones';
