/**
 * In-memory ExecutionJournal: the store for in-process runs (conformance suite, unit tests, the in-memory
 * benchmark). `snapshot()` deep-copies it so a test can "crash" an execution at any point and resume a fresh
 * `runExecution` from what had been persisted by then.
 */
import type {
  ExecutionJournal,
  HistoryEvent,
  HistoryEventInput,
  PutStepOptions,
  StepRecord,
} from '#local/sfn/contracts.ts';

export interface MemoryJournalData {
  steps: [string, StepRecord][];
  memos: [string, unknown][];
  events: { key: string; event: HistoryEvent }[];
}

export class MemoryJournal implements ExecutionJournal {
  private readonly steps = new Map<string, StepRecord>();
  private readonly memos = new Map<string, unknown>();
  private readonly events: { key: string; event: HistoryEvent }[] = [];
  private readonly eventIds = new Map<string, number>();
  /** Counts writes, so benchmarks and tests can see how much a run persisted. */
  writes = 0;

  constructor(data?: MemoryJournalData) {
    if (!data) return;
    for (const [key, record] of data.steps) this.steps.set(key, structuredClone(record));
    for (const [key, value] of data.memos) this.memos.set(key, structuredClone(value));
    for (const entry of data.events) {
      this.events.push(structuredClone(entry));
      this.eventIds.set(entry.key, entry.event.id);
    }
  }

  getStep(key: string): StepRecord | undefined {
    return this.steps.get(key);
  }

  async putStep(key: string, record: StepRecord, _options?: PutStepOptions): Promise<void> {
    this.writes++;
    // Copied so that later mutation of the interpreter's values cannot rewrite history.
    this.steps.set(key, structuredClone(record));
  }

  getMemo(key: string): unknown {
    return this.memos.get(key);
  }

  async putMemo(key: string, value: unknown): Promise<void> {
    this.writes++;
    this.memos.set(key, structuredClone(value));
  }

  async appendEvent(eventKey: string, event: HistoryEventInput): Promise<void> {
    if (this.eventIds.has(eventKey)) return;
    this.writes++;
    const id = this.events.length + 1;
    this.eventIds.set(eventKey, id);
    this.events.push({ key: eventKey, event: { ...structuredClone(event), id, previousEventId: id - 1 } });
  }

  /** Number of events recorded so far (ids are 1-based, so the next event gets `eventCount() + 1`). */
  eventCount(): number {
    return this.events.length;
  }

  /** The id of the event recorded under `eventKey`, if any (lets a resumed step cite its entered event). */
  eventIdOf(eventKey: string): number | undefined {
    return this.eventIds.get(eventKey);
  }

  /** The recorded history, in append order, as GetExecutionHistory would list it. */
  history(): HistoryEvent[] {
    return this.events.map((entry) => entry.event);
  }

  hasStep(key: string): boolean {
    return this.steps.has(key);
  }

  stepKeys(): string[] {
    return [...this.steps.keys()];
  }

  /** A deep copy of everything persisted so far: what a crashed process would find on restart. */
  snapshot(): MemoryJournal {
    return new MemoryJournal(this.toData());
  }

  toData(): MemoryJournalData {
    return structuredClone({
      steps: [...this.steps.entries()],
      memos: [...this.memos.entries()],
      events: this.events,
    });
  }
}
