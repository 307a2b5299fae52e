/**
 * The local EventBridge API (AWS JSON 1.1, `X-Amz-Target: AWSEvents.<Op>`), served by the local cloud's
 * one AWS endpoint beside Step Functions: PutEvents, TestEventPattern, PutRule, DescribeRule, DeleteRule,
 * ListRules, EnableRule, DisableRule, PutTargets, ListTargetsByRule, RemoveTargets. Errors carry AWS's
 * codes (`__type`) and, where recorded, its messages.
 *
 * PutEvents validates each entry as AWS does (a bad entry fails alone, in `Entries` and
 * `FailedEntryCount`), matches the event against every enabled rule of its bus with the same matcher as
 * TestEventPattern, records each match (rule, event) in the delivery log and puts it on its queue targets
 * (both in one request when the stores share a DynamoDB client), then records the entry in the engine's
 * outbox (channel `events.putEvents`) as before. A bus's rules are
 * read once a second at most (`rulesTtlMs`; this service's own rule changes are seen at once). A call's entries
 * are written together (one delivery-log write, one send per queue, one outbox write), and the stores
 * group these with other calls' writes in flight. Delivery is at least once, as on AWS: an entry whose
 * writes failed is reported failed and may be sent again with a new event id (the workflow's details
 * carry their own `eventId` for consumers to drop duplicates).
 */
import { randomUUID } from 'node:crypto';
import { retryBounded } from '#shared/retry.ts';
import {
  type CompiledPattern,
  compilePattern,
  type FlatEvent,
  flattenEvent,
  InvalidEventPatternError,
  matchesFlat,
} from './pattern.ts';
import type { DeliveryRecord, EventsStore, RuleRecord, TargetRecord } from './store.ts';

/** An error the EventBridge API answers with: `type` is AWS's error code (`__type`). */
export class EventsApiError extends Error {
  override readonly name = 'EventsApiError';
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

type Operation = (request: Record<string, unknown>) => Promise<Record<string, unknown>>;

export interface EventsOutboxEntry {
  channel: 'events.putEvents';
  executionArn: string;
  stateName: string;
  recordedAt: number;
  id: string;
  message: unknown;
}

/** Where PutEvents also records each accepted entry (the engine's outbox). */
export interface EventsOutbox {
  recordOutbox(entry: EventsOutboxEntry): Promise<void>;
  /** Several entries in as few requests as the store can (a PutEvents call's entries); optional. */
  recordOutboxMany?(entries: EventsOutboxEntry[]): Promise<void>;
}

export interface EventsServiceOptions {
  store: EventsStore;
  region: string;
  accountId: string;
  /** Epoch ms. */
  now?: () => number;
  outbox?: EventsOutbox;
  /**
   * Delivers an entry's matches to their targets (the local SQS for queue targets) once they are in the
   * delivery log; a rejection fails the entry (`InternalFailure`) so its sender retries it.
   */
  deliver?: (deliveries: DeliveryRecord[]) => Promise<void>;
  /**
   * Told why entries were answered failed (the store's error), since the answer itself only says
   * `InternalFailure` as AWS does; default: one line on stderr.
   */
  log?: (message: string) => void;
  /**
   * How long PutEvents may use a bus's rules read earlier, in ms (default 1,000; 0 reads them on every
   * call). This service's own rule changes (PutRule, DeleteRule, targets, state) are seen at once; another
   * process's within this time, as the engine sees another process's state machines.
   */
  rulesTtlMs?: number;
}

/**
 * A store step of PutEvents (the rules' read, the outbox write) is retried with backoff before its
 * entries are answered failed: under heavy load DynamoDB Local answers late or drops a connection now and
 * then, and a failed entry costs its sender a resend.
 */
const STORE_RETRY = { attempts: 5, baseDelayMs: 25, maxDelayMs: 1_000 };

const validation = (message: string) => new EventsApiError('ValidationException', message);
const MAX_ENTRIES = 10;
/** PutEvents' limit on the entries of one request, counted as AWS counts them. */
export const MAX_PUT_EVENTS_BYTES = 256 * 1024;
const RULE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
const BUS_NAME = /^[/.\-_A-Za-z0-9]{1,256}$/;
const RULE_STATES = new Set(['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS']);
const MAX_TARGETS_PER_RULE = 5;
/** Fields TestEventPattern requires of the event (AWS documents `resources` too, but does not require it). */
const EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'detail-type'];

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** AWS's size of one entry: Time (14 bytes), Source, DetailType, Detail and each resource in UTF-8. */
export function entrySize(entry: Record<string, unknown>): number {
  let size = entry.Time !== undefined ? 14 : 0;
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    const v = str(entry[field]);
    if (v) size += Buffer.byteLength(v);
  }
  if (Array.isArray(entry.Resources)) for (const r of entry.Resources) size += Buffer.byteLength(String(r));
  return size;
}

