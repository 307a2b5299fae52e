/**
 * Publishing the workflow's domain events (PutEvents with aws-sdk-client-mock) and the pure site checks.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkClearance } from '#shared/workflow/checks.ts';
import { causeMessage, terminalStatusFor } from '#shared/workflow/compensate.ts';
import {
  EVENT_SOURCE,
  EventPublishError,
  eventId,
  publishEvents,
  type WorkflowEvent,
} from '#shared/workflow/events.ts';
import { vietnamDate } from '#shared/workflow/record.ts';

const eb = mockClient(EventBridgeClient);
beforeEach(() => eb.reset());

const held = (n: number): WorkflowEvent => ({
  name: 'PlotHeld',
  detail: {
    eventId: eventId('app-1', 'held', n),
    applicationId: 'app-1',
    at: '2026-03-02T02:00:00.000Z',
    audience: [{ kind: 'zone-manager', id: 'kcn-a' }],
    plotId: `p-${n}`,
    zoneId: 'kcn-a',
  },
});

describe('publishEvents', () => {
  it('sends every event on the named bus, in batches of at most 10, with its deterministic id', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    await publishEvents(
      new EventBridgeClient({}),
      'bus-1',
      Array.from({ length: 23 }, (_, i) => held(i)),
    );
    const calls = eb.commandCalls(PutEventsCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    const first = calls[0]?.args[0].input.Entries?.[0];
    expect(first).toMatchObject({ EventBusName: 'bus-1', Source: EVENT_SOURCE, DetailType: 'PlotHeld' });
    expect(JSON.parse(first?.Detail as string).eventId).toBe('app-1:held:0');
  });

  it('throws a retriable EventPublishError when an entry failed', async () => {
    eb.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }],
    });
    await expect(publishEvents(new EventBridgeClient({}), 'bus-1', [held(1)])).rejects.toThrow(
      EventPublishError,
    );
  });

  it('refuses a malformed detail naming the field, and sends nothing', async () => {
    const bad = held(1);
    (bad.detail as { plotId: unknown }).plotId = '';
    await expect(publishEvents(new EventBridgeClient({}), 'bus-1', [held(2), bad])).rejects.toThrow(
      /PlotHeld: plotId/,
    );
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
  });
});

describe('the workflow’s pure rules', () => {
  it('maps the error that ended a run to its terminal status', () => {
    expect(terminalStatusFor('Application.Rejected')).toBe('rejected');
    expect(terminalStatusFor('Application.Withdrawn')).toBe('withdrawn');
    fc.assert(
      fc.property(fc.string(), (name) => {
        fc.pre(name !== 'Application.Rejected' && name !== 'Application.Withdrawn');
        expect(terminalStatusFor(name)).toBe('failed');
      }),
    );
    expect(causeMessage(JSON.stringify({ errorType: 'X', errorMessage: 'plot gone' }))).toBe('plot gone');
    expect(causeMessage(JSON.stringify({ reason: 'sector not allowed' }))).toBe('sector not allowed');
    expect(causeMessage('plain text')).toBe('plain text');
  });

  it('blocks only uncleared land: disputed moves on, in progress waits, cleared passes', () => {
    expect(checkClearance({ clearance: { status: 'cleared' } }).passed).toBe(true);
    expect(checkClearance({ clearance: { status: 'disputed' } }).blockers[0]?.remedy).toBe('move');
    expect(
      checkClearance({
        clearance: {
          status: 'compensation_in_progress',
          compensationPercent: 50,
          expectedDate: '2026-06-01',
        },
      }).blockers[0]?.remedy,
    ).toBe('wait');
    expect(checkClearance({ clearance: { status: 'not_started' } }).blockers[0]?.remedy).toBe('wait');
  });

  it('dates a filing in Vietnam time (UTC+7): the rule set switch at midnight Hà Nội', () => {
    expect(vietnamDate('2026-02-28T16:59:59.999Z')).toBe('2026-02-28');
    expect(vietnamDate('2026-02-28T17:00:00.000Z')).toBe('2026-03-01');
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }),
        (d) => {
          const local = new Date(d.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
          expect(vietnamDate(d.toISOString())).toBe(local);
        },
      ),
    );
  });
});
