import {
  type CancellationReason,
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ApplicationHoldsAnotherPlotError,
  ApplicationNotFoundError,
  InvalidCursorError,
  InvalidRepositoryInputError,
  PlotNotFoundError,
  PlotUnavailableError,
  Repository,
  StaleVersionError,
  TimelineEventExistsError,
  TransactionContentionError,
} from '#shared/repository/index.ts';
import { samplePlot, sampleZone } from '../helpers/dynamodb.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const NOW = new Date('2026-03-01T08:00:00.000Z');
const repo = () =>
  new Repository(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'ap-southeast-1' })), 'Table', {
    now: () => NOW,
  });

function cancelled(reasons: CancellationReason[]) {
  return new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: reasons,
  });
}

function conditionFailed(item?: Record<string, unknown>) {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    ...(item ? { Item: marshall(item) } : {}),
  });
}

beforeEach(() => {
  ddb.reset();
});

/** The LastEvaluatedKey DynamoDB returns for gsi1 (an investor's applications). */
function investorKey(investorId: string, applicationId: string, createdAt = NOW.toISOString()) {
  return {
    gsi1pk: `INVESTOR#${investorId}`,
    gsi1sk: `APP#${createdAt}#${applicationId}`,
    pk: `APP#${applicationId}`,
    sk: 'APP',
  };
}

/** The LastEvaluatedKey of gsi2 (an inbox). */
function inboxKey(
  inbox: { role: string; scope: string; status: string },
  applicationId: string,
  taskId: string,
) {
  return {
    gsi2pk: `INBOX#${inbox.role}#${inbox.scope}#${inbox.status}`,
    gsi2sk: `DUE#2026-03-10T00:00:00.000Z#${taskId}`,
    pk: `APP#${applicationId}`,
    sk: `TASK#${taskId}`,
  };
}