/** An ISO time without milliseconds, as EventBridge writes `time`. */
const isoSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export class EventsService {
  private readonly store: EventsStore;
  private readonly now: () => number;
  private readonly compiled = new Map<string, CompiledPattern>();
  /** Each bus's rules as last read for PutEvents, and when (real time, not the service's clock). */
  private readonly rulesCache = new Map<string, { readAt: number; rules: Promise<RuleRecord[]> }>();
  /** Bumped by each rule change of a bus, so a read that started before the change is not kept. */
  private readonly rulesGeneration = new Map<string, number>();

  constructor(private readonly options: EventsServiceOptions) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
  }

  /**
   * The bus's rules for PutEvents: read once per `rulesTtlMs` (with retries), then from memory. A read
   * that fails is not kept; one that a rule change of this service overtook is used by its callers but
   * not kept for the next.
   */
  private rulesForPutEvents(bus: string): Promise<RuleRecord[]> {
    const ttl = this.options.rulesTtlMs ?? 1_000;
    const cached = this.rulesCache.get(bus);
    if (cached && Date.now() - cached.readAt < ttl) return cached.rules;
    const generation = this.rulesGeneration.get(bus) ?? 0;
    const readAt = Date.now();
    const rules = retryBounded(`PutEvents: rules of ${bus}`, () => this.store.rulesOfBus(bus), STORE_RETRY);
    if (ttl > 0) {
      const entry = { readAt, rules };
      this.rulesCache.set(bus, entry);
      const forget = () => {
        if (this.rulesCache.get(bus) === entry) this.rulesCache.delete(bus);
      };
      rules.then(() => {
        if ((this.rulesGeneration.get(bus) ?? 0) !== generation) forget();
      }, forget);
    }
    return rules;
  }

  /** A rule of `bus` changed here: the next PutEvents reads the rules again. */
  private rulesChanged(bus: string): void {
    this.rulesGeneration.set(bus, (this.rulesGeneration.get(bus) ?? 0) + 1);
    this.rulesCache.delete(bus);
  }

  /** The bus name of an `EventBusName` parameter (a name or an ARN); `default` when absent. */
  busOf(value: unknown): string {
    if (value === undefined || value === null) return 'default';
    if (typeof value !== 'string' || value === '')
      throw validation('EventBusName: must be a non-empty string');
    const name = value.startsWith('arn:')
      ? value.slice(value.indexOf(':event-bus/') + ':event-bus/'.length)
      : value;
    if (!BUS_NAME.test(name) || (value.startsWith('arn:') && !value.includes(':event-bus/'))) {
      throw validation(
        `1 validation error detected: Value '${value}' at 'eventBusName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:aws[\\w-]*:events:[a-z]{2}-[a-z]+-[\\w-]+:[0-9]{12}:event-bus\\/)?[/\\.\\-_A-Za-z0-9]+`,
      );
    }
    return name;
  }

  ruleArn(bus: string, name: string): string {
    const path = bus === 'default' ? name : `${bus}/${name}`;
    return `arn:aws:events:${this.options.region}:${this.options.accountId}:rule/${path}`;
  }

  private pattern(text: string): CompiledPattern {
    let compiled = this.compiled.get(text);
    if (!compiled) {
      compiled = compilePattern(text);
      if (this.compiled.size > 10_000) this.compiled.clear();
      this.compiled.set(text, compiled);
    }
    return compiled;
  }

  /** Validates a pattern as PutRule does; InvalidEventPatternException with AWS's message. */
  private checkPattern(text: unknown): string {
    if (typeof text !== 'string') throw validation('EventPattern: must be a JSON string');
    try {
      this.pattern(text);
    } catch (err) {
      if (err instanceof InvalidEventPatternError) throw new EventsApiError(err.code, err.message);
      throw err;
    }
    return text;
  }

  private ruleName(value: unknown, field = 'name'): string {
    if (typeof value !== 'string' || !RULE_NAME.test(value)) {
      throw validation(
        `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length between 1 and 64`,
      );
    }
    return value;
  }

  private async requireRule(bus: string, name: string): Promise<RuleRecord> {
    const rule = await this.store.getRule(bus, name);
    if (!rule)
      throw new EventsApiError(
        'ResourceNotFoundException',
        `Rule ${name} does not exist on EventBus ${bus}.`,
      );
    return rule;
  }

  /** Creates or updates a rule (PutRule; also the template's rules at start). Keeps existing targets. */
  async putRule(request: Record<string, unknown>): Promise<{ RuleArn: string }> {
    const name = this.ruleName(request.Name);
    const bus = this.busOf(request.EventBusName);
    const eventPattern =
      request.EventPattern === undefined ? undefined : this.checkPattern(request.EventPattern);
    const scheduleExpression = str(request.ScheduleExpression);
    if (eventPattern === undefined && scheduleExpression === undefined) {
      throw validation('Parameter(s) EventPattern or ScheduleExpression must be specified.');
    }
    if (scheduleExpression !== undefined && bus !== 'default') {
      throw validation('ScheduleExpression is supported only on the default event bus.');
    }
    const state = request.State === undefined ? 'ENABLED' : String(request.State);
    if (!RULE_STATES.has(state)) {
      throw validation(
        `1 validation error detected: Value '${state}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]`,
      );
    }
    const existing = await this.store.getRule(bus, name);
    const rule: RuleRecord = {
      bus,
      name,
      arn: this.ruleArn(bus, name),
      state,
      targets: existing?.targets ?? [],
      createdAt: existing?.createdAt ?? this.now(),
      ...(eventPattern !== undefined ? { eventPattern } : {}),
      ...(scheduleExpression !== undefined ? { scheduleExpression } : {}),
      ...(str(request.Description) !== undefined ? { description: str(request.Description) } : {}),
      ...(str(request.RoleArn) !== undefined ? { roleArn: str(request.RoleArn) } : {}),
    };
    try {
      await this.store.putRule(rule);
    } finally {
      this.rulesChanged(bus);
    }
    return { RuleArn: rule.arn };
  }

  /** Replaces a rule's targets with these (the template's rules at start). */
  async setTargets(bus: string, name: string, targets: TargetRecord[]): Promise<void> {
    const rule = await this.requireRule(bus, name);
    await this.putChanged({ ...rule, targets });
  }

  /** Stores a changed rule (targets, state) and forgets its bus's cached rules. */
  private async putChanged(rule: RuleRecord): Promise<void> {
    try {
      await this.store.putRule(rule);
    } finally {
      this.rulesChanged(rule.bus);
    }
  }

  private describe(rule: RuleRecord): Record<string, unknown> {
    return {
      Name: rule.name,
      Arn: rule.arn,
      EventBusName: rule.bus,
      State: rule.state,
      ...(rule.eventPattern !== undefined ? { EventPattern: rule.eventPattern } : {}),
      ...(rule.scheduleExpression !== undefined ? { ScheduleExpression: rule.scheduleExpression } : {}),
      ...(rule.description !== undefined ? { Description: rule.description } : {}),
      ...(rule.roleArn !== undefined ? { RoleArn: rule.roleArn } : {}),
    };
  }

  /** Every rule of a bus that matches the event (already flattened); enabled rules only. */
  async matchingRules(bus: string, flat: FlatEvent, rules?: RuleRecord[]): Promise<RuleRecord[]> {
    const candidates = rules ?? (await this.store.rulesOfBus(bus));
    return candidates.filter(
      (r) =>
        r.state !== 'DISABLED' &&
        r.eventPattern !== undefined &&
        matchesFlat(this.pattern(r.eventPattern), flat),
    );
  }

  /** The deliveries recorded for a rule (what the notifier consumes). */
  deliveries(bus: string, name: string): Promise<DeliveryRecord[]> {
    return this.store.listDeliveries(this.ruleArn(bus, name));
  }

  private async putEvents(request: Record<string, unknown>) {
    const entries = request.Entries;
    if (!Array.isArray(entries)) {
      throw validation(
        "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
      );
    }
    if (entries.length < 1 || entries.length > MAX_ENTRIES) {
      throw validation(
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${entries.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_ENTRIES}`}`,
      );
    }
    const total = entries.reduce(
      (sum: number, e) => sum + entrySize((e ?? {}) as Record<string, unknown>),
      0,
    );
    if (total > MAX_PUT_EVENTS_BYTES)
      throw validation('Total size of the entries in the request is over the limit.');

    // Each entry is checked and matched on its own; then the call's matches are written together (one
    // delivery-log write, one send per queue, one outbox write), since DynamoDB Local pays per request.
    const rulesByBus = new Map<string, Promise<RuleRecord[]>>();
    type Accepted = {
      id: string;
      entry: Record<string, unknown>;
      recordedAt: number;
      deliveries: DeliveryRecord[];
    };
    type Result = { EventId: string } | { ErrorCode: string; ErrorMessage: string };
    const internal = { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal Service Error' };
    const prepared: Array<Result | Accepted> = await Promise.all(
      (entries as Record<string, unknown>[]).map(async (raw) => {
        const entry = (raw ?? {}) as Record<string, unknown>;
        const problem = this.entryProblem(entry);
        if (problem) return problem;
        let bus: string;
        try {
          bus = this.busOf(entry.EventBusName);
        } catch (err) {
          return { ErrorCode: 'InvalidArgument', ErrorMessage: (err as Error).message };
        }
        const id = randomUUID();
        const recordedAt = this.now();
        const time = typeof entry.Time === 'number' ? entry.Time * 1000 : recordedAt;
        const event = {
          version: '0',
          id,
          'detail-type': entry.DetailType,
          source: entry.Source,
          account: this.options.accountId,
          time: isoSeconds(time),
          region: this.options.region,
          resources: Array.isArray(entry.Resources) ? entry.Resources.map(String) : [],
          detail: JSON.parse(entry.Detail as string) as unknown,
        };
        try {
          let rules = rulesByBus.get(bus);
          if (!rules) {
            rules = this.rulesForPutEvents(bus);
            rulesByBus.set(bus, rules);
          }
          const matched = await this.matchingRules(bus, flattenEvent(event), await rules);
          const deliveries = matched.map((rule) => ({
            ruleArn: rule.arn,
            bus,
            ruleName: rule.name,
            eventId: id,
            event,
            targets: rule.targets,
            recordedAt,
          }));
          return { id, entry, recordedAt, deliveries };
        } catch (error) {
          this.failed(1, error);
          return internal;
        }
      }),
    );
    const accepted = prepared.filter((p): p is Accepted => 'deliveries' in p);
    const failed = new Set<Accepted>();
    // The entries with matches: their deliveries, then their queue messages, all or none of them failed.
    const routed = accepted.filter((a) => a.deliveries.length > 0);
    if (routed.length > 0) {
      const deliveries = routed.flatMap((a) => a.deliveries);
      // Asked for in the same turn, so the records and the messages (all new keys) share one request.
      const [logged, sent] = await Promise.allSettled([
        this.store.recordDeliveries(deliveries),
        this.options.deliver?.(deliveries),
      ]);
      const error =
        logged.status === 'rejected' ? logged.reason : sent.status === 'rejected' ? sent.reason : undefined;
      if (logged.status === 'rejected' || sent.status === 'rejected') {
        this.failed(routed.length, error);
        for (const a of routed) failed.add(a);
      }
    }
    const outboxed = accepted.filter((a) => !failed.has(a));
    const outbox = this.options.outbox;
    if (outbox && outboxed.length > 0) {
      const records = outboxed.map((a) => ({
        channel: 'events.putEvents' as const,
        executionArn: '',
        stateName: 'PutEvents',
        recordedAt: a.recordedAt,
        id: a.id,
        message: a.entry,
      }));
      const many = outbox.recordOutboxMany?.bind(outbox);
      if (many) {
        try {
          await retryBounded('PutEvents: outbox', () => many(records), STORE_RETRY);
        } catch (error) {
          this.failed(outboxed.length, error);
          for (const a of outboxed) failed.add(a);
        }
      } else {
        await Promise.all(
          records.map(async (r, i) => {
            try {
              await retryBounded('PutEvents: outbox', () => outbox.recordOutbox(r), STORE_RETRY);
            } catch (error) {
              this.failed(1, error);
              failed.add(outboxed[i] as Accepted);
            }
          }),
        );
      }
    }
    const results: Result[] = prepared.map((p) =>
      'deliveries' in p ? (failed.has(p) ? internal : { EventId: p.id }) : p,
    );
    return { Entries: results, FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length };
  }

  /** Says why `count` entries are answered failed (their senders are told only InternalFailure). */
  private failed(count: number, error: unknown): void {
    const cause = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    (this.options.log ?? ((m: string) => console.warn(m)))(
      `local EventBridge: ${count} PutEvents entr${count === 1 ? 'y' : 'ies'} answered InternalFailure (${cause})`,
    );
  }

  /** What AWS answers for an entry it refuses, or undefined when the entry is well formed. */
  private entryProblem(
    entry: Record<string, unknown>,
  ): { ErrorCode: string; ErrorMessage: string } | undefined {
    for (const field of ['Source', 'DetailType', 'Detail'] as const) {
      if (typeof entry[field] !== 'string' || entry[field] === '') {
        return {
          ErrorCode: 'InvalidArgument',
          ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
        };
      }
    }
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail as string);
    } catch {
      detail = undefined;
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    return undefined;
  }

  private testEventPattern(request: Record<string, unknown>) {
    const text = this.checkPattern(request.EventPattern);
    if (typeof request.Event !== 'string') throw validation('Parameter Event is not valid.');
    let event: unknown;
    try {
      event = JSON.parse(request.Event);
    } catch {
      throw validation('Parameter Event is not valid.');
    }
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      throw validation('Parameter Event is not valid.');
    }
    if (!EVENT_FIELDS.every((f) => Object.hasOwn(event as object, f)))
      throw validation('Parameter Event is not valid.');
    return { Result: matchesFlat(this.pattern(text), flattenEvent(event)) };
  }

  private async listRules(request: Record<string, unknown>) {
    const bus = this.busOf(request.EventBusName);
    const limit = request.Limit === undefined ? 100 : Number(request.Limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw validation(
        `1 validation error detected: Value '${String(request.Limit)}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100`,
      );
    }
    const prefix = str(request.NamePrefix);
    let after: string | undefined;
    if (request.NextToken !== undefined) {
      after = this.decodeToken(request.NextToken, bus, prefix);
    }
    const page = await this.store.listRules({
      bus,
      limit,
      ...(prefix ? { prefix } : {}),
      ...(after ? { after } : {}),
    });
    return {
      Rules: page.rules.map((r) => this.describe(r)),
      ...(page.after !== undefined ? { NextToken: this.encodeToken(page.after, bus, prefix) } : {}),
    };
  }

  /** Page tokens name the last rule shown and the list they belong to (a token of another list is refused). */
  private encodeToken(after: string, bus: string, prefix: string | undefined): string {
    return Buffer.from(JSON.stringify({ a: after, b: bus, p: prefix ?? '' })).toString('base64url');
  }
  private decodeToken(token: unknown, bus: string, prefix: string | undefined): string {
    try {
      const parsed = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      if (parsed.b === bus && parsed.p === (prefix ?? '') && typeof parsed.a === 'string') return parsed.a;
    } catch {
      // falls through to the error below
    }
    throw validation('The NextToken provided is invalid.');
  }

  private async putTargets(request: Record<string, unknown>) {
    const name = this.ruleName(request.Rule, 'rule');
    const bus = this.busOf(request.EventBusName);
    const targets = request.Targets;
    if (!Array.isArray(targets) || targets.length < 1 || targets.length > 10) {
      throw validation(
        "1 validation error detected: Value at 'targets' failed to satisfy constraint: Member must have length between 1 and 10",
      );
    }
    const rule = await this.requireRule(bus, name);
    const byId = new Map(rule.targets.map((t) => [t.Id, t]));
    for (const t of targets as Record<string, unknown>[]) {
      if (
        typeof t?.Id !== 'string' ||
        !/^[.\-_A-Za-z0-9]{1,64}$/.test(t.Id) ||
        typeof t.Arn !== 'string' ||
        t.Arn === ''
      ) {
        throw validation('Each target needs an Id ([.-_A-Za-z0-9]{1,64}) and an Arn');
      }
      byId.set(t.Id, { ...(t as TargetRecord) });
    }
    if (byId.size > MAX_TARGETS_PER_RULE) {
      throw new EventsApiError(
        'LimitExceededException',
        'The requested resource exceeds the maximum number allowed.',
      );
    }
    await this.putChanged({ ...rule, targets: [...byId.values()] });
    return { FailedEntryCount: 0, FailedEntries: [] };
  }

  private async removeTargets(request: Record<string, unknown>) {
    const name = this.ruleName(request.Rule, 'rule');
    const bus = this.busOf(request.EventBusName);
    if (!Array.isArray(request.Ids) || request.Ids.length < 1) {
      throw validation(
        "1 validation error detected: Value at 'ids' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
    }
    const ids = new Set(request.Ids.map(String));
    const rule = await this.requireRule(bus, name);
    await this.putChanged({ ...rule, targets: rule.targets.filter((t) => !ids.has(t.Id)) });
    return { FailedEntryCount: 0, FailedEntries: [] };
  }

  private async setState(request: Record<string, unknown>, state: 'ENABLED' | 'DISABLED') {
    const name = this.ruleName(request.Name);
    const bus = this.busOf(request.EventBusName);
    const rule = await this.requireRule(bus, name);
    await this.putChanged({ ...rule, state });
    return {};
  }

  /** The operations by name, for the AWS endpoint to dispatch `AWSEvents.<Op>` to. */
  operations(): Record<string, Operation> {
    return {
      PutEvents: (r) => this.putEvents(r),
      TestEventPattern: async (r) => this.testEventPattern(r),
      PutRule: async (r) => this.putRule(r),
      DescribeRule: async (r) => {
        const rule = await this.requireRule(this.busOf(r.EventBusName), this.ruleName(r.Name));
        return { ...this.describe(rule), CreatedBy: this.options.accountId };
      },
      DeleteRule: async (r) => {
        const bus = this.busOf(r.EventBusName);
        const name = this.ruleName(r.Name);
        const rule = await this.store.getRule(bus, name);
        if (rule && rule.targets.length > 0) throw validation("Rule can't be deleted since it has targets.");
        if (rule) {
          try {
            await this.store.deleteRule(bus, name);
          } finally {
            this.rulesChanged(bus);
          }
        }
        return {};
      },
      ListRules: (r) => this.listRules(r),
      EnableRule: (r) => this.setState(r, 'ENABLED'),
      DisableRule: (r) => this.setState(r, 'DISABLED'),
      PutTargets: (r) => this.putTargets(r),
      ListTargetsByRule: async (r) => {
        const rule = await this.requireRule(this.busOf(r.EventBusName), this.ruleName(r.Rule, 'rule'));
        return { Targets: rule.targets };
      },
      RemoveTargets: (r) => this.removeTargets(r),
    };
  }
}
