/**
 * Plot holds and allocations. Each is ONE TransactWriteItems over the plot and the application(s), so
 * the records can never disagree, and the plot's condition (`status = available`, or already ours, or,
 * in a second transaction that also clears the previous holder, an expired hold) means two applications
 * can never hold the same plot: DynamoDB serialises conditional writes on an item, and of N concurrent
 * holds exactly one finds the plot available.
 *
 * Rules: an application holds at most one plot at a time and none once it has an allocation; only the
 * holder can release (idempotently) or turn the hold into an allocation.
 */
import { createHash } from 'node:crypto';
import { TransactWriteCommand, type TransactWriteCommandInput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  ApplicationHoldsAnotherPlotError,
  ApplicationNotFoundError,
  IdempotencyKeyReusedError,
  InvalidRepositoryInputError,
  PlotNotFoundError,
  PlotNotHeldError,
  PlotUnavailableError,
} from './errors.ts';
import { checkInstant, keys } from './keys.ts';
import {
  type CancellationReason,
  type Item,
  isConditionFailure,
  type TableContext,
  withTransactionRetry,
} from './table.ts';

export interface HoldOptions {
  /** After this instant another application may take the plot over (the holder keeps it until then). */
  expiresAt?: string | Date;
  /**
   * ClientRequestToken for the transaction: a retry with the same token within 10 minutes is answered
   * from DynamoDB's idempotency cache instead of running again. Pass something unique to the intent
   * (e.g. the Step Functions execution and state), never a constant: a later hold/release/hold cycle
   * reusing a token would be silently skipped. DynamoDB answers from the cache only for an identical
   * request, so pass `at` too (e.g. the state's entered time): a retry stamped with a new clock reading
   * is a different request and fails with IdempotencyKeyReusedError.
   */
  requestToken?: string;
  /**
   * The instant recorded as heldAt/allocatedAt (defaults to the repository clock), so a retried request
   * is identical to the first. It only stamps the record: whether a hold has expired is always judged by
   * the repository's own clock, never by this.
   */
  at?: string | Date;
}

export interface Hold {
  plotId: string;
  applicationId: string;
  heldAt: string;
  expiresAt?: string;
}

export interface Allocation {
  plotId: string;
  applicationId: string;
  allocatedAt: string;
}

function str(item: Item | undefined, field: string): string | undefined {
  const value = item?.[field];
  return typeof value === 'string' ? value : undefined;
}

/** DynamoDB's limits for ClientRequestToken: 1 to 36 characters. */
function checkToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  if (token.length < 1 || token.length > 36) {
    throw new InvalidRepositoryInputError('requestToken', 'must be 1 to 36 characters');
  }
  return token;
}

/**
 * The ClientRequestToken of a follow-up transaction (the takeover of an expired hold), derived from the
 * caller's token and what the follow-up is conditioned on: a retried request that finds the same
 * expired hold sends the identical takeover under the identical token, so DynamoDB answers it from its
 * idempotency cache instead of running it twice; a takeover of another hold gets another token.
 */
function derivedToken(token: string | undefined, ...parts: string[]): string | undefined {
  if (token === undefined) return undefined;
  return createHash('sha256')
    .update([token, ...parts].join('\0'))
    .digest('base64url')
    .slice(0, 36);
}

/** Sends the transaction, naming the error of a request token reused for a different request. */
async function sendWithToken(ctx: TableContext, input: TransactWriteCommandInput): Promise<void> {
  try {
    await ctx.doc.send(new TransactWriteCommand(input));
  } catch (error) {
    if ((error as Error).name === 'IdempotentParameterMismatchException' && input.ClientRequestToken) {
      throw new IdempotencyKeyReusedError(input.ClientRequestToken, { cause: error });
    }
    throw error;
  }
}

