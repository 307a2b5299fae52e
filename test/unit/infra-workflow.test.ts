/**
 * The onboarding state machine as synthesized: the generated ASL JSON in workflows/ matches the CDK, an
 * independent validator (asl-validator) accepts it, and the template has what operations rely on: X-Ray
 * tracing, logging of every event, a Catch on every task, Retry with MaxDelaySeconds and full jitter on every
 * retried task, a heartbeat and a timeout on every token wait. Synthesized without bundling the Lambdas.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import { ASL_PATH, onboardingAsl, renderAsl } from '../../workflows/asl.ts';

type AslState = {
  Type: string;
  Resource?: string;
  Catch?: { ErrorEquals: string[] }[];
  Retry?: { ErrorEquals: string[]; MaxDelaySeconds?: number; JitterStrategy?: string }[];
  HeartbeatSeconds?: unknown;
  TimeoutSeconds?: unknown;
  ItemProcessor?: { States: Record<string, AslState> };
  Iterator?: { States: Record<string, AslState> };
  Branches?: { States: Record<string, AslState> }[];
};

const validate = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errorsText: (separator?: string) => string;
};

/** Every state, nested Map and Parallel states included, with a path for messages. */
function allStates(states: Record<string, AslState>, prefix = ''): [string, AslState][] {
  return Object.entries(states).flatMap(([name, state]) => {
    const nested = [
      ...(state.ItemProcessor ? [state.ItemProcessor.States] : []),
      ...(state.Iterator ? [state.Iterator.States] : []),
      ...(state.Branches ?? []).map((b) => b.States),
    ];
    return [
      [`${prefix}${name}`, state] as [string, AslState],
      ...nested.flatMap((s) => allStates(s, `${prefix}${name}/`)),
    ];
  });
}

function synthWithoutBundling() {
  process.env.CDK_CONTEXT_JSON = JSON.stringify({ 'aws:cdk:bundling-stacks': [] });
  try {
    const { stack } = buildApp();
    return { stack, template: Template.fromStack(stack) };
  } finally {
    delete process.env.CDK_CONTEXT_JSON;
  }
}

describe('the onboarding state machine', { timeout: 300_000 }, () => {
  const definition = onboardingAsl() as { States: Record<string, AslState>; QueryLanguage?: string };
  const states = allStates(definition.States);

  it('matches the generated workflows/onboarding.asl.json (run npm run workflow:asl after a change)', () => {
    expect(readFileSync(ASL_PATH, 'utf8')).toBe(renderAsl(definition));
  });

  it('is valid ASL for an independent validator', () => {
    const result = validate(definition);
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('uses JSONata and names its main-line states readably', () => {
    expect(definition.QueryLanguage).toBe('JSONata');
    for (const name of [
      'Submit',
      'MatchAndHold',
      'Route',
      'CheckSite',
      'Allocate',
      'Compensate',
      'WaitForCapacity',
    ]) {
      expect(Object.keys(definition.States)).toContain(name);
    }
  });

  it('gives every task a Catch, and every retried task MaxDelaySeconds and full jitter', () => {
    const tasks = states.filter(([, s]) => s.Type === 'Task');
    expect(tasks.length).toBeGreaterThanOrEqual(9);
    for (const [name, task] of tasks) {
      expect(task.Catch?.length, `${name} has no Catch`).toBeGreaterThan(0);
      for (const retry of task.Retry ?? []) {
        expect(retry.MaxDelaySeconds, `${name} retry without MaxDelaySeconds`).toBeGreaterThan(0);
        expect(retry.JitterStrategy, `${name} retry without full jitter`).toBe('FULL');
      }
    }
    // Every main-line task ends in the compensation path on any error.
    for (const name of ['MatchAndHold', 'Route', 'CheckSite', 'ApplyReview', 'Allocate']) {
      const task = definition.States[name];
      expect(task?.Catch?.some((c) => c.ErrorEquals.includes('States.ALL'))).toBe(true);
      expect(task?.Retry?.length).toBeGreaterThan(0);
    }
  });

  it('gives every token wait a heartbeat and a timeout', () => {
    const waits = states.filter(([, s]) => s.Type === 'Task' && s.Resource?.endsWith('.waitForTaskToken'));
    expect(waits.length).toBeGreaterThanOrEqual(2);
    for (const [name, wait] of waits) {
      expect(wait.HeartbeatSeconds, `${name} has no HeartbeatSeconds`).toBeDefined();
      expect(wait.TimeoutSeconds, `${name} has no TimeoutSeconds`).toBeDefined();
    }
  });

  it('is a Standard machine with X-Ray tracing and every event logged with execution data', () => {
    const { stack, template } = synthWithoutBundling();
    const id = stack.getLogicalId(stack.workflow.stateMachine.node.defaultChild as CfnElement);
    template.hasResource('AWS::StepFunctions::StateMachine', {
      Properties: Match.objectLike({
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
      }),
    });
    expect(Object.keys(template.findResources('AWS::StepFunctions::StateMachine'))).toContain(id);
    // The workflow's functions publish to the bus they are told of, and only to it.
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Workflow: turns the hold'),
      Environment: {
        Variables: Match.objectLike({ EVENT_BUS_NAME: Match.anyValue(), TABLE_NAME: Match.anyValue() }),
      },
    });
    template.resourceCountIs('AWS::Events::EventBus', 1);
  });
});
