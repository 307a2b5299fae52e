/**
 * AP's fragments in CDK, checked on the synthesized template (no bundling): every task has Catch and a
 * jittered Retry with MaxDelaySeconds, every token wait has HeartbeatSeconds and TimeoutSeconds, the token
 * goes only into the wait's payload, stage groups run one after another and a group's stages at once, the
 * definition passes both the local engine's validator and asl-validator, and only the Lambdas that answer
 * tokens may call SendTaskSuccess/Failure. The grouping expression is checked as a property.
 */
import { createRequire } from 'node:module';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import fc from 'fast-check';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { DataTable } from '#infra/constructs/data-table.ts';
import { WorkflowEventBus } from '#infra/constructs/event-bus.ts';
import { validateDefinition } from '#local/sfn/asl/definition.ts';
import { ApprovalStages, STAGE_GROUPS } from '../../workflows/approval-stages.ts';
import { ClearanceWait } from '../../workflows/clearance-wait.ts';

type State = Record<string, unknown> & { Type: string };

function synth() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'FragmentTest', { env: { region: 'ap-southeast-1' } });
  const table = new DataTable(stack, 'Data').table;
  const eventBus = new WorkflowEventBus(stack, 'Events').bus;
  const approvals = new ApprovalStages(stack, 'Approvals', { table, eventBus });
  const clearance = new ClearanceWait(stack, 'Clearance', { table, eventBus });
  const start = sfn.Pass.jsonata(stack, 'Start', {
    assign: {
      applicationId: '{% $states.input.applicationId %}',
      zoneId: 'z1',
      plotId: 'z1-p1',
      route: '{% $states.input.route %}',
    },
  });
  const machine = new sfn.StateMachine(stack, 'Machine', {
    queryLanguage: sfn.QueryLanguage.JSONATA,
    definitionBody: sfn.DefinitionBody.fromChainable(start.next(clearance).next(approvals)),
  });
  const template = Template.fromStack(stack);
  const json = template.toJSON() as {
    Resources: Record<
      string,
      { Type: string; Properties: Record<string, unknown> & { DefinitionString?: unknown } }
    >;
  };
  const [machineId, resource] = Object.entries(json.Resources).find(
    ([, r]) => r.Type === 'AWS::StepFunctions::StateMachine',
  ) as [string, { Properties: { DefinitionString: unknown } }];
  void machineId;
  void machine;
  const definition = JSON.parse(flatten(resource.Properties.DefinitionString)) as {
    States: Record<string, State>;
  };
  return { template, json, definition, approvals, clearance, stack };
}

/** Fn::Join parts → a string, references replaced by placeholder ARNs. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return join[1]
    .map((p) => {
      if (typeof p === 'string') return p;
      if ((p as { Ref?: string }).Ref === 'AWS::Partition') return 'aws';
      return `arn:aws:lambda:ap-southeast-1:000000000000:function:${JSON.stringify(p).replace(/\W/g, '')}`;
    })
    .join(join[0]);
}

/** Every state, nested Map processors included. */
function allStates(states: Record<string, State>): Array<[string, State]> {
  return Object.entries(states).flatMap(([name, state]) => {
    const nested = (state.ItemProcessor as { States?: Record<string, State> } | undefined)?.States;
    return [[name, state] as [string, State], ...(nested ? allStates(nested) : [])];
  });
}

const built = synth();

