export { OrchardError, ERROR_CODES, errorOfProblems, isOrchardError, isErrorCode } from './errors.js';
export type { ErrorCode, OrchardErrorOptions, RequestProblem } from './errors.js';
export { resolveConfig, optionsFromEnv, clientOptionsFromEnv, parsePort, parseHostList } from './config.js';
export type { OrchardOptions, ResolvedConfig, ClientOptions } from './config.js';
export { isStorageFull, asStorageFull } from './storage-full.js';
export { newId } from './ids.js';
export { Ticker } from './ticker.js';
export type { TickerOptions } from './ticker.js';
export { VERSION } from './version.js';
