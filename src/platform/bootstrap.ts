import fs from 'node:fs/promises';
import path from 'node:path';
import type { AuthService } from '../auth/index.js';
import type { ResolvedConfig } from '../core/index.js';

/** What the first start of a fresh store made: the admin, and its token when generated. */
export interface BootstrapResult {
  created: boolean;
  token?: string;
  tokenFile?: string;
}

/** Creates the admin on a fresh store; a generated token is also written to `<home>/admin-token` (0600). */
export async function bootstrapAdmin(auth: AuthService, config: ResolvedConfig): Promise<BootstrapResult> {
  const result = await auth.bootstrapAdmin(config.adminToken);
  if (!result.token) return result;
  const tokenFile = path.join(config.home, 'admin-token');
  await fs.writeFile(tokenFile, result.token + '\n', { mode: 0o600 });
  await fs.chmod(tokenFile, 0o600);
  return { ...result, tokenFile };
}