/** Holds `plotId` for `applicationId`; holding it again refreshes the hold. */
export async function holdPlot(
  ctx: TableContext,
  plotId: string,
  applicationId: string,
  options: HoldOptions = {},
): Promise<Hold> {
  const plotKey = keys.plot(plotId);
  const appKey = keys.application(applicationId);
  const now = checkInstant('at', options.at ?? ctx.now());
  const expiresAt =
    options.expiresAt === undefined ? undefined : checkInstant('expiresAt', options.expiresAt);
  const requestToken = checkToken(options.requestToken);
  const hold: Hold = expiresAt
    ? { plotId, applicationId, heldAt: now, expiresAt }
    : { plotId, applicationId, heldAt: now };
  const expirySet = expiresAt ? ', holdExpiresAt = :expires' : '';
  const expiryRemove = expiresAt ? '' : ' REMOVE holdExpiresAt';
  const plotValues: Item = { ':app': applicationId, ':now': now };
  if (expiresAt) plotValues[':expires'] = expiresAt;
  const appValues: Item = { ':plot': plotId, ':now': now };
  if (expiresAt) appValues[':expires'] = expiresAt;

  const input: TransactWriteCommandInput = {
    ClientRequestToken: requestToken,
    TransactItems: [
      {
        Update: {
          TableName: ctx.tableName,
          Key: plotKey,
          UpdateExpression: `SET #status = :held, holderApplicationId = :app, heldAt = :now, gsi3sk = :gsi3sk${expirySet}${expiryRemove}`,
          ConditionExpression:
            'attribute_exists(pk) AND (#status = :available OR (#status = :held AND holderApplicationId = :app))',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ...plotValues,
            ':held': 'held',
            ':available': 'available',
            ':gsi3sk': keys.plotIndexSk('held', plotId),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      {
        Update: {
          TableName: ctx.tableName,
          Key: appKey,
          UpdateExpression: `SET heldPlotId = :plot, heldAt = :now${expirySet}${expiryRemove}`,
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(allocatedPlotId) AND (attribute_not_exists(heldPlotId) OR heldPlotId = :plot)',
          ExpressionAttributeValues: appValues,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
    ],
  };
  return withTransactionRetry(
    ctx,
    'holdPlot',
    async () => {
      await sendWithToken(ctx, input);
      return hold;
    },
    async (reasons) => {
      const [plot, app] = reasons;
      const previous = str(plot?.item, 'holderApplicationId');
      const previousExpiry = str(plot?.item, 'holdExpiresAt');
      // Judged by the repository's clock, read now: a caller's `at` only stamps the record.
      const clock = ctx.now().toISOString();
      if (
        plot?.code === 'ConditionalCheckFailed' &&
        app?.code === 'None' &&
        str(plot.item, 'status') === 'held' &&
        previous !== undefined &&
        previousExpiry !== undefined &&
        previousExpiry < clock
      ) {
        return takeOver(
          ctx,
          input,
          plotId,
          { applicationId: previous, expiresAt: previousExpiry },
          hold,
          requestToken,
        );
      }
      throw holdFailure(plotId, applicationId, reasons);
    },
  );
}

/**
 * Takes over an expired hold: the plot changes holder, the new application records it and the previous
 * holder's record is cleared, in one transaction, so plot and application records keep agreeing.
 *
 * The repository's clock judged the hold expired; the condition re-checks that the very hold it judged
 * (same holder, same expiry) is still there, so a concurrent taker wins once and a hold refreshed in
 * between is not taken. Time only moves forward, so a hold expired then is expired still. Keeping the
 * clock reading out of the request keeps a retried takeover byte-identical, under the same
 * ClientRequestToken (derived from the caller's), which DynamoDB then answers from its idempotency cache.
 */
async function takeOver(
  ctx: TableContext,
  input: TransactWriteCommandInput,
  plotId: string,
  previousHold: { applicationId: string; expiresAt: string },
  hold: Hold,
  requestToken: string | undefined,
): Promise<Hold> {
  const previous = previousHold.applicationId;
  const [plotItem, appItem] = input.TransactItems ?? [];
  if (!plotItem?.Update || !appItem) throw new Error('holdPlot: malformed transaction');
  const { ':available': _unused, ...values } = plotItem.Update.ExpressionAttributeValues ?? {};
  const plotUpdate = {
    ...plotItem.Update,
    ConditionExpression:
      '#status = :held AND holderApplicationId = :previous AND holdExpiresAt = :previousExpiry',
    ExpressionAttributeValues: {
      ...values,
      ':previous': previous,
      ':previousExpiry': previousHold.expiresAt,
    },
  };
  const previousApp = {
    TableName: ctx.tableName,
    Key: keys.application(previous),
    UpdateExpression: 'REMOVE heldPlotId, heldAt, holdExpiresAt',
    ConditionExpression: 'heldPlotId = :plot',
    ExpressionAttributeValues: { ':plot': plotId },
  };
  const attempt = (clearPrevious: boolean) => async () => {
    const items = [{ Update: plotUpdate }, appItem, ...(clearPrevious ? [{ Update: previousApp }] : [])];
    const token = derivedToken(
      requestToken,
      clearPrevious ? 'takeover' : 'takeover-kept',
      previous,
      previousHold.expiresAt,
    );
    await sendWithToken(ctx, { ClientRequestToken: token, TransactItems: items });
    return hold;
  };
  const fail = (reasons: CancellationReason[]): never => {
    throw holdFailure(plotId, hold.applicationId, reasons);
  };
  return withTransactionRetry(ctx, 'holdPlot', attempt(true), (reasons) => {
    const [plot, app, prev] = reasons;
    if (plot?.code === 'None' && app?.code === 'None' && prev?.code === 'ConditionalCheckFailed') {
      // The previous holder's record no longer names this plot: nothing of it to clear.
      return withTransactionRetry(ctx, 'holdPlot', attempt(false), fail);
    }
    return fail(reasons);
  });
}

function holdFailure(plotId: string, applicationId: string, reasons: CancellationReason[]): Error {
  const [plot, app] = reasons;
  if (plot?.code === 'ConditionalCheckFailed') {
    if (!plot.item) return new PlotNotFoundError(plotId);
    const status = str(plot.item, 'status');
    return new PlotUnavailableError(
      plotId,
      status,
      status === 'allocated' ? str(plot.item, 'allocatedTo') : str(plot.item, 'holderApplicationId'),
    );
  }
  if (app?.code === 'ConditionalCheckFailed') {
    if (!app.item) return new ApplicationNotFoundError(applicationId);
    return new ApplicationHoldsAnotherPlotError(
      applicationId,
      str(app.item, 'heldPlotId'),
      str(app.item, 'allocatedPlotId'),
    );
  }
  return new Error(`holdPlot ${plotId}: transaction cancelled (${reasons.map((r) => r.code).join(', ')})`);
}

/**
 * Releases the plot if `applicationId` holds it and clears the application's hold. Idempotent: releasing
 * a plot that is not (or no longer) held by this application changes nothing on the plot and returns
 * false. An application whose expired hold was taken over still gets its own record cleared.
 */
export async function releasePlot(
  ctx: TableContext,
  plotId: string,
  applicationId: string,
): Promise<boolean> {
  const plotUpdate = {
    TableName: ctx.tableName,
    Key: keys.plot(plotId),
    UpdateExpression:
      'SET #status = :available, gsi3sk = :gsi3sk REMOVE holderApplicationId, heldAt, holdExpiresAt',
    ConditionExpression: '#status = :held AND holderApplicationId = :app',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':available': 'available',
      ':held': 'held',
      ':app': applicationId,
      ':gsi3sk': keys.plotIndexSk('available', plotId),
    },
  };
  const appUpdate = {
    TableName: ctx.tableName,
    Key: keys.application(applicationId),
    UpdateExpression: 'REMOVE heldPlotId, heldAt, holdExpiresAt',
    ConditionExpression: 'heldPlotId = :plot',
    ExpressionAttributeValues: { ':plot': plotId },
  };
  return withTransactionRetry(
    ctx,
    'releasePlot',
    async () => {
      await ctx.doc.send(
        new TransactWriteCommand({ TransactItems: [{ Update: plotUpdate }, { Update: appUpdate }] }),
      );
      return true;
    },
    async (reasons) => {
      // One side already matched "released": finish the other side alone, still under its condition.
      const [plot, app] = reasons;
      const plotHeldByUs = plot?.code === 'None';
      const appPointsHere = app?.code === 'None';
      if (plotHeldByUs) {
        return conditionalUpdate(ctx, plotUpdate);
      }
      if (appPointsHere) await conditionalUpdate(ctx, appUpdate);
      return false;
    },
  );
}

/** An UpdateItem whose failed condition means "someone else already did it": true when it applied. */
async function conditionalUpdate(ctx: TableContext, input: ConstructorParameters<typeof UpdateCommand>[0]) {
  try {
    await ctx.doc.send(new UpdateCommand(input));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/**
 * Turns this application's hold into an allocation (plot status 'allocated', the application records the
 * plot). Idempotent: allocating a plot already allocated to this application returns that allocation.
 * An expired hold nobody has taken over still belongs to its application and can be allocated.
 */
export async function allocatePlot(
  ctx: TableContext,
  plotId: string,
  applicationId: string,
  options: Pick<HoldOptions, 'requestToken' | 'at'> = {},
): Promise<Allocation> {
  const now = checkInstant('at', options.at ?? ctx.now());
  const input: TransactWriteCommandInput = {
    ClientRequestToken: checkToken(options.requestToken),
    TransactItems: [
      {
        Update: {
          TableName: ctx.tableName,
          Key: keys.plot(plotId),
          UpdateExpression:
            'SET #status = :allocated, allocatedTo = :app, allocatedAt = :now, gsi3sk = :gsi3sk REMOVE holderApplicationId, heldAt, holdExpiresAt',
          ConditionExpression: '#status = :held AND holderApplicationId = :app',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':allocated': 'allocated',
            ':held': 'held',
            ':app': applicationId,
            ':now': now,
            ':gsi3sk': keys.plotIndexSk('allocated', plotId),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      {
        Update: {
          TableName: ctx.tableName,
          Key: keys.application(applicationId),
          UpdateExpression:
            'SET allocatedPlotId = :plot, allocatedAt = :now REMOVE heldPlotId, heldAt, holdExpiresAt',
          ConditionExpression: 'heldPlotId = :plot',
          ExpressionAttributeValues: { ':plot': plotId, ':now': now },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
    ],
  };
  return withTransactionRetry(
    ctx,
    'allocatePlot',
    async () => {
      await sendWithToken(ctx, input);
      return { plotId, applicationId, allocatedAt: now };
    },
    (reasons) => {
      const [plot, app] = reasons;
      if (plot?.code === 'ConditionalCheckFailed') {
        if (!plot.item) throw new PlotNotFoundError(plotId);
        const status = str(plot.item, 'status');
        if (status === 'allocated' && str(plot.item, 'allocatedTo') === applicationId) {
          return { plotId, applicationId, allocatedAt: str(plot.item, 'allocatedAt') ?? now };
        }
        throw new PlotNotHeldError(
          plotId,
          applicationId,
          status,
          status === 'allocated' ? str(plot.item, 'allocatedTo') : str(plot.item, 'holderApplicationId'),
        );
      }
      if (app?.code === 'ConditionalCheckFailed' && !app.item)
        throw new ApplicationNotFoundError(applicationId);
      // The plot is ours but the application lost track of it: refuse rather than allocate blindly.
      throw new PlotNotHeldError(plotId, applicationId, 'held', applicationId);
    },
  );
}
