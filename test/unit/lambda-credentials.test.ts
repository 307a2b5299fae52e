import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultProvider } from '../../infra/constructs/lambda-credentials.ts';

const NAMES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_ACCOUNT_ID',
] as const;
const saved: Record<string, string | undefined> = {};

beforeEach(() => {
  for (const n of NAMES) {
    saved[n] = process.env[n];
    delete process.env[n];
  }
});
afterEach(() => {
  for (const n of NAMES) {
    if (saved[n] === undefined) delete process.env[n];
    else process.env[n] = saved[n];
  }
});

describe('the bundles’ credential provider (Lambda environment only)', () => {
  it('reads the environment once: later calls of the same provider get the same credentials', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIA1';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret1';
    process.env.AWS_SESSION_TOKEN = 'token1';
    process.env.AWS_ACCOUNT_ID = '123456789012';
    const provider = defaultProvider();
    const first = await provider();
    expect(first).toEqual({
      accessKeyId: 'AKIA1',
      secretAccessKey: 'secret1',
      sessionToken: 'token1',
      accountId: '123456789012',
    });
    process.env.AWS_ACCESS_KEY_ID = 'AKIA2';
    expect(await provider()).toBe(first);
    // A new provider (a new client) reads the environment as it is now.
    expect((await defaultProvider()()).accessKeyId).toBe('AKIA2');
  });

  it('reads again credentials that expire within 5 minutes, and keeps those that do not', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIA1';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret1';
    process.env.AWS_CREDENTIAL_EXPIRATION = new Date(Date.now() + 60_000).toISOString();
    const soon = defaultProvider();
    expect((await soon()).accessKeyId).toBe('AKIA1');
    process.env.AWS_ACCESS_KEY_ID = 'AKIA2';
    process.env.AWS_CREDENTIAL_EXPIRATION = new Date(Date.now() + 3_600_000).toISOString();
    const renewed = await soon();
    expect(renewed.accessKeyId).toBe('AKIA2');
    process.env.AWS_ACCESS_KEY_ID = 'AKIA3';
    expect(await soon()).toBe(renewed);
  });

  it('fails without keys, and a later call after they are set succeeds', async () => {
    const provider = defaultProvider();
    await expect(provider()).rejects.toThrow(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set/);
    process.env.AWS_ACCESS_KEY_ID = 'AKIA1';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret1';
    expect(await provider()).toEqual({ accessKeyId: 'AKIA1', secretAccessKey: 'secret1' });
  });
});
