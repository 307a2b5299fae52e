/**
 * The notifier's pure parts (recipients, templates, event parsing) and its Lambda handler against mocked
 * AWS clients (partial batch failures, the zone topic).
 */
import { PublishBatchCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { NOTIFIED_PATTERN } from '#infra/constructs/notifications.ts';
import { compilePattern, matchesEvent } from '#local/events/pattern.ts';
import { workingDaysLeft } from '#shared/calendar/statutory-clock.ts';
import {
  batchSource,
  InvalidDomainEventError,
  parseDomainEvent,
  UnknownEventError,
} from '#shared/notifications/notifier.ts';
import { managedZones, type RecipientSource, resolveRecipients } from '#shared/notifications/recipients.ts';
import { formatVietnamTime, renderMessage, TEMPLATES } from '#shared/notifications/templates.ts';
import type { DomainEvent, Recipient, RecipientKind } from '#shared/notifications/types.ts';
import { WORKFLOW_EVENTS } from '#shared/workflow/events.ts';

const AT = '2026-03-02T03:00:00.000Z';
const DUE = '2026-03-20T16:59:59.999Z';
const APP = 'app-1';
const INVESTOR = 'sub-investor';

/** The directory of the table test: two managers of zone A, one of zone B, boards and officials. */
const DIRECTORY: Record<string, Array<{ userId: string; locale?: string }>> = {
  'zone-manager#kcn-a': [{ userId: 'mgr-a1' }, { userId: 'mgr-a2', locale: 'en' }],
  'zone-manager#kcn-b': [{ userId: 'mgr-b1' }],
  'zone-board-officer#kcn-a': [{ userId: 'board-a' }],
  'zone-board-officer#kcn-b': [{ userId: 'board-b' }],
  'environment-officer#kcn-a': [{ userId: 'env-a' }],
  'environment-officer#kcn-b': [{ userId: 'env-b' }],
  'provincial-officer#province': [{ userId: 'prov' }],
  'provincial-officer#kcn-a': [{ userId: 'prov-a' }],
};

const source: RecipientSource = {
  applicationInvestor: async (id) => (id === APP ? INVESTOR : undefined),
  taskScope: async (_app, taskId) => (taskId.startsWith('env') ? 'kcn-a' : undefined),
  members: async (role, scope) => DIRECTORY[`${role}#${scope}`] ?? [],
  locale: async (userId) => (userId === INVESTOR ? 'vi' : undefined),
};

const base = (eventId: string, audience: Array<{ kind: string; id: string }>) => ({
  eventId: `${APP}:${eventId}`,
  applicationId: APP,
  at: AT,
  audience,
});
const investor = { kind: 'investor', id: INVESTOR };
const managerA = { kind: 'zone-manager', id: 'kcn-a' };

/** Every domain event a full journey emits (as the workflow builds them), with who must hear of it. */
const JOURNEY: Array<
  [name: string, detail: Record<string, unknown>, recipients: string[], topics: string[]]
> = [
  [
    'ApplicationSubmitted',
    { ...base('submitted', [investor]), investorId: INVESTOR, projectName: 'Nhà máy phân bón' },
    [INVESTOR],
    [],
  ],
  [
    'RouteDecided',
    {
      ...base('route', [investor, { kind: 'role', id: 'provincial-officer' }]),
      ruleSetId: 'law-143',
      stages: ['environment', 'provincial'],
      review: true,
    },
    [INVESTOR, 'prov'],
    [],
  ],
  [
    'SitesMatched',
    { ...base('matched', [investor]), candidates: ['a-1', 'a-2'], totalEligible: 2 },
    [INVESTOR],
    [],
  ],
  [
    'NoSiteFound',
    {
      ...base('no-site', [
        investor,
        { kind: 'zone-board', id: 'kcn-a' },
        { kind: 'zone-board', id: 'kcn-b' },
      ]),
      summary: 'no plot',
      zones: [],
      attempt: 1,
    },
    [INVESTOR, 'board-a', 'board-b'],
    [],
  ],
  [
    'PlotHeld',
    { ...base('held', [investor, managerA]), plotId: 'a-1', zoneId: 'kcn-a' },
    [INVESTOR, 'mgr-a1', 'mgr-a2'],
    ['kcn-a'],
  ],
  [
    'SiteBlocked',
    {
      ...base('site-blocked', [managerA, investor]),
      plotId: 'a-1',
      zoneId: 'kcn-a',
      blockers: [{ code: 'clearance', message: 'đang bồi thường' }],
      next: 'next-candidate',
    },
    [INVESTOR, 'mgr-a1', 'mgr-a2'],
    ['kcn-a'],
  ],
  [
    'ClearanceBlocked',
    {
      ...base('blocked', [managerA, investor]),
      plotId: 'a-1',
      clearance: 'compensation_in_progress',
      expectedDate: '2026-06-30',
    },
    [INVESTOR, 'mgr-a1', 'mgr-a2'],
    ['kcn-a'],
  ],
  [
    'ClearanceUpdated',
    { ...base('updated', [managerA]), plotId: 'a-1', clearance: 'cleared', woken: true },
    [INVESTOR, 'mgr-a1', 'mgr-a2'],
    ['kcn-a'],
  ],
  [
    'TaskCreated',
    {
      ...base('task', [{ kind: 'role', id: 'environment-officer' }]),
      taskId: 'env@app-1',
      stageId: 'environment',
      role: 'environment-officer',
      scope: 'kcn-a',
      dueAt: DUE,
      legalBasis: 'Decree 08/2022',
    },
    [INVESTOR, 'env-a'],
    [],
  ],
  [
    'TaskDueSoon',
    {
      ...base('due-soon', [{ kind: 'role', id: 'environment-officer' }]),
      taskId: 'env@app-1',
      role: 'environment-officer',
      scope: 'kcn-a',
      dueAt: DUE,
    },
    ['env-a'],
    [],
  ],
  [
    'TaskOverdue',
    {
      ...base('overdue', [
        { kind: 'role', id: 'provincial-officer' },
        { kind: 'role', id: 'environment-officer' },
      ]),
      taskId: 'env@app-1',
      from: 'environment-officer',
      to: 'provincial-officer',
      dueAt: DUE,
    },
    ['prov-a', 'env-a'],
    [],
  ],
  [
    'InformationRequested',
    { ...base('info', [investor]), taskId: 'env@app-1', requestedBy: 'env-a', questions: ['Công suất?'] },
    [INVESTOR],
    [],
  ],
  [
    'InformationProvided',
    { ...base('answered', [{ kind: 'role', id: 'environment-officer' }]), taskId: 'env@app-1', dueAt: DUE },
    ['env-a'],
    [],
  ],
  [
    'DecisionMade',
    {
      ...base('decided', [{ kind: 'role', id: 'environment-officer' }]),
      taskId: 'env@app-1',
      stageId: 'environment',
      outcome: 'approved',
      decidedBy: 'env-a',
    },
    [INVESTOR, 'env-a'],
    [],
  ],
  [
    'ApplicationApproved',
    { ...base('approved', [investor, managerA]), stages: 2 },
    [INVESTOR, 'mgr-a1', 'mgr-a2'],
    ['kcn-a'],
  ],
  [
    'PlotAllocated',
    {
      ...base('allocated', [investor, managerA]),
      plotId: 'a-1',
      zoneId: 'kcn-a',
      certificateReference: 'IRC-1',
    },
    [INVESTOR, 'mgr-a1', 'mgr-a2'],
    ['kcn-a'],
  ],
  [
    'ApplicationRejected',
    { ...base('rejected', [investor, managerA]), reasons: 'không phù hợp quy hoạch' },
    [INVESTOR, 'mgr-a1', 'mgr-a2'],
    ['kcn-a'],
  ],
  [
    'ApplicationWithdrawn',
    { ...base('withdrawn', [investor, managerA]), reason: 'đổi kế hoạch' },
    [INVESTOR, 'mgr-a1', 'mgr-a2'],
    ['kcn-a'],
  ],
  [
    'ApplicationFailed',
    {
      ...base('failed', [investor, managerA]),
      error: 'States.TaskFailed',
      cause: 'the match-sites function kept failing',
    },
    [INVESTOR, 'mgr-a1', 'mgr-a2'],
    ['kcn-a'],
  ],
  [
    'PlotReleased',
    { ...base('released', [managerA]), plotId: 'a-1', zoneId: 'kcn-a', why: 'withdrawn' },
    [INVESTOR, 'mgr-a1', 'mgr-a2'],
    ['kcn-a'],
  ],
];

const envelope = (name: string, detail: Record<string, unknown>) => ({
  source: 'laocai.onboarding',
  'detail-type': name,
  detail,
});

describe('event → recipients → channels for every event of a full journey', () => {
  const rule = compilePattern(NOTIFIED_PATTERN);

  it.each(JOURNEY)('%s', async (name, detail, expected, topics) => {
    // The notifications rule routes it to the notifier's queue (EventBridge's matching, as the local bus).
    expect(matchesEvent(rule, { ...envelope(name, detail), account: '123456789012' })).toBe(true);
    // Schemas renamed by the plumbing work are accepted under either name.
    const event = parseDomainEvent(envelope(name, detail));
    const recipients = await resolveRecipients(event, source);
    expect(recipients.map((r) => r.userId)).toEqual(expected);
    expect(managedZones(event)).toEqual(topics);
    for (const r of recipients) {
      const m = renderMessage(event, r);
      expect(m.title).toContain(APP);
      expect(m.title.length + m.body.length).toBeGreaterThan(20);
    }
  });

  it('covers every event the workflow declares with a template', () => {
    expect(Object.keys(WORKFLOW_EVENTS).filter((n) => !TEMPLATES[n])).toEqual([]);
  });

  it('has a row for every event the workflow declares, so an event no rule routes fails above', () => {
    const rows = new Set(JOURNEY.map(([name]) => name));
    expect(Object.keys(WORKFLOW_EVENTS).filter((n) => !rows.has(n))).toEqual([]);
  });

  it('does not route another source, nor a detail-type the workflow does not emit', () => {
    const [name, detail] = JOURNEY[0] ?? ['', {}];
    expect(matchesEvent(rule, { ...envelope(name, detail), source: 'laocai.other' })).toBe(false);
    expect(matchesEvent(rule, envelope('SomethingElse', detail))).toBe(false);
  });
});

describe('templates', () => {
  const taskCreated = JOURNEY.find(([name]) => name === 'TaskCreated');
  const event: DomainEvent = parseDomainEvent(envelope('TaskCreated', taskCreated?.[1] ?? {}));
  const official: Recipient = {
    userId: 'env-a',
    kind: 'official',
    locale: 'vi',
    role: 'environment-officer',
    scope: 'kcn-a',
  };

  it('writes Vietnamese with diacritics and English, the due date in Vietnam time with working days left', () => {
    const vi = renderMessage(event, official);
    const en = renderMessage(event, { ...official, locale: 'en' });
    expect(vi.title).toBe(`Nhiệm vụ mới: thẩm định hồ sơ ${APP}`);
    expect(vi.action).toBe(
      'Xem xét và quyết định (chấp thuận, từ chối hoặc yêu cầu bổ sung) trước 23:59 ngày 20/03/2026 (giờ Việt Nam), còn 14 ngày làm việc.',
    );
    expect(en.action).toBe(
      'Review and decide (approve, reject or request information) before 20 Mar 2026, 23:59 (Vietnam time), 14 working days left.',
    );
    expect(vi.dueAt).toBe(DUE);
    expect(vi.workingDaysLeft).toBe(workingDaysLeft(AT, DUE));
  });

  it('counts working days as the statutory clock does, for any event time before the due date', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 * 86_400 }), (secondsBefore) => {
        const at = new Date(Date.parse(DUE) - secondsBefore * 1000).toISOString();
        const e = { ...event, detail: { ...event.detail, at } };
        const m = renderMessage(e, official);
        expect(m.workingDaysLeft).toBe(workingDaysLeft(at, DUE));
        expect(m.action).toContain(formatVietnamTime(DUE, 'vi'));
      }),
      { numRuns: 60 },
    );
  });

  it('renders every event for every kind of recipient in both languages', () => {
    const kinds: RecipientKind[] = ['investor', 'zone-manager', 'zone-board', 'official'];
    for (const [name, detail] of JOURNEY) {
      const e = parseDomainEvent(envelope(name, detail));
      for (const kind of kinds) {
        for (const locale of ['vi', 'en'] as const) {
          const m = renderMessage(e, { userId: 'x', kind, locale, role: 'provincial-officer' });
          expect(m.title, `${name} ${kind} ${locale}`).not.toMatch(/undefined|\[object/);
          expect(m.body, `${name} ${kind} ${locale}`).not.toMatch(/undefined|\[object/);
        }
      }
    }
  });
});