describe('holdPlot', () => {
  it('writes the plot and the application in one transaction, conditioned on the plot being free', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    const hold = await repo().holdPlot('dpm-001', 'app-1', { expiresAt: '2026-03-08T00:00:00Z' });

    expect(hold).toEqual({
      plotId: 'dpm-001',
      applicationId: 'app-1',
      heldAt: NOW.toISOString(),
      expiresAt: '2026-03-08T00:00:00.000Z',
    });
    const calls = ddb.commandCalls(TransactWriteCommand);
    expect(calls).toHaveLength(1);
    const [plot, app] = calls[0]?.args[0].input.TransactItems ?? [];
    expect(plot?.Update).toMatchObject({
      TableName: 'Table',
      Key: { pk: 'PLOT#dpm-001', sk: 'PLOT' },
      ConditionExpression:
        'attribute_exists(pk) AND (#status = :available OR (#status = :held AND holderApplicationId = :app))',
      ExpressionAttributeValues: expect.objectContaining({
        ':app': 'app-1',
        ':available': 'available',
        ':gsi3sk': 'STATUS#held#PLOT#dpm-001',
      }),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(plot?.Update?.UpdateExpression).toContain('gsi3sk = :gsi3sk');
    expect(app?.Update).toMatchObject({
      Key: { pk: 'APP#app-1', sk: 'APP' },
      ConditionExpression:
        'attribute_exists(pk) AND attribute_not_exists(allocatedPlotId) AND (attribute_not_exists(heldPlotId) OR heldPlotId = :plot)',
    });
  });

  it('names the current holder when the plot is taken', async () => {
    ddb.on(TransactWriteCommand).rejects(
      cancelled([
        {
          Code: 'ConditionalCheckFailed',
          Item: marshall({ status: 'held', holderApplicationId: 'app-0' }),
        },
        { Code: 'None' },
      ]),
    );

    const attempt = repo().holdPlot('dpm-001', 'app-1');

    await expect(attempt).rejects.toBeInstanceOf(PlotUnavailableError);
    await expect(attempt).rejects.toMatchObject({
      name: 'PlotUnavailableError',
      status: 'held',
      holderApplicationId: 'app-0',
    });
  });

  it('tells a missing plot from a taken one, and an application already holding another plot', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled([{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }]));
    await expect(repo().holdPlot('nope', 'app-1')).rejects.toBeInstanceOf(PlotNotFoundError);

    ddb
      .on(TransactWriteCommand)
      .rejects(
        cancelled([
          { Code: 'None' },
          { Code: 'ConditionalCheckFailed', Item: marshall({ heldPlotId: 'other' }) },
        ]),
      );
    await expect(repo().holdPlot('dpm-001', 'app-1')).rejects.toMatchObject({
      name: 'ApplicationHoldsAnotherPlotError',
      heldPlotId: 'other',
    });

    ddb.on(TransactWriteCommand).rejects(cancelled([{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }]));
    await expect(repo().holdPlot('dpm-001', 'ghost')).rejects.toBeInstanceOf(ApplicationNotFoundError);
  });

  it('takes over an expired hold in one transaction that also clears the previous holder', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(
        cancelled([
          {
            Code: 'ConditionalCheckFailed',
            Item: marshall({
              status: 'held',
              holderApplicationId: 'old',
              holdExpiresAt: '2026-02-01T00:00:00.000Z',
            }),
          },
          { Code: 'None' },
        ]),
      )
      .resolves({});

    await expect(repo().holdPlot('dpm-001', 'app-1')).resolves.toMatchObject({ applicationId: 'app-1' });

    const takeover = ddb.commandCalls(TransactWriteCommand)[1]?.args[0].input.TransactItems ?? [];
    expect(takeover).toHaveLength(3);
    expect(takeover[0]?.Update).toMatchObject({
      ConditionExpression:
        '#status = :held AND holderApplicationId = :previous AND holdExpiresAt = :previousExpiry',
      ExpressionAttributeValues: expect.objectContaining({
        ':previous': 'old',
        ':previousExpiry': '2026-02-01T00:00:00.000Z',
        ':now': NOW.toISOString(),
      }),
    });
    expect(takeover[2]?.Update).toMatchObject({
      Key: { pk: 'APP#old', sk: 'APP' },
      UpdateExpression: 'REMOVE heldPlotId, heldAt, holdExpiresAt',
      ConditionExpression: 'heldPlotId = :plot',
    });
  });

  it('does not take over a hold that has not expired', async () => {
    ddb.on(TransactWriteCommand).rejects(
      cancelled([
        {
          Code: 'ConditionalCheckFailed',
          Item: marshall({
            status: 'held',
            holderApplicationId: 'old',
            holdExpiresAt: '2026-03-02T00:00:00.000Z',
          }),
        },
        { Code: 'None' },
      ]),
    );
    await expect(repo().holdPlot('dpm-001', 'app-1')).rejects.toMatchObject({ holderApplicationId: 'old' });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('retries a transaction that only collided with a concurrent one', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled([{ Code: 'TransactionConflict' }, { Code: 'None' }]))
      .resolves({});

    await expect(repo().holdPlot('dpm-001', 'app-1')).resolves.toMatchObject({ plotId: 'dpm-001' });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it('gives up with a named, retryable error when contention never ends', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled([{ Code: 'TransactionConflict' }, { Code: 'None' }]));
    const r = new Repository(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'Table', {
      maxTransactionAttempts: 3,
    });

    await expect(r.holdPlot('dpm-001', 'app-1')).rejects.toBeInstanceOf(TransactionContentionError);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(3);
  });

  it('passes a request token through for idempotent retries, and refuses an oversized one', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await repo().holdPlot('dpm-001', 'app-1', { requestToken: 'exec-42-hold' });
    expect(ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.ClientRequestToken).toBe('exec-42-hold');
    await expect(
      repo().holdPlot('dpm-001', 'app-1', { requestToken: 'x'.repeat(37) }),
    ).rejects.toBeInstanceOf(InvalidRepositoryInputError);
  });

  it("refuses ids that could forge another entity's key, before calling DynamoDB", async () => {
    await expect(repo().holdPlot('dpm#001', 'app-1')).rejects.toMatchObject({ field: 'plotId' });
    await expect(repo().holdPlot('dpm-001', '')).rejects.toMatchObject({ field: 'applicationId' });
    expect(ddb.calls()).toHaveLength(0);
  });
});

