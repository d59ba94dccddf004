/**
 * What the platform root and the job workers log through: Fastify's logger in
 * `orchard up`, stderr in `orchard worker` (which loads no HTTP layer).
 */
export interface PlatformLog {
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, err?: unknown): void;
}

/** Writes one line per message to stderr: `orchard: <message> <fields as JSON>`. */
export function stderrLog(): PlatformLog {
  const write = (message: string, extra?: string) => process.stderr.write(`orchard: ${message}${extra ? ` ${extra}` : ''}\n`);
  return {
    warn: (message, fields) => write(message, fields ? JSON.stringify(fields) : undefined),
    error: (message, err) => write(message, err instanceof Error ? (err.stack ?? err.message) : err === undefined ? undefined : String(err)),
  };
}
