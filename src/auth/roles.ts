/**
 * The roles a user can hold, from most to least privileged; `invoker` is for applications
 * that only call endpoints.
 */
export const ROLES = ['admin', 'member', 'labeler', 'viewer', 'invoker'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a route may require. Capabilities added later (training, endpoints, labeling)
 * add their own permissions here, so the whole role table stays in one place.
 */
export type Permission =
  | 'datasets:read'
  | 'datasets:write'
  | 'artifacts:read'
  | 'artifacts:write'
  | 'jobs:read'
  | 'jobs:write'
  | 'models:read'
  | 'models:write'
  | 'models:approve'
  | 'endpoints:read'
  | 'endpoints:write'
  | 'endpoints:invoke'
  | 'users:manage'
  | 'tokens:own';

const GRANTS: Record<Role, ReadonlySet<Permission>> = {
  admin: new Set<Permission>(['datasets:read', 'datasets:write', 'artifacts:read', 'artifacts:write', 'jobs:read', 'jobs:write', 'models:read', 'models:write', 'models:approve', 'endpoints:read', 'endpoints:write', 'endpoints:invoke', 'users:manage', 'tokens:own']),
  member: new Set<Permission>(['datasets:read', 'datasets:write', 'artifacts:read', 'artifacts:write', 'jobs:read', 'jobs:write', 'models:read', 'models:write', 'models:approve', 'endpoints:read', 'endpoints:write', 'endpoints:invoke', 'tokens:own']),
  labeler: new Set<Permission>(['datasets:read', 'artifacts:read', 'jobs:read', 'models:read', 'endpoints:read', 'tokens:own']),
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