describe('releasePlot', () => {
  it('clears only the application side when the plot already moved on', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejects(cancelled([{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }]))
      .on(UpdateCommand)
      .resolves({});

    expect(await repo().releasePlot('dpm-001', 'app-1')).toBe(false);
    const updates = ddb.commandCalls(UpdateCommand);
    expect(updates).toHaveLength(1);
    expect(updates[0]?.args[0].input).toMatchObject({
      Key: { pk: 'APP#app-1', sk: 'APP' },
      ConditionExpression: 'heldPlotId = :plot',
    });
  });

  it('does nothing when neither side points at the other', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejects(cancelled([{ Code: 'ConditionalCheckFailed' }, { Code: 'ConditionalCheckFailed' }]));
    expect(await repo().releasePlot('dpm-001', 'app-1')).toBe(false);
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });
});

describe('allocatePlot', () => {
  it('returns the existing allocation when asked again', async () => {
    ddb.on(TransactWriteCommand).rejects(
      cancelled([
        {
          Code: 'ConditionalCheckFailed',
          Item: marshall({
            status: 'allocated',
            allocatedTo: 'app-1',
            allocatedAt: '2026-02-01T00:00:00.000Z',
          }),
        },
        { Code: 'ConditionalCheckFailed' },
      ]),
    );
    await expect(repo().allocatePlot('dpm-001', 'app-1')).resolves.toEqual({
      plotId: 'dpm-001',
      applicationId: 'app-1',
      allocatedAt: '2026-02-01T00:00:00.000Z',
    });
  });
});

describe('updateApplication', () => {
  it('is conditioned on the expected version and bumps it', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { pk: 'APP#a', sk: 'APP', id: 'a', version: 4 } });

    const updated = await repo().updateApplication('a', 3, { status: 'routed', draft: undefined });

    expect(updated).toEqual({ id: 'a', version: 4 });
    const input = ddb.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      Key: { pk: 'APP#a', sk: 'APP' },
      ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
      ExpressionAttributeValues: expect.objectContaining({ ':expected': 3, ':c0': 'routed' }),
      ExpressionAttributeNames: expect.objectContaining({ '#c0': 'status', '#c1': 'draft' }),
    });
    expect(input?.UpdateExpression).toBe(
      'SET #version = #version + :one, #updatedAt = :now, #c0 = :c0 REMOVE #c1',
    );
  });

  it('refuses a stale version with the current one', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed({ pk: 'APP#a', version: 5 }));
    await expect(repo().updateApplication('a', 3, { status: 'x' })).rejects.toMatchObject({
      name: 'StaleVersionError',
      expectedVersion: 3,
      actualVersion: 5,
    });
  });

  it('reads the item when the failure does not carry it, to tell missing from stale', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed()).on(GetCommand).resolves({});
    await expect(repo().updateApplication('a', 3, { status: 'x' })).rejects.toBeInstanceOf(
      ApplicationNotFoundError,
    );

    ddb.on(GetCommand).resolves({ Item: { id: 'a', version: 4 } });
    await expect(repo().updateApplication('a', 3, { status: 'x' })).rejects.toBeInstanceOf(StaleVersionError);
  });

  it('refuses changes to fields the repository owns, writing nothing', async () => {
    for (const field of ['version', 'heldPlotId', 'allocatedPlotId', 'pk', 'gsi1sk', 'investorId']) {
      await expect(repo().updateApplication('a', 1, { [field]: 'x' })).rejects.toMatchObject({
        name: 'InvalidRepositoryInputError',
        field: `changes.${field}`,
      });
    }
    await expect(repo().updateApplication('a', 0, {})).rejects.toMatchObject({ field: 'expectedVersion' });
    expect(ddb.calls()).toHaveLength(0);
  });
});