describe('ApprovalStages and ClearanceWait fragments', () => {
  const states = allStates(built.definition.States);
  const tasks = states.filter(([, s]) => s.Type === 'Task');

  it('has the stage states: schedule and wait in a parallel group Map inside a one-at-a-time Map', () => {
    expect(tasks.map(([n]) => n).sort()).toEqual(['ClearanceWait', 'StageSchedule', 'StageWait']);
    const outer = built.definition.States.Approvals as State;
    expect(outer).toMatchObject({ Type: 'Map', MaxConcurrency: 1, Items: `{% ${STAGE_GROUPS} %}` });
    const inner = (outer.ItemProcessor as { States: Record<string, State> }).States.ApprovalGroup as State;
    expect(inner).toMatchObject({ Type: 'Map', Items: '{% $states.input.stages %}' });
    expect(inner.MaxConcurrency ?? 0).toBe(0);
  });

  it('gives every task a Catch and a Retry with MaxDelaySeconds and full jitter', () => {
    for (const [name, state] of tasks) {
      expect((state.Catch as unknown[] | undefined)?.length, name).toBeGreaterThan(0);
      const retries = state.Retry as Array<Record<string, unknown>>;
      expect(retries?.length, name).toBeGreaterThan(0);
      for (const r of retries)
        expect(r, name).toMatchObject({ MaxDelaySeconds: expect.any(Number), JitterStrategy: 'FULL' });
    }
  });

  it('gives every token wait HeartbeatSeconds and TimeoutSeconds, the token only in its payload', () => {
    const waits = tasks.filter(([, s]) => String(s.Resource).endsWith('.waitForTaskToken'));
    expect(waits.map(([n]) => n).sort()).toEqual(['ClearanceWait', 'StageWait']);
    for (const [name, state] of waits) {
      expect(state.HeartbeatSeconds, name).toBeDefined();
      expect(state.TimeoutSeconds, name).toBeDefined();
      expect(JSON.stringify((state.Arguments as { Payload: unknown }).Payload), name).toContain(
        '$states.context.Task.Token',
      );
      const { Arguments: _args, ...rest } = state;
      expect(JSON.stringify(rest), name).not.toContain('Task.Token');
    }
    expect(built.definition.States.ClearanceWait).toMatchObject({
      HeartbeatSeconds: 86_400,
      TimeoutSeconds: 86_700,
    });
  });

  it('re-checks after a timeout and catches every other error of a stage into a Fail with its name', () => {
    const [, wait] = tasks.find(([n]) => n === 'StageWait') as [string, State];
    const catches = wait.Catch as Array<{ ErrorEquals: string[]; Next: string }>;
    expect(catches[0]).toMatchObject({
      ErrorEquals: ['States.Timeout', 'States.HeartbeatTimeout', 'Approval.Resumed'],
      Next: 'StageSchedule',
    });
    expect(catches[1]).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'StageFailed' });
    const [, fail] = states.find(([n]) => n === 'StageFailed') as [string, State];
    expect(fail).toMatchObject({ Error: '{% $states.input.Error %}', Cause: '{% $states.input.Cause %}' });
    // The clearance wait leaves its failures to the main line's Catch (compensation).
    const [, clearance] = tasks.find(([n]) => n === 'ClearanceWait') as [string, State];
    expect((clearance.Catch as Array<{ ErrorEquals: string[] }>).flatMap((c) => c.ErrorEquals)).not.toContain(
      'States.ALL',
    );
  });

  it('passes the local engine validator and asl-validator', async () => {
    expect(validateDefinition(built.definition)).toEqual([]);
    // asl-validator ships no type declarations.
    const aslValidator = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => {
      isValid: boolean;
      errors: unknown[];
    };
    const result = aslValidator(built.definition);
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('lets only the Lambdas that answer tokens call SendTaskSuccess/Failure', () => {
    const policies = Object.entries(built.json.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Policy');
    const sendTask = policies
      .filter(([, p]) => JSON.stringify(p.Properties.PolicyDocument).includes('states:SendTaskSuccess'))
      .map(([, p]) => JSON.stringify(p.Properties.Roles));
    expect(sendTask).toHaveLength(2);
    expect(sendTask.join()).toMatch(/ApprovalWait/);
    expect(sendTask.join()).toMatch(/ClearanceWaitRegister/);
    expect(sendTask.join()).not.toMatch(/ApprovalSchedule/);
  });
});

describe('stage groups (the outer Map items)', () => {
  it('runs each order once, ascending, with exactly its stages', async () => {
    const stage = fc.record({
      id: fc.string({ minLength: 1, maxLength: 6 }),
      order: fc.integer({ min: 1, max: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(stage, { maxLength: 8 }), async (stages) => {
        const expr = jsonata(STAGE_GROUPS);
        expr.assign('route', { stages });
        const groups = ((await expr.evaluate({})) ?? []) as Array<{ order: number; stages: typeof stages }>;
        const orders = [...new Set(stages.map((s) => s.order))].sort((a, b) => a - b);
        expect(groups.map((g) => g.order)).toEqual(orders);
        for (const g of groups) expect(g.stages).toEqual(stages.filter((s) => s.order === g.order));
      }),
    );
  });
});
