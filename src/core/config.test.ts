import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientOptionsFromEnv, optionsFromEnv, resolveConfig } from './config.js';

describe('configuration', () => {
  it('defaults to the embedded mode under ./.orchard', () => {
    const c = resolveConfig();
    expect(c.home).toBe(path.resolve('.orchard'));
    expect(c.port).toBe(7070);
    expect(c.databaseUrl).toBe(`sqlite:${path.resolve('.orchard/orchard.db')}`);
    expect(c.artifactsUrl).toBe(`file://${path.resolve('.orchard/artifacts')}`);
    expect(c.queueUrl).toBe('embedded');
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads the ORCHARD_* variables in one place', () => {
    const opts = optionsFromEnv({
      ORCHARD_HOME: '/srv/orchard',
      ORCHARD_PORT: '8080',
      ORCHARD_DATABASE_URL: 'postgres://db/orchard',
      ORCHARD_ARTIFACTS_URL: 's3://bucket/pre',
      ORCHARD_S3_ENDPOINT: 'http://127.0.0.1:9000',
      ORCHARD_QUEUE_URL: 'redis://127.0.0.1:6379',
      ORCHARD_TOKEN: 'x'.repeat(20),
    });
    const c = resolveConfig(opts);
    expect(c).toMatchObject({ home: '/srv/orchard', port: 8080, databaseUrl: 'postgres://db/orchard', artifactsUrl: 's3://bucket/pre', s3Endpoint: 'http://127.0.0.1:9000', queueUrl: 'redis://127.0.0.1:6379', adminToken: 'x'.repeat(20) });
    expect(c.workDir).toBe('/srv/orchard/work');
  });

  it('reads extra host names from ORCHARD_ALLOWED_HOSTS, lower-cased, none by default', () => {
    expect(resolveConfig().allowedHosts).toEqual([]);
    const opts = optionsFromEnv({ ORCHARD_ALLOWED_HOSTS: ' Orchard.Example , ,ml.internal:7070,*' });
    expect(opts.allowedHosts).toEqual(['orchard.example', 'ml.internal:7070', '*']);
    expect(resolveConfig(opts).allowedHosts).toEqual(['orchard.example', 'ml.internal:7070', '*']);
    expect(optionsFromEnv({}).allowedHosts).toBeUndefined();
  });

  it('refuses a bad port with a coded error', () => {
    expect(() => optionsFromEnv({ ORCHARD_PORT: 'http' })).toThrow(expect.objectContaining({ code: 'ORCH_CONFIG_INVALID' }));
    expect(() => resolveConfig({ port: 70000 })).toThrow(expect.objectContaining({ code: 'ORCH_CONFIG_INVALID' }));
  });

  it('points a client at the local server and its token file by default', () => {
    expect(clientOptionsFromEnv({})).toMatchObject({ url: 'http://127.0.0.1:7070', token: undefined, adminTokenFile: path.resolve('.orchard/admin-token') });
    expect(clientOptionsFromEnv({ ORCHARD_URL: 'http://h:1', ORCHARD_TOKEN: 't' })).toMatchObject({ url: 'http://h:1', token: 't' });
  });
});