describe('createApplication and listing', () => {
  it('creates once, indexed for the investor by creation time', async () => {
    ddb.on(PutCommand).resolves({});
    const created = await repo().createApplication({ id: 'a', investorId: 'inv', status: 'submitted' });
    expect(created).toMatchObject({ version: 1, createdAt: NOW.toISOString() });
    expect(ddb.commandCalls(PutCommand)[0]?.args[0].input).toMatchObject({
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: { pk: 'APP#a', sk: 'APP', gsi1pk: 'INVESTOR#inv', gsi1sk: `APP#${NOW.toISOString()}#a` },
    });
  });

  it('queries newest first and hands back an opaque cursor that restores the exact start key', async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ id: 'a' }], LastEvaluatedKey: investorKey('inv', 'a') });
    const page = await repo().listApplicationsByInvestor('inv', { limit: 1 });
    expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      IndexName: 'gsi1',
      ScanIndexForward: false,
      Limit: 1,
    });
    await repo().listApplicationsByInvestor('inv', { cursor: page.cursor });
    expect(ddb.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual(
      investorKey('inv', 'a'),
    );
    await expect(
      repo().listApplicationsByInvestor('inv', { cursor: '!!not a cursor' }),
    ).rejects.toBeInstanceOf(InvalidCursorError);
  });
});

