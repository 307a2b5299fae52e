/**
 * Which steps cost a durable write of their own: a JSONata Choice or Pass that reads neither the clock,
 * a UUID nor the context object is recomputed by replay, so it is deferred (it rides in the next
 * durable write); one that calls $now() is not. Found by counting the workflow bench's journal segments:
 * every JSONata state was written on its own, because each evaluation read the clock up front.
 */
import { describe, expect, it } from 'vitest';
import { MemoryJournal } from '#local/sfn/asl/memory-journal.ts';
import type { PutStepOptions, StepRecord } from '#local/sfn/contracts.ts';
import { run } from './asl-interpreter-helpers.ts';

/** Records, per step, whether the interpreter asked for it to be durable before going on. */
class RecordingJournal extends MemoryJournal {
  readonly durable = new Map<string, boolean>();
  override async putStep(key: string, record: StepRecord, options?: PutStepOptions): Promise<void> {
    this.durable.set(key, !options?.deferred);
    return super.putStep(key, record, options);
  }
}

describe('deferred steps of a JSONata state machine', () => {
  it('defers a Choice and a Pass that read no clock; writes a Pass that calls $now() durably', async () => {
    const journal = new RecordingJournal();
    const outcome = await run({
      journal,
      input: { found: true },
      definition: {
        QueryLanguage: 'JSONata',
        StartAt: 'Found',
        States: {
          Found: {
            Type: 'Choice',
            Choices: [{ Condition: '{% $states.input.found %}', Next: 'Shape' }],
            Default: 'Stamp',
          },
          Shape: { Type: 'Pass', Output: '{% {"ok": $states.input.found} %}', Next: 'Stamp' },
          Stamp: { Type: 'Pass', Output: '{% {"ok": $states.input.ok, "at": $now()} %}', End: true },
        },
      },
    });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(Object.fromEntries(journal.durable)).toEqual({ '/0': false, '/1': false, '/2': true });
  });
});
