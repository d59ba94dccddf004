// The role and permission names are wire shapes (the studio shows them): declared in the
// contracts. Capabilities added later add their permissions there; the grants stay here.
import type { Permission, Role } from '../contracts/index.js';
import { ROLES } from '../contracts/values.js';
export { ROLES };
export type { Permission, Role };

const GRANTS: Record<Role, ReadonlySet<Permission>> = {
  admin: new Set<Permission>(['datasets:read', 'datasets:write', 'artifacts:read', 'artifacts:write', 'jobs:read', 'jobs:write', 'models:read', 'models:write', 'models:approve', 'endpoints:read', 'endpoints:write', 'endpoints:invoke', 'users:manage', 'tokens:own', 'labeling:work']),
  member: new Set<Permission>(['datasets:read', 'datasets:write', 'artifacts:read', 'artifacts:write', 'jobs:read', 'jobs:write', 'models:read', 'models:write', 'models:approve', 'endpoints:read', 'endpoints:write', 'endpoints:invoke', 'tokens:own', 'labeling:work']),
  // Labelers take tasks and answer them (what they label comes with the task), nothing else.
  labeler: new Set<Permission>(['labeling:work', 'tokens:own']),
  viewer: new Set<Permission>(['datasets:read', 'artifacts:read', 'jobs:read', 'models:read', 'endpoints:read', 'tokens:own']),
  invoker: new Set<Permission>(['endpoints:invoke', 'tokens:own']),
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function can(role: Role, permission: Permission): boolean {
  return GRANTS[role].has(permission);
}

/** Every permission a role holds (the studio shows only what these allow). */
export function permissionsOf(role: Role): Permission[] {
  return [...GRANTS[role]];
}