describe('appendTimelineEvent', () => {
  it('puts the event under a time-ordered key that must not exist yet', async () => {
    ddb.on(PutCommand).resolves({});
    await repo().appendTimelineEvent('a', {
      what: 'plot.held',
      who: 'system',
      eventId: 'e1',
      at: '2026-03-01T09:00:00+07:00',
    });
    expect(ddb.commandCalls(PutCommand)[0]?.args[0].input).toMatchObject({
      Item: {
        pk: 'APP#a',
        sk: 'EVENT#2026-03-01T02:00:00.000Z#e1',
        what: 'plot.held',
        at: '2026-03-01T02:00:00.000Z',
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('reports an existing event instead of overwriting it', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());
    await expect(
      repo().appendTimelineEvent('a', { what: 'x', who: 'y', eventId: 'e1' }),
    ).rejects.toBeInstanceOf(TimelineEventExistsError);
  });

  it('names the field of a malformed event', async () => {
    await expect(repo().appendTimelineEvent('a', { what: '', who: 'y' })).rejects.toMatchObject({
      field: 'what',
    });
    await expect(
      repo().appendTimelineEvent('a', { what: 'x', who: 'y', at: 'yesterday' }),
    ).rejects.toMatchObject({
      field: 'at',
    });
  });
});

describe('seedCatalog', () => {
  it('puts new entries in batches, refreshes older ones keeping live state, and skips current ones', async () => {
    ddb
      .on(BatchGetCommand)
      .resolves({
        Responses: {
          Table: [
            // Current: this version, and already in the catalog snapshot index (gsi1pk).
            { pk: 'ZONE#z', catalogVersion: 'v1', gsi1pk: 'CATALOG#SNAPSHOT' },
            { pk: 'PLOT#z-old', catalogVersion: 'v0', gsi1pk: 'CATALOG#SNAPSHOT' },
          ],
        },
      })
      .on(BatchWriteCommand)
      .resolves({})
      .on(UpdateCommand)
      .resolves({});

    await repo().seedCatalog({
      version: 'v1',
      zones: [sampleZone('z')],
      plots: [samplePlot('z-old', 'z'), samplePlot('z-new', 'z', { status: 'allocated' })],
    });

    const puts = ddb
      .commandCalls(BatchWriteCommand)
      .flatMap((c) => c.args[0].input.RequestItems?.Table ?? []);
    expect(puts.map((r) => r.PutRequest?.Item)).toEqual([
      expect.objectContaining({
        pk: 'PLOT#z-new',
        sk: 'PLOT',
        status: 'allocated',
        gsi3pk: 'ZONE#z#PLOTS',
        gsi3sk: 'STATUS#allocated#PLOT#z-new',
        catalogVersion: 'v1',
      }),
    ]);
    const [refresh, meta] = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(refresh?.Key).toEqual({ pk: 'PLOT#z-old', sk: 'PLOT' });
    const names = refresh?.ExpressionAttributeNames ?? {};
    const liveFields = Object.entries(names)
      .filter(([alias]) => refresh?.UpdateExpression?.includes(`${alias} = if_not_exists(${alias}`))
      .map(([, field]) => field)
      .sort();
    expect(liveFields).toEqual(['clearance', 'gsi3sk', 'status']);
    expect(Object.values(names)).toEqual(
      expect.arrayContaining(['leasePriceUsdPerM2', 'gsi3pk', 'catalogVersion']),
    );
    expect(meta?.Key).toEqual({ pk: 'CATALOG', sk: 'META' });
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(2);
  });

  it('retries unprocessed batch items until they are written', async () => {
    const item = { PutRequest: { Item: { pk: 'PLOT#z-p' } } };
    ddb
      .on(BatchGetCommand)
      .resolves({ Responses: { Table: [] } })
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { Table: [item] } })
      .resolves({})
      .on(UpdateCommand)
      .resolves({});

    await repo().seedCatalog({ version: 'v1', zones: [], plots: [samplePlot('z-p', 'z')] });

    const calls = ddb.commandCalls(BatchWriteCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input.RequestItems).toEqual({ Table: [item] });
  });
});

describe('errors', () => {
  it('carry their own names', () => {
    expect(new PlotUnavailableError('p', 'held', 'a').name).toBe('PlotUnavailableError');
    expect(new StaleVersionError('a', 1, 2).name).toBe('StaleVersionError');
    expect(new ApplicationHoldsAnotherPlotError('a', 'p', undefined).name).toBe(
      'ApplicationHoldsAnotherPlotError',
    );
  });

  it('name the failing field and rule of bad input the way InputValidationError does (a cursor included)', () => {
    const error = new InvalidCursorError('must be base64url');
    expect(error).toBeInstanceOf(InvalidRepositoryInputError);
    expect(error).toMatchObject({
      name: 'InvalidCursorError',
      field: 'cursor',
      message: 'cursor: must be base64url',
      issues: [{ path: 'cursor', rule: 'must be base64url', message: 'must be base64url' }],
    });
  });
});

describe('hold expiry is judged by the repository clock, never by the caller', () => {
  const heldUntil = (holdExpiresAt: string) =>
    cancelled([
      {
        Code: 'ConditionalCheckFailed',
        Item: marshall({ status: 'held', holderApplicationId: 'old', holdExpiresAt }),
      },
      { Code: 'None' },
    ]);

  it('does not take over a live hold when the caller passes a later `at`', async () => {
    ddb.on(TransactWriteCommand).rejects(heldUntil('2026-03-02T00:00:00.000Z'));

    const attempt = repo().holdPlot('dpm-001', 'app-1', { at: '2026-03-09T00:00:00Z' });

    await expect(attempt).rejects.toMatchObject({ name: 'PlotUnavailableError', holderApplicationId: 'old' });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('takes over a hold the repository clock says expired, even when the caller passes an earlier `at`', async () => {
    ddb.on(TransactWriteCommand).rejectsOnce(heldUntil('2026-02-15T00:00:00.000Z')).resolves({});

    const hold = await repo().holdPlot('dpm-001', 'app-1', { at: '2026-02-01T00:00:00Z' });

    expect(hold).toMatchObject({ applicationId: 'app-1', heldAt: '2026-02-01T00:00:00.000Z' });
    const takeover = ddb.commandCalls(TransactWriteCommand)[1]?.args[0].input;
    expect(takeover?.TransactItems?.[0]?.Update?.ConditionExpression).toContain(
      'holderApplicationId = :previous',
    );
    // The takeover is conditioned on the very hold the repository judged expired, not on the caller's time.
    expect(takeover?.TransactItems?.[0]?.Update?.ExpressionAttributeValues).toMatchObject({
      ':previous': 'old',
      ':previousExpiry': '2026-02-15T00:00:00.000Z',
    });
  });

  it('keeps a ClientRequestToken on the takeover transaction, the same one on every retry', async () => {
    ddb.on(TransactWriteCommand).rejectsOnce(heldUntil('2026-02-15T00:00:00.000Z')).resolves({});
    await repo().holdPlot('dpm-001', 'app-1', { requestToken: 'exec-42-hold' });
    const first = ddb.commandCalls(TransactWriteCommand)[1]?.args[0].input.ClientRequestToken;

    ddb.reset();
    ddb.on(TransactWriteCommand).rejectsOnce(heldUntil('2026-02-15T00:00:00.000Z')).resolves({});
    await repo().holdPlot('dpm-001', 'app-1', { requestToken: 'exec-42-hold' });
    const again = ddb.commandCalls(TransactWriteCommand)[1]?.args[0].input.ClientRequestToken;

    expect(first).toMatch(/^[A-Za-z0-9_-]{1,36}$/);
    expect(again).toBe(first);
    expect(first).not.toBe('exec-42-hold');
  });
});

describe('tasks accept only their own fields', () => {
  const task = {
    applicationId: 'a',
    taskId: 't',
    role: 'zone-board-reviewer',
    scope: 'z0',
    dueAt: '2026-03-10',
    taskToken: 'token',
  };

  it('refuses key attributes, repository fields and malformed names in createTask, writing nothing', async () => {
    for (const field of [
      'pk',
      'sk',
      'gsi1pk',
      'gsi2pk',
      'gsi2sk',
      'gsi3sk',
      'createdAt',
      'updatedAt',
      'a.b',
      '',
    ]) {
      await expect(repo().createTask({ ...task, [field]: 'x' })).rejects.toMatchObject({
        name: 'InvalidRepositoryInputError',
        field,
      });
    }
    await expect(repo().createTask({ ...task, taskToken: 42 as unknown as string })).rejects.toMatchObject({
      field: 'taskToken',
    });
    await expect(repo().createTask({ ...task, role: 'a#b' })).rejects.toMatchObject({ field: 'role' });
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses index keys, status, identity and the task token in setTaskStatus changes, writing nothing', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...task, status: 'open' } });
    for (const field of [
      'taskToken',
      'pk',
      'sk',
      'gsi2pk',
      'gsi2sk',
      'status',
      'role',
      'taskId',
      'createdAt',
      'x-y',
    ]) {
      await expect(
        repo().setTaskStatus('a', 't', 'open', 'decided', { [field]: 'forged' }),
      ).rejects.toMatchObject({ name: 'InvalidRepositoryInputError', field: `changes.${field}` });
    }
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('sets allowed changes and removes a field given as undefined', async () => {
    ddb
      .on(GetCommand)
      .resolves({ Item: { ...task, status: 'open' } })
      .on(UpdateCommand)
      .resolves({ Attributes: { ...task, status: 'decided' } });
    await repo().setTaskStatus('a', 't', 'open', 'decided', { decision: 'approve', reminder: undefined });
    const input = ddb.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.UpdateExpression).toMatch(/^SET .*#c0 = :c0 REMOVE #c1$/);
    expect(input?.ExpressionAttributeNames).toMatchObject({ '#c0': 'decision', '#c1': 'reminder' });
  });
});

describe('page cursors', () => {
  const decoded = (cursor: string | undefined) => Buffer.from(cursor ?? '', 'base64url').toString('latin1');

  it('reveal no key layout', async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ id: 'a' }], LastEvaluatedKey: investorKey('inv', 'a') });
    const { cursor } = await repo().listApplicationsByInvestor('inv', { limit: 1 });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    for (const layout of ['APP#', 'INVESTOR', 'gsi1', 'pk', 'sk']) {
      expect(decoded(cursor)).not.toContain(layout);
    }
  });

  it("refuse another investor's cursor before querying", async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ id: 'a' }], LastEvaluatedKey: investorKey('inv-a', 'a') });
    const { cursor } = await repo().listApplicationsByInvestor('inv-a', { limit: 1 });
    ddb.resetHistory();

    const attempt = repo().listApplicationsByInvestor('inv-b', { cursor });

    await expect(attempt).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(attempt).rejects.toMatchObject({ field: 'cursor' });
    expect(ddb.calls()).toHaveLength(0);
  });

  it("refuse another inbox's cursor, and a list's cursor in another kind of list", async () => {
    const inbox = { role: 'reviewer', scope: 'z0', status: 'open' };
    ddb.on(QueryCommand).resolves({ Items: [{ taskId: 't' }], LastEvaluatedKey: inboxKey(inbox, 'a', 't') });
    const { cursor } = await repo().listInbox(inbox, { limit: 1 });
    ddb.resetHistory();

    await expect(repo().listInbox({ ...inbox, scope: 'z1' }, { cursor })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
    await expect(repo().listInbox({ ...inbox, status: 'decided' }, { cursor })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
    await expect(repo().listTimeline('a', { cursor })).rejects.toBeInstanceOf(InvalidCursorError);
    expect(ddb.calls()).toHaveLength(0);
    await repo().listInbox(inbox, { cursor });
    expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input.ExclusiveStartKey).toEqual(
      inboxKey(inbox, 'a', 't'),
    );
  });

  it('refuse a cursor signed with another secret', async () => {
    const withSecret = (cursorSecret: string) =>
      new Repository(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'Table', { cursorSecret });
    ddb.on(QueryCommand).resolves({ Items: [{ id: 'a' }], LastEvaluatedKey: investorKey('inv', 'a') });
    const { cursor } = await withSecret('one secret, at least 32 characters!').listApplicationsByInvestor(
      'inv',
    );
    await expect(
      withSecret('another secret, at least 32 chars!').listApplicationsByInvestor('inv', { cursor }),
    ).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(
      withSecret('one secret, at least 32 characters!').listApplicationsByInvestor('inv', { cursor }),
    ).resolves.toBeDefined();
  });

  it('turn any random string into InvalidCursorError naming the field, never another error or a query', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.base64String(), fc.stringMatching(/^[A-Za-z0-9_-]{0,200}$/)),
        async (cursor) => {
          ddb.resetHistory();
          const error = await repo()
            .listApplicationsByInvestor('inv', { cursor })
            .then(
              () => undefined,
              (e: unknown) => e,
            );
          expect(error).toBeInstanceOf(InvalidCursorError);
          expect(error).toMatchObject({ name: 'InvalidCursorError', field: 'cursor' });
          expect(ddb.calls()).toHaveLength(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('turn any mutation of a good cursor into InvalidCursorError', async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ id: 'a' }], LastEvaluatedKey: investorKey('inv', 'app-1') });
    const { cursor } = await repo().listApplicationsByInvestor('inv', { limit: 1 });
    if (!cursor) throw new Error('expected a cursor');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('');
    const mutation = fc.oneof(
      // replace one character with another of the alphabet
      fc
        .tuple(fc.nat({ max: cursor.length - 1 }), fc.constantFrom(...alphabet))
        .filter(([i, c]) => cursor[i] !== c)
        .map(([i, c]) => cursor.slice(0, i) + c + cursor.slice(i + 1)),
      // cut it short
      fc.nat({ max: cursor.length - 1 }).map((n) => cursor.slice(0, n)),
      // add to it
      fc.string({ minLength: 1, maxLength: 8 }).map((extra) => cursor + extra),
      // flip one bit of the decoded bytes
      fc.tuple(fc.nat(), fc.nat({ max: 7 })).map(([i, bit]) => {
        const bytes = Buffer.from(cursor, 'base64url');
        const at = i % bytes.length;
        bytes[at] = (bytes[at] ?? 0) ^ (1 << bit);
        return bytes.toString('base64url');
      }),
    );
    ddb.resetHistory();
    await fc.assert(
      fc.asyncProperty(mutation, async (bad) => {
        const error = await repo()
          .listApplicationsByInvestor('inv', { cursor: bad })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(error).toBeInstanceOf(InvalidCursorError);
      }),
      { numRuns: 300 },
    );
    expect(ddb.calls()).toHaveLength(0);
  });
});
