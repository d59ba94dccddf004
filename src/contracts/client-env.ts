/**
 * Where a client finds the server, from the environment: `ORCHARD_URL`, else
 * `http://127.0.0.1:$ORCHARD_PORT` (port 7070 by default), and `ORCHARD_TOKEN`. One
 * reading shared by the SDK and the CLI; it takes the environment as an argument, so
 * it runs wherever a client does.
 */
export function clientEnvDefaults(env: Readonly<Record<string, string | undefined>>): { url: string; token: string | undefined } {
  const port = env.ORCHARD_PORT ? Number(env.ORCHARD_PORT) : 7070;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`Invalid port: ${env.ORCHARD_PORT}`);
  return { url: env.ORCHARD_URL || `http://127.0.0.1:${port}`, token: env.ORCHARD_TOKEN || undefined };
}