describe('parseDomainEvent', () => {
  it('names the failing field of a malformed detail', () => {
    expect(() => parseDomainEvent(envelope('PlotHeld', { ...base('x', []), plotId: 'a-1' }))).toThrow(
      InvalidDomainEventError,
    );
    expect(() => parseDomainEvent(envelope('PlotHeld', { ...base('x', []), plotId: 'a-1' }))).toThrow(
      /PlotHeld: detail\.zoneId/,
    );
  });
  it('refuses another source and an unknown event', () => {
    expect(() => parseDomainEvent({ ...envelope('PlotHeld', {}), source: 'evil' })).toThrow(/source/);
    expect(() => parseDomainEvent(envelope('SomethingElse', base('x', [])))).toThrow(UnknownEventError);
  });
});

describe('notify handler (mocked AWS)', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const sns = mockClient(SNSClient);
  let handler: (e: SQSEvent) => Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }>;

  beforeAll(async () => {
    vi.stubEnv('TABLE_NAME', 'table');
    vi.stubEnv('AWS_REGION', 'ap-southeast-1');
    vi.stubEnv(
      'ZONE_TOPIC_ARNS',
      JSON.stringify({ 'kcn-a': 'arn:aws:sns:ap-southeast-1:1:laocai-zone-kcn-a' }),
    );
    ({ handler } = await import('#functions/notifications/notify.ts'));
  });
  afterEach(() => {
    ddb.reset();
    sns.reset();
  });

  const record = (id: string, body: unknown) => ({ messageId: id, body: JSON.stringify(body) });
  const MANAGER_A1 = { userId: 'mgr-a1', username: 'm', role: 'zone-manager', scope: 'kcn-a', locale: 'vi' };
  /** The data table answers every read empty but the directory's Query (`members`), and takes every write. */
  const storesAnswer = (members: Array<Record<string, unknown>>) => {
    ddb.on(BatchGetCommand).resolves({});
    ddb.on(BatchWriteCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: members });
    ddb.on(TransactWriteCommand).resolves({});
  };
  const sqs = (...records: Array<{ messageId: string; body: string }>) =>
    ({ Records: records }) as unknown as SQSEvent;

  it('stores for each recipient, publishes to the zone topic once, and reports only the failed records', async () => {
    ddb.on(GetCommand).resolves({});
    storesAnswer([MANAGER_A1]);
    sns.on(PublishBatchCommand).callsFake((input: { PublishBatchRequestEntries: Array<{ Id: string }> }) => ({
      Successful: input.PublishBatchRequestEntries.map((e) => ({ Id: e.Id, MessageId: `id-${e.Id}` })),
      Failed: [],
    }));
    const [name, detail] = JOURNEY[4] ?? ['', {}];
    const out = await handler(
      sqs(record('ok', envelope(name, detail)), record('bad', { source: 'laocai.onboarding' }), {
        messageId: 'not-json',
        body: '{',
      }),
    );
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }, { itemIdentifier: 'not-json' }]);
    // The application and the investor's language: one BatchGetItem each (the batch's reads gathered).
    const reads = ddb.commandCalls(BatchGetCommand).map((c) => c.args[0].input.RequestItems?.table?.Keys);
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
    expect(reads[0]).toEqual([{ pk: 'APP#app-1', sk: 'APP' }]);
    expect(reads[1]).toEqual([{ pk: expect.stringMatching(/^USER#/), sk: 'PROFILE' }]);
    // Investor (no application record: the audience's id) and one zone manager: both counters read in
    // one request, both people stored in one transaction (two notifications, their markers, two counters):
    // a batch of one event is not split.
    const counters = reads.find((keys) => keys?.some((k) => k.sk === 'COUNTER'));
    expect(counters).toHaveLength(2);
    const writes = ddb.commandCalls(TransactWriteCommand);
    expect(writes).toHaveLength(1);
    expect(writes[0]?.args[0].input.TransactItems).toHaveLength(6);
    // The zone topic's delivery marker, written after the publish.
    const markers = ddb.commandCalls(BatchWriteCommand)[0]?.args[0].input.RequestItems?.table ?? [];
    expect(markers.map((m) => m.PutRequest?.Item?.pk)).toEqual([expect.stringMatching(/^DELIVERY#/)]);
    // One PublishBatch for the zone's topic (one entry: one event of the zone in this batch).
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    const published = sns.commandCalls(PublishBatchCommand);
    expect(published).toHaveLength(1);
    expect(published[0]?.args[0].input.TopicArn).toBe('arn:aws:sns:ap-southeast-1:1:laocai-zone-kcn-a');
    const [entry] = published[0]?.args[0].input.PublishBatchRequestEntries ?? [];
    expect(entry?.Message).toContain('Lô a-1 được giữ cho hồ sơ app-1');
    expect(entry?.Message).toContain('Plot a-1 held by application app-1');
    expect(entry?.MessageAttributes?.dedupeKey?.StringValue).toBe('app-1:held/kcn-a');
  });

  it('fails the record whose store write fails, so the queue redelivers it', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(BatchGetCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb
      .on(TransactWriteCommand)
      .rejects(Object.assign(new Error('throttled'), { name: 'InternalServerError' }));
    const [name, detail] = JOURNEY[0] ?? ['', {}];
    const [name2, detail2] = JOURNEY[2] ?? ['', {}];
    const out = await handler(
      sqs(record('a', envelope(name, detail)), record('b', envelope(name2, detail2))),
    );
    expect(out.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['a', 'b']);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(sns.commandCalls(PublishBatchCommand)).toHaveLength(0);
  });

  it('stores the people the directory addresses apart from the investors when a batch holds several events', async () => {
    storesAnswer([MANAGER_A1]);
    sns.on(PublishBatchCommand).callsFake((input: { PublishBatchRequestEntries: Array<{ Id: string }> }) => ({
      Successful: input.PublishBatchRequestEntries.map((e) => ({ Id: e.Id, MessageId: 'x' })),
    }));
    const [name, detail] = JOURNEY[4] ?? ['', {}];
    const d = detail as Record<string, unknown> & { audience: Array<{ kind: string; id: string }> };
    const second = {
      ...d,
      eventId: 'app-2:held',
      applicationId: 'app-2',
      audience: d.audience.map((a) => (a.kind === 'investor' ? { ...a, id: 'investor-2' } : a)),
    };
    const out = await handler(sqs(record('one', envelope(name, d)), record('two', envelope(name, second))));
    expect(out.batchItemFailures).toEqual([]);
    const writes = ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);
    const owners = writes.map((items) =>
      [...new Set(items.map((t) => String(t.Put?.Item?.pk ?? t.Update?.Key?.pk)))].sort(),
    );
    // The manager's two notifications (two markers, two notifications, one counter) in one transaction,
    // the two investors' in the other.
    expect(owners.sort()).toEqual([['NOTIF#investor-2', 'NOTIF#sub-investor'], ['NOTIF#mgr-a1']]);
    expect(writes.map((w) => w.length).sort()).toEqual([5, 6]);
    const manager = writes.find((w) => w.some((t) => t.Update?.Key?.pk === 'NOTIF#mgr-a1')) ?? [];
    expect(manager.map((t) => String(t.Put?.Item?.sk ?? t.Update?.Key?.sk).split('#')[0])).toEqual([
      'EVENT',
      'EVENT',
      'COUNTER',
      'N',
      'N',
    ]);
  });

  it('publishes a batch per topic and fails only the record whose entry SNS refused (no marker for it)', async () => {
    storesAnswer([]);
    // The second entry is refused.
    sns.on(PublishBatchCommand).callsFake((input: { PublishBatchRequestEntries: Array<{ Id: string }> }) => ({
      Successful: input.PublishBatchRequestEntries.slice(0, 1).map((e) => ({ Id: e.Id, MessageId: 'x' })),
      Failed: input.PublishBatchRequestEntries.slice(1).map((e) => ({
        Id: e.Id,
        Code: 'InternalError',
        SenderFault: false,
      })),
    }));
    const [name, detail] = JOURNEY[4] ?? ['', {}];
    const second = { ...(detail as Record<string, unknown>), eventId: 'app-1:held-again' };
    const out = await handler(
      sqs(record('one', envelope(name, detail)), record('two', envelope(name, second))),
    );
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'two' }]);
    expect(sns.commandCalls(PublishBatchCommand)).toHaveLength(1);
    expect(sns.commandCalls(PublishBatchCommand)[0]?.args[0].input.PublishBatchRequestEntries).toHaveLength(
      2,
    );
    const markers = ddb
      .commandCalls(BatchWriteCommand)
      .flatMap((c) => c.args[0].input.RequestItems?.table?.map((m) => m.PutRequest?.Item?.eventId) ?? []);
    expect(markers).toEqual([(detail as { eventId: string }).eventId]);
  });

  it('skips a topic already published for this event (its delivery marker exists)', async () => {
    ddb.on(GetCommand).resolves({});
    // The batch's delivery markers are read in one BatchGetItem: the zone's is there.
    ddb
      .on(BatchGetCommand)
      .callsFake((input: { RequestItems: Record<string, { Keys: Array<{ pk: string; sk: string }> }> }) => ({
        Responses: {
          table: (input.RequestItems.table?.Keys ?? []).filter((k) => k.pk.startsWith('DELIVERY#')),
        },
      }));
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(TransactWriteCommand).resolves({});
    const [name, detail] = JOURNEY[4] ?? ['', {}];
    const out = await handler(sqs(record('ok', envelope(name, detail))));
    expect(out.batchItemFailures).toEqual([]);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(sns.commandCalls(PublishBatchCommand)).toHaveLength(0);
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(0);
  });
});

