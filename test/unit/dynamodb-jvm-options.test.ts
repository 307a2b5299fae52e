import { describe, expect, it } from 'vitest';
import { JVM_PROFILES, javaOptionsFor } from '#local/dynamodb/launcher.ts';

describe('javaOptionsFor (the JVM flags DynamoDB Local starts with)', () => {
  it('uses the start-up profile unless told otherwise', () => {
    expect(javaOptionsFor({}, {})).toEqual([...JVM_PROFILES.startup]);
    expect(javaOptionsFor({}, {})).toContain('-XX:TieredStopAtLevel=1');
  });

  it('uses the throughput profile when asked', () => {
    expect(javaOptionsFor({ jvm: 'throughput' }, {})).toEqual([...JVM_PROFILES.throughput]);
  });

  it('takes explicit flags instead of the profile', () => {
    expect(javaOptionsFor({ jvm: 'throughput', javaOptions: ['-Xmx64m'] }, {})).toEqual(['-Xmx64m']);
  });

  it('appends DYNAMODB_LOCAL_JAVA_OPTS, split on whitespace, after the profile', () => {
    const env = { DYNAMODB_LOCAL_JAVA_OPTS: '  -Xss512k \t -XX:+UseParallelGC ' };
    expect(javaOptionsFor({}, env)).toEqual([...JVM_PROFILES.startup, '-Xss512k', '-XX:+UseParallelGC']);
    expect(javaOptionsFor({ javaOptions: ['-Xmx64m'] }, env)).toEqual([
      '-Xmx64m',
      '-Xss512k',
      '-XX:+UseParallelGC',
    ]);
  });

  it('ignores an empty DYNAMODB_LOCAL_JAVA_OPTS', () => {
    expect(javaOptionsFor({}, { DYNAMODB_LOCAL_JAVA_OPTS: '   ' })).toEqual([...JVM_PROFILES.startup]);
  });

  it('takes the default profile from DYNAMODB_LOCAL_JVM; the option wins over it', () => {
    const env = { DYNAMODB_LOCAL_JVM: 'throughput' };
    expect(javaOptionsFor({}, env)).toEqual([...JVM_PROFILES.throughput]);
    expect(javaOptionsFor({ jvm: 'startup' }, env)).toEqual([...JVM_PROFILES.startup]);
  });

  it('refuses a DYNAMODB_LOCAL_JVM that names no profile', () => {
    expect(() => javaOptionsFor({}, { DYNAMODB_LOCAL_JVM: 'fast' })).toThrow(/not a JVM profile/);
  });

  it('keeps C1-only compilation for start-up and full tiered compilation for throughput', () => {
    expect(JVM_PROFILES.throughput.some((flag) => flag.startsWith('-XX:TieredStopAtLevel'))).toBe(false);
  });
});
