import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EnquirySchema, parseEnquiry } from '#shared/enquiry/schema.ts';

const dir = new URL('../fixtures/enquiries/', import.meta.url);
const load = (f: string) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as unknown;
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
const valid = files.filter((f) => f.startsWith('valid-'));
const invalid = files.filter((f) => f.startsWith('invalid-'));

// biome-ignore lint/suspicious/noExplicitAny: the breakers below poke arbitrary nested fields of a JSON copy.
type Loose = Record<string, any>;

interface InvalidFixture {
  input: unknown;
  expectedErrors: { path: string; rule: string }[];
}

describe('parseEnquiry', () => {
  it.each(valid)('accepts %s', (f) => {
    const r = parseEnquiry(load(f));
    expect(r.ok ? [] : r.errors).toEqual([]);
  });

  it.each(invalid)('reports every failing field of %s with its rule', (f) => {
    const fx = load(f) as InvalidFixture;
    const r = parseEnquiry(fx.input);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const got = r.errors.map((e) => ({ path: e.path, rule: e.rule }));
    for (const want of fx.expectedErrors) expect(got).toContainEqual(want);
    // ...and nothing at a path the fixture does not expect.
    expect([...new Set(got.map((e) => e.path))].sort()).toEqual(
      [...new Set(fx.expectedErrors.map((e) => e.path))].sort(),
    );
    for (const e of r.errors) expect(e.message.length).toBeGreaterThan(0);
  });

  it('applies the defaults a minimal enquiry leaves out', () => {
    const r = parseEnquiry(load('valid-warehouse-minimal.json'));
    if (!r.ok) throw new Error('fixture should parse');
    expect(r.enquiry.preferredLocations).toEqual([]);
    expect(r.enquiry.preferredKinds).toEqual([]);
    expect(r.enquiry.utilitiesNeeded).toEqual({ powerKva: 0, waterM3PerDay: 0, wastewaterM3PerDay: 0 });
  });

  it('asks for an enterprise code or a foreign registration when both are missing', () => {
    const input = structuredClone(load('valid-garments-domestic.json')) as {
      investor: Record<string, unknown>;
    };
    delete input.investor.enterpriseCode;
    const r = parseEnquiry(input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toEqual([
        expect.objectContaining({
          path: 'investor.enterpriseCode',
          rule: 'exactly_one_of:enterpriseCode,foreignRegistration',
        }),
      ]);
    }
  });

  it('bounds every string: an oversized description is refused with its limit', () => {
    const input = structuredClone(load('valid-garments-domestic.json')) as {
      project: { description: string };
    };
    input.project.description = 'x'.repeat(4_001);
    const r = parseEnquiry(input);
    expect(r.ok ? [] : r.errors.map((e) => `${e.path} ${e.rule}`)).toEqual(['project.description max:4000']);
  });

  it('accepts a 13-digit enterprise code of a dependent unit, with or without the hyphen', () => {
    for (const code of ['0101234567-001', '0101234567001']) {
      const input = structuredClone(load('valid-garments-domestic.json')) as {
        investor: { enterpriseCode: string };
      };
      input.investor.enterpriseCode = code;
      expect(parseEnquiry(input).ok).toBe(true);
    }
  });

  it('never throws, whatever it is given, and reports at least one error for garbage', () => {
    fc.assert(
      fc.property(fc.anything(), (x) => {
        const r = parseEnquiry(x);
        return r.ok || r.errors.length > 0;
      }),
      { numRuns: 300 },
    );
  });

  it('reports each broken field of an otherwise valid enquiry at its own path', () => {
    const base = load('valid-copper-refinery-foreign.json') as Record<string, unknown>;
    const breakers: [string, (e: Loose) => void][] = [
      ['landAreaHa', (e) => (e.landAreaHa = 0)],
      ['jobs', (e) => (e.jobs = -1)],
      ['desiredStartDate', (e) => (e.desiredStartDate = '2027-13-01')],
      ['project.vsic.code', (e) => (e.project.vsic.code = '24A0')],
      ['investor.contact.email', (e) => (e.investor.contact.email = 'x@')],
      ['utilitiesNeeded.powerKva', (e) => (e.utilitiesNeeded.powerKva = 1.5)],
      ['preferredLocations[0].type', (e) => (e.preferredLocations[0].type = 'province')],
    ];
    fc.assert(
      fc.property(fc.subarray(breakers, { minLength: 1 }), (chosen) => {
        const e = structuredClone(base) as Loose;
        for (const [, brk] of chosen) brk(e);
        const r = parseEnquiry(e);
        if (r.ok) return false;
        const paths = new Set(r.errors.map((x) => x.path));
        return chosen.every(([p]) => paths.has(p)) && paths.size === chosen.length;
      }),
      { numRuns: 60 },
    );
  });

  it('is the same schema the handlers use (EnquirySchema parses the valid fixtures)', () => {
    for (const f of valid) expect(EnquirySchema.safeParse(load(f)).success).toBe(true);
  });
});
