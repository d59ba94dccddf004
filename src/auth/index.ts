export { AuthService } from './auth-service.js';
export type { User, TokenInfo, Principal, CreateUserInput, UpdateUserInput, CreateTokenInput } from './auth-service.js';
export { ROLES, isRole, can } from './roles.js';
export type { Role, Permission } from './roles.js';
export { hashToken, generateToken } from './secrets.js';
