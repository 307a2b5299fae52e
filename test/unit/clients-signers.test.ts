import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { reuseSigners } from '#shared/clients.ts';

interface Signer {
  sign(request: unknown, options: { signingDate: Date }): Promise<{ headers: Record<string, string> }>;
}
type Factory = (scheme?: object) => Promise<Signer>;

const scheme = { name: 'sigv4', signingName: 'dynamodb', signingRegion: 'ap-southeast-1', properties: {} };
const request = () => ({
  method: 'POST',
  protocol: 'https:',
  hostname: 'dynamodb.ap-southeast-1.amazonaws.com',
  path: '/',
  query: {},
  headers: { host: 'dynamodb.ap-southeast-1.amazonaws.com', 'x-amz-target': 'DynamoDB_20120810.GetItem' },
  body: '{"TableName":"t"}',
});

describe('reuseSigners (shared SDK clients)', () => {
  it('keeps one signer per scheme, region and service, and it signs as a fresh one does', async () => {
    const credentials = { accessKeyId: 'AKIA1', secretAccessKey: 'secret1' };
    const plain = new DynamoDBClient({ region: 'ap-southeast-1', credentials });
    const fresh = (plain.config as unknown as { signer: Factory }).signer;
    const kept = reuseSigners(new DynamoDBClient({ region: 'ap-southeast-1', credentials }));
    const signer = (kept.config as unknown as { signer: Factory }).signer;

    const first = await signer(scheme);
    expect(await signer({ ...scheme })).toBe(first);
    expect(await signer({ ...scheme, signingRegion: 'us-east-1' })).not.toBe(first);

    const signingDate = new Date('2026-12-03T08:00:00Z');
    const a = await first.sign(request(), { signingDate });
    const again = await (await signer(scheme)).sign(request(), { signingDate });
    const b = await (await fresh(scheme)).sign(request(), { signingDate });
    expect(a.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIA1\/20261203\/ap-southeast-1\/dynamodb\/aws4_request, SignedHeaders=.*, Signature=[0-9a-f]{64}$/,
    );
    expect(again.headers.authorization).toBe(a.headers.authorization);
    expect(b.headers.authorization).toBe(a.headers.authorization);
  });

  it('asks the factory again after it failed', async () => {
    let calls = 0;
    const client = {
      config: {
        signer: async () => {
          calls += 1;
          if (calls === 1) throw new Error('no region yet');
          return { calls };
        },
      },
    };
    const signer = reuseSigners(client).config.signer;
    await expect(signer()).rejects.toThrow('no region yet');
    await new Promise((r) => setImmediate(r));
    expect(await signer()).toEqual({ calls: 2 });
    expect(await signer()).toEqual({ calls: 2 });
  });
});