describe('batchSource: a batch reads its applications and languages together', () => {
  const event = (i: number, applicationId = `app-${i}`): DomainEvent => ({
    name: 'PlotHeld',
    detail: {
      eventId: `e-${i}`,
      applicationId,
      at: '2026-12-02T06:00:00.000Z',
      audience: [{ kind: 'investor', id: `fallback-${i}` }],
    },
  });
  const single = () => {
    const calls = { investor: [] as string[], locale: [] as string[] };
    const base: RecipientSource = {
      applicationInvestor: async (id) => {
        calls.investor.push(id);
        if (id === 'bad#id') throw new Error('applicationId: invalid');
        return `inv-of-${id}`;
      },
      taskScope: async () => undefined,
      members: async () => [],
      locale: async (userId) => {
        calls.locale.push(userId);
        return 'en';
      },
    };
    return { base, calls };
  };

  it('gathers the events of a batch into one read of each kind; an id the batch read leaves out is read alone', async () => {
    const { base, calls } = single();
    const many = { investors: [] as string[][], locales: [] as string[][] };
    const source = batchSource({
      ...base,
      applicationInvestors: async (ids) => {
        many.investors.push(ids);
        // Like the BatchGetItem reader: an id it cannot make a key of is left out of the answer.
        return new Map(
          ids
            .filter((id) => !id.includes('#'))
            .map((id) => [id, id === 'app-2' ? undefined : `inv-of-${id}`]),
        );
      },
      locales: async (ids) => {
        many.locales.push(ids);
        return new Map(ids.map((id) => [id, id === 'inv-of-app-1' ? 'en' : undefined]));
      },
    });
    const events = [event(1), event(2), event(3), event(4, 'app-1'), event(5, 'bad#id')];
    const out = await Promise.allSettled(events.map((e) => resolveRecipients(e, source)));
    // One read of the applications (app-1 once), one of the languages, nothing one at a time but the bad id.
    expect(many.investors).toEqual([['app-1', 'app-2', 'app-3', 'bad#id']]);
    expect(many.locales).toHaveLength(1);
    expect([...(many.locales[0] ?? [])].sort()).toEqual(['fallback-2', 'inv-of-app-1', 'inv-of-app-3']);
    expect(calls.investor).toEqual(['bad#id']);
    expect(calls.locale).toEqual([]);
    const ok = (i: number) => (out[i]?.status === 'fulfilled' ? out[i].value : undefined);
    expect(ok(0)).toEqual([{ userId: 'inv-of-app-1', kind: 'investor', locale: 'en' }]);
    // No application record: the audience's id, in the default language.
    expect(ok(1)).toEqual([{ userId: 'fallback-2', kind: 'investor', locale: 'vi' }]);
    expect(ok(3)).toEqual(ok(0));
    expect(out[4]?.status).toBe('rejected');
  });

  it('a failed batch read fails the events it carried, and the next read goes again', async () => {
    const { base } = single();
    let fail = true;
    const source = batchSource({
      ...base,
      applicationInvestors: async (ids) => {
        if (fail) throw new Error('table unavailable');
        return new Map(ids.map((id) => [id, `inv-of-${id}`]));
      },
      locales: async (ids) => new Map(ids.map((id) => [id, undefined])),
    });
    const first = await Promise.allSettled([event(1), event(2)].map((e) => resolveRecipients(e, source)));
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await resolveRecipients(event(1), source)).toEqual([
      { userId: 'inv-of-app-1', kind: 'investor', locale: 'vi' },
    ]);
  });
});
