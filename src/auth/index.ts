export { AuthService, toUser } from './auth-service.js';
export type { User, TokenInfo, Principal, CreateUserInput, UpdateUserInput, CreateTokenInput } from './auth-service.js';
export { ROLES, isRole, can, permissionsOf } from './roles.js';
export type { Role, Permission } from './roles.js';
export { SessionService } from './session-service.js';
export { SignInThrottle } from './sign-in-throttle.js';
export type { SignInThrottleOptions } from './sign-in-throttle.js';
export type { SessionOptions, SessionInfo, ActiveSession } from './session-service.js';
export { hashToken, generateToken } from './secrets.js';
