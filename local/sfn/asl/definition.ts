/**
 * Definition validation, as CreateStateMachine does it: each problem is reported as AWS words it,
 * `<CODE>: <what> at <JSON pointer>`, so the API can answer InvalidDefinition with the reason.
 */
import type { ResourceInvoker } from '#local/sfn/contracts.ts';
import { validateChoiceRule } from './choice.ts';
import { isIntrinsicCall, validateIntrinsic } from './intrinsics.ts';
import { isJsonataTemplate, validateJsonata } from './jsonata.ts';
import { isReferencePath } from './jsonpath.ts';
import { isValidScopedPath } from './payload-template.ts';

const STATE_TYPES = new Set(['Pass', 'Task', 'Choice', 'Wait', 'Succeed', 'Fail', 'Parallel', 'Map']);

/** Fields only JSONPath states may carry, and only JSONata states may carry. */
const JSONPATH_ONLY = [
  'InputPath',
  'Parameters',
  'ResultSelector',
  'ResultPath',
  'OutputPath',
  'ItemsPath',
  'SecondsPath',
  'TimestampPath',
  'ErrorPath',
  'CausePath',
  'TimeoutSecondsPath',
  'HeartbeatSecondsPath',
  'MaxConcurrencyPath',
  'ToleratedFailureCountPath',
  'ToleratedFailurePercentagePath',
];
const JSONATA_ONLY = ['Arguments', 'Output', 'Items'];

const TRANSITIONING = new Set(['Pass', 'Task', 'Wait', 'Parallel', 'Map']);

const COMMON_FIELDS = ['Type', 'Comment', 'QueryLanguage'];
const IO = ['InputPath', 'OutputPath', 'Output', 'Assign'];
const RESULT = ['ResultPath', 'ResultSelector', 'Retry', 'Catch'];
const FLOW = ['Next', 'End'];

/** The fields each state type accepts (both query languages; the language check comes separately). */
const STATE_FIELDS: Record<string, Set<string>> = {
  Pass: new Set([...COMMON_FIELDS, ...IO, ...FLOW, 'ResultPath', 'Parameters', 'Result']),
  Task: new Set([
    ...COMMON_FIELDS,
    ...IO,
    ...FLOW,
    ...RESULT,
    'Resource',
    'Parameters',
    'Arguments',
    'TimeoutSeconds',
    'TimeoutSecondsPath',
    'HeartbeatSeconds',
    'HeartbeatSecondsPath',
    'Credentials',
  ]),
  Choice: new Set([...COMMON_FIELDS, ...IO, 'Choices', 'Default']),
  Wait: new Set([...COMMON_FIELDS, ...IO, ...FLOW, 'Seconds', 'Timestamp', 'SecondsPath', 'TimestampPath']),
  Succeed: new Set([...COMMON_FIELDS, 'InputPath', 'OutputPath', 'Output']),
  Fail: new Set([...COMMON_FIELDS, 'Error', 'Cause', 'ErrorPath', 'CausePath']),
  Parallel: new Set([...COMMON_FIELDS, ...IO, ...FLOW, ...RESULT, 'Branches', 'Parameters', 'Arguments']),
  Map: new Set([
    ...COMMON_FIELDS,
    ...IO,
    ...FLOW,
    ...RESULT,
    'ItemProcessor',
    'Iterator',
    'ItemsPath',
    'Items',
    'ItemSelector',
    'Parameters',
    'MaxConcurrency',
    'MaxConcurrencyPath',
    'ToleratedFailureCount',
    'ToleratedFailureCountPath',
    'ToleratedFailurePercentage',
    'ToleratedFailurePercentagePath',
    'Label',
  ]),
};

const JSONATA_RULE_FIELDS = new Set(['Condition', 'Next', 'Assign', 'Output', 'Comment']);

/** Distributed Map fields: valid ASL, but this engine runs inline Maps only. */
const DISTRIBUTED_ONLY = new Set(['ItemReader', 'ItemBatcher', 'ResultWriter']);

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

interface Walk {
  problems: string[];
  invoker: ResourceInvoker | undefined;
  machineLanguage: string;
}

/** Validates an ASL document. Returns [] when it is valid. */
export function validateDefinition(definition: unknown, invoker?: ResourceInvoker): string[] {
  const problems: string[] = [];
  if (!isObj(definition)) return ['SCHEMA_VALIDATION_FAILED: The definition must be a JSON object at /'];
  const language = definition.QueryLanguage ?? 'JSONPath';
  if (language !== 'JSONPath' && language !== 'JSONata') {
    problems.push(
      `SCHEMA_VALIDATION_FAILED: Value is not a valid QueryLanguage, must be one of [JSONPath, JSONata] at /QueryLanguage`,
    );
  }
  validateBlock(definition, '', { problems, invoker, machineLanguage: String(language) });
  return problems;
}

function validateBlock(block: Obj, pointer: string, walk: Walk): void {
  const { problems } = walk;
  const at = pointer || '/';
  if (typeof block.StartAt !== 'string') {
    problems.push(`SCHEMA_VALIDATION_FAILED: These fields are required: [StartAt] at ${at}`);
  }
  if (!isObj(block.States) || Object.keys(block.States).length === 0) {
    problems.push(`SCHEMA_VALIDATION_FAILED: These fields are required: [States] at ${at}`);
    return;
  }
  const states = block.States;
  const names = new Set(Object.keys(states));
  if (typeof block.StartAt === 'string' && !names.has(block.StartAt)) {
    problems.push(`MISSING_TRANSITION_TARGET: Missing 'Next' target: ${block.StartAt} at ${pointer}/StartAt`);
  }
  const reachable = new Set<string>();
  const targets = new Map<string, string[]>();
  for (const [name, state] of Object.entries(states)) {
    const statePointer = `${pointer}/States/${name}`;
    if (name.length > 80) {
      problems.push(
        `SCHEMA_VALIDATION_FAILED: State name '${name}' is longer than 80 characters at ${statePointer}`,
      );
    }
    if (!isObj(state)) {
      problems.push(`SCHEMA_VALIDATION_FAILED: The state must be an object at ${statePointer}`);
      continue;
    }
    targets.set(name, validateState(name, state, statePointer, names, walk));
  }
  // Reachability from StartAt.
  const queue = typeof block.StartAt === 'string' && names.has(block.StartAt) ? [block.StartAt] : [];
  while (queue.length > 0) {
    const name = queue.pop() as string;
    if (reachable.has(name)) continue;
    reachable.add(name);
    for (const next of targets.get(name) ?? []) if (names.has(next) && !reachable.has(next)) queue.push(next);
  }
  if (queue.length === 0 && typeof block.StartAt === 'string' && names.has(block.StartAt)) {
    for (const name of names) {
      if (!reachable.has(name)) {
        problems.push(
          `MISSING_TRANSITION_TARGET: State "${name}" is not reachable. at ${pointer}/States/${name}`,
        );
      }
    }
  }
}

/** Validates one state; returns the names it can transition to. */
function validateState(name: string, state: Obj, pointer: string, names: Set<string>, walk: Walk): string[] {
  const { problems } = walk;
  const type = state.Type;
  const targets: string[] = [];
  if (typeof type !== 'string' || !STATE_TYPES.has(type)) {
    problems.push(
      `SCHEMA_VALIDATION_FAILED: Value is not a valid state type, must be one of [${[...STATE_TYPES].join(', ')}] at ${pointer}/Type`,
    );
    return targets;
  }
  for (const field of Object.keys(state)) {
    if (STATE_FIELDS[type]?.has(field)) continue;
    problems.push(
      DISTRIBUTED_ONLY.has(field)
        ? `SCHEMA_VALIDATION_FAILED: Field '${field}' belongs to distributed Maps, which this engine does not run at ${pointer}/${field}`
        : `SCHEMA_VALIDATION_FAILED: Field '${field}' is not supported by ${type} states at ${pointer}/${field}`,
    );
  }
  const language = state.QueryLanguage ?? walk.machineLanguage;
  if (
    state.QueryLanguage !== undefined &&
    state.QueryLanguage !== 'JSONPath' &&
    state.QueryLanguage !== 'JSONata'
  ) {
    problems.push(
      `SCHEMA_VALIDATION_FAILED: Value is not a valid QueryLanguage, must be one of [JSONPath, JSONata] at ${pointer}/QueryLanguage`,
    );
  }
  if (walk.machineLanguage === 'JSONata' && state.QueryLanguage === 'JSONPath') {
    problems.push(
      `SCHEMA_VALIDATION_FAILED: The QueryLanguage of a state cannot be JSONPath when the state machine's is JSONata at ${pointer}/QueryLanguage`,
    );
  }
  const forbidden = language === 'JSONata' ? JSONPATH_ONLY : JSONATA_ONLY;
  for (const field of forbidden) {
    if (Object.hasOwn(state, field)) {
      problems.push(
        `SCHEMA_VALIDATION_FAILED: The field '${field}' is not supported for the query language ${language} at ${pointer}/${field}`,
      );
    }
  }

  if (language === 'JSONPath') validateJsonPathFields(state, pointer, problems);
  else validateJsonataFields(state, pointer, problems);

  const addTarget = (target: unknown, at: string) => {
    if (typeof target !== 'string') return;
    targets.push(target);
    if (!names.has(target))
      problems.push(`MISSING_TRANSITION_TARGET: Missing 'Next' target: ${target} at ${at}`);
  };

  if (TRANSITIONING.has(type)) {
    const hasNext = typeof state.Next === 'string';
    const ends = state.End === true;
    if (hasNext && ends) {
      problems.push(`SCHEMA_VALIDATION_FAILED: A state cannot have both Next and End at ${pointer}`);
    } else if (!hasNext && !ends) {
      problems.push(
        `SCHEMA_VALIDATION_FAILED: This state must have a 'Next' field or an 'End' field set to true at ${pointer}`,
      );
    }
    addTarget(state.Next, `${pointer}/Next`);
  } else if (state.Next !== undefined || state.End !== undefined) {
    problems.push(
      `SCHEMA_VALIDATION_FAILED: Field 'Next' or 'End' is not supported by ${type} states at ${pointer}`,
    );
  }

  switch (type) {
    case 'Task':
      validateTask(name, state, pointer, walk);
      break;
    case 'Choice':
      validateChoice(state, pointer, language, walk, addTarget);
      break;
    case 'Wait': {
      const fields = ['Seconds', 'Timestamp', 'SecondsPath', 'TimestampPath'].filter(
        (f) => state[f] !== undefined,
      );
      if (fields.length !== 1) {
        problems.push(
          `SCHEMA_VALIDATION_FAILED: A Wait state needs exactly one of Seconds, Timestamp, SecondsPath, TimestampPath at ${pointer}`,
        );
      }
      break;
    }
    case 'Parallel': {
      const branches = state.Branches;
      if (!Array.isArray(branches) || branches.length === 0) {
        problems.push(`SCHEMA_VALIDATION_FAILED: These fields are required: [Branches] at ${pointer}`);
        break;
      }
      branches.forEach((branch, i) => {
        if (isObj(branch)) validateBlock(branch, `${pointer}/Branches[${i}]`, walk);
        else
          problems.push(`SCHEMA_VALIDATION_FAILED: A branch must be an object at ${pointer}/Branches[${i}]`);
      });
      break;
    }
    case 'Map': {
      const processor = state.ItemProcessor ?? state.Iterator;
      const field = state.ItemProcessor !== undefined ? 'ItemProcessor' : 'Iterator';
      if (!isObj(processor)) {
        problems.push(`SCHEMA_VALIDATION_FAILED: These fields are required: [ItemProcessor] at ${pointer}`);
        break;
      }
      const config = processor.ProcessorConfig;
      if (isObj(config) && config.Mode !== undefined && config.Mode !== 'INLINE') {
        problems.push(
          `SCHEMA_VALIDATION_FAILED: Only the INLINE processor mode is supported locally at ${pointer}/${field}/ProcessorConfig/Mode`,
        );
      }
      validateBlock(processor, `${pointer}/${field}`, walk);
      break;
    }
    default:
      break;
  }

  if (Array.isArray(state.Retry)) validateRetry(state.Retry, `${pointer}/Retry`, problems);
  if (Array.isArray(state.Catch)) {
    state.Catch.forEach((catcher, i) => {
      const at = `${pointer}/Catch[${i}]`;
      if (!isObj(catcher)) return;
      validateErrorEquals(catcher.ErrorEquals, at, problems);
      if (typeof catcher.Next !== 'string') {
        problems.push(`SCHEMA_VALIDATION_FAILED: These fields are required: [Next] at ${at}`);
      }
      addTarget(catcher.Next, `${at}/Next`);
      const wrong = language === 'JSONata' ? ['ResultPath'] : ['Output'];
      for (const field of wrong) {
        if (Object.hasOwn(catcher, field)) {
          problems.push(
            `SCHEMA_VALIDATION_FAILED: The field '${field}' is not supported for the query language ${language} at ${at}/${field}`,
          );
        }
      }
    });
  }
  return targets;
}

function validateTask(name: string, state: Obj, pointer: string, walk: Walk): void {
  const resource = state.Resource;
  if (typeof resource !== 'string') {
    walk.problems.push(`SCHEMA_VALIDATION_FAILED: These fields are required: [Resource] at ${pointer}`);
    return;
  }
  const refused = walk.invoker?.validateResource(resource);
  if (refused) {
    walk.problems.push(
      `SCHEMA_VALIDATION_FAILED: The resource '${resource}' of state '${name}' is not supported: ${refused} at ${pointer}/Resource`,
    );
  }
  const { TimeoutSeconds: timeout, HeartbeatSeconds: heartbeat } = state;
  if (typeof timeout === 'number' && typeof heartbeat === 'number' && heartbeat >= timeout) {
    walk.problems.push(
      `SCHEMA_VALIDATION_FAILED: HeartbeatSeconds must be smaller than TimeoutSeconds at ${pointer}/HeartbeatSeconds`,
    );
  }
  for (const field of ['TimeoutSeconds', 'HeartbeatSeconds']) {
    const value = state[field];
    if (typeof value === 'number' && (!Number.isInteger(value) || value <= 0)) {
      walk.problems.push(
        `SCHEMA_VALIDATION_FAILED: ${field} must be a positive integer at ${pointer}/${field}`,
      );
    }
  }
}

function validateChoice(
  state: Obj,
  pointer: string,
  language: unknown,
  walk: Walk,
  addTarget: (target: unknown, at: string) => void,
): void {
  const choices = state.Choices;
  if (!Array.isArray(choices) || choices.length === 0) {
    walk.problems.push(`SCHEMA_VALIDATION_FAILED: These fields are required: [Choices] at ${pointer}`);
    return;
  }
  choices.forEach((rule, i) => {
    const at = `${pointer}/Choices[${i}]`;
    if (!isObj(rule)) return;
    if (typeof rule.Next !== 'string') {
      walk.problems.push(`SCHEMA_VALIDATION_FAILED: These fields are required: [Next] at ${at}`);
    }
    addTarget(rule.Next, `${at}/Next`);
    if (language === 'JSONata') {
      for (const field of Object.keys(rule)) {
        if (!JSONATA_RULE_FIELDS.has(field)) {
          walk.problems.push(
            `SCHEMA_VALIDATION_FAILED: The field '${field}' is not supported in a JSONata choice rule at ${at}/${field}`,
          );
        }
      }
    }
    if (language === 'JSONata' && rule.Condition === undefined) {
      walk.problems.push(`SCHEMA_VALIDATION_FAILED: These fields are required: [Condition] at ${at}`);
    }
    if (language !== 'JSONata') {
      const { Next: _next, Assign: _assign, Comment: _comment, ...condition } = rule;
      walk.problems.push(...validateChoiceRule(condition, at, isValidScopedPath));
    }
    if (language !== 'JSONata' && rule.Condition !== undefined) {
      walk.problems.push(
        `SCHEMA_VALIDATION_FAILED: The field 'Condition' is not supported for the query language JSONPath at ${at}/Condition`,
      );
    }
  });
  if (state.Default !== undefined) addTarget(state.Default, `${pointer}/Default`);
}

function validateErrorEquals(errorEquals: unknown, at: string, problems: string[]): void {
  if (!Array.isArray(errorEquals) || errorEquals.length === 0) {
    problems.push(`SCHEMA_VALIDATION_FAILED: These fields are required: [ErrorEquals] at ${at}`);
    return;
  }
  if (errorEquals.includes('States.ALL') && errorEquals.length > 1) {
    problems.push(
      `SCHEMA_VALIDATION_FAILED: States.ALL must appear alone in ErrorEquals at ${at}/ErrorEquals`,
    );
  }
}

function validateRetry(retriers: unknown[], pointer: string, problems: string[]): void {
  retriers.forEach((retrier, i) => {
    const at = `${pointer}[${i}]`;
    if (!isObj(retrier)) return;
    validateErrorEquals(retrier.ErrorEquals, at, problems);
    if (
      Array.isArray(retrier.ErrorEquals) &&
      retrier.ErrorEquals.includes('States.ALL') &&
      i !== retriers.length - 1
    ) {
      problems.push(
        `SCHEMA_VALIDATION_FAILED: States.ALL must appear in the last retrier at ${at}/ErrorEquals`,
      );
    }
    const { MaxAttempts, IntervalSeconds, BackoffRate, MaxDelaySeconds, JitterStrategy } = retrier;
    if (MaxAttempts !== undefined && (!Number.isInteger(MaxAttempts) || (MaxAttempts as number) < 0)) {
      problems.push(
        `SCHEMA_VALIDATION_FAILED: MaxAttempts must be a non-negative integer at ${at}/MaxAttempts`,
      );
    }
    if (
      IntervalSeconds !== undefined &&
      (!Number.isInteger(IntervalSeconds) || (IntervalSeconds as number) < 1)
    ) {
      problems.push(
        `SCHEMA_VALIDATION_FAILED: IntervalSeconds must be a positive integer at ${at}/IntervalSeconds`,
      );
    }
    if (BackoffRate !== undefined && (typeof BackoffRate !== 'number' || BackoffRate < 1)) {
      problems.push(`SCHEMA_VALIDATION_FAILED: BackoffRate must be at least 1.0 at ${at}/BackoffRate`);
    }
    if (
      MaxDelaySeconds !== undefined &&
      (!Number.isInteger(MaxDelaySeconds) || (MaxDelaySeconds as number) < 1)
    ) {
      problems.push(
        `SCHEMA_VALIDATION_FAILED: MaxDelaySeconds must be a positive integer at ${at}/MaxDelaySeconds`,
      );
    }
    if (JitterStrategy !== undefined && JitterStrategy !== 'FULL' && JitterStrategy !== 'NONE') {
      problems.push(`SCHEMA_VALIDATION_FAILED: JitterStrategy must be FULL or NONE at ${at}/JitterStrategy`);
    }
  });
}

const PATH_FIELDS = [
  'InputPath',
  'OutputPath',
  'ItemsPath',
  'SecondsPath',
  'TimestampPath',
  'TimeoutSecondsPath',
  'HeartbeatSecondsPath',
  'MaxConcurrencyPath',
  'ToleratedFailureCountPath',
  'ToleratedFailurePercentagePath',
];

const TEMPLATE_FIELDS = ['Parameters', 'ResultSelector', 'ItemSelector', 'Assign', 'Credentials'];

function validateJsonPathFields(state: Obj, pointer: string, problems: string[]): void {
  for (const field of PATH_FIELDS) {
    const value = state[field];
    if (typeof value === 'string' && !isValidScopedPath(value)) {
      problems.push(
        `INVALID_JSON_PATH: The value for the field '${field}' must be a valid JSONPath at ${pointer}/${field}`,
      );
    }
  }
  for (const field of ['ErrorPath', 'CausePath']) {
    const value = state[field];
    if (typeof value === 'string' && !isValidScopedPath(value) && !isIntrinsicCall(value)) {
      problems.push(
        `INVALID_JSON_PATH: The value for the field '${field}' must be a valid JSONPath or a valid intrinsic function call at ${pointer}/${field}`,
      );
    }
  }
  const resultPath = state.ResultPath;
  if (typeof resultPath === 'string' && !isReferencePath(resultPath)) {
    problems.push(
      `INVALID_JSON_PATH: The value for the field 'ResultPath' must be a valid reference path at ${pointer}/ResultPath`,
    );
  }
  for (const field of TEMPLATE_FIELDS) validateTemplate(state[field], `${pointer}/${field}`, problems);
}

/** Keys ending in `.$` must hold a path or an intrinsic function call. */
function validateTemplate(template: unknown, pointer: string, problems: string[]): void {
  if (Array.isArray(template)) {
    template.forEach((item, i) => {
      validateTemplate(item, `${pointer}[${i}]`, problems);
    });
    return;
  }
  if (!isObj(template)) return;
  for (const [key, value] of Object.entries(template)) {
    if (!key.endsWith('.$')) {
      validateTemplate(value, `${pointer}/${key}`, problems);
      continue;
    }
    const valid =
      typeof value === 'string' &&
      (isIntrinsicCall(value) ? validateIntrinsic(value) === undefined : isValidScopedPath(value.trim()));
    if (!valid) {
      problems.push(
        `SCHEMA_VALIDATION_FAILED: The value for the field '${key}' must be a valid JSONPath or a valid intrinsic function call at ${pointer}/${key}`,
      );
    }
  }
}

/** Fields of a JSONata state (and of its catchers and choice rules) that may hold `{% %}` expressions. */
const JSONATA_FIELDS = [
  'Arguments',
  'Output',
  'Assign',
  'Items',
  'ItemSelector',
  'Seconds',
  'Timestamp',
  'TimeoutSeconds',
  'HeartbeatSeconds',
  'MaxConcurrency',
  'ToleratedFailureCount',
  'ToleratedFailurePercentage',
  'Error',
  'Cause',
  'Credentials',
];

function validateJsonataFields(state: Obj, pointer: string, problems: string[]): void {
  for (const field of JSONATA_FIELDS) validateExpressions(state[field], `${pointer}/${field}`, problems);
  if (Array.isArray(state.Choices)) {
    state.Choices.forEach((rule, i) => {
      if (!isObj(rule)) return;
      for (const field of ['Condition', 'Output', 'Assign']) {
        validateExpressions(rule[field], `${pointer}/Choices[${i}]/${field}`, problems);
      }
    });
  }
  if (Array.isArray(state.Catch)) {
    state.Catch.forEach((catcher, i) => {
      if (!isObj(catcher)) return;
      for (const field of ['Output', 'Assign']) {
        validateExpressions(catcher[field], `${pointer}/Catch[${i}]/${field}`, problems);
      }
    });
  }
}

/** Every `{% %}` string inside a value must parse, and may not read the (absent) context item. */
function validateExpressions(value: unknown, pointer: string, problems: string[]): void {
  if (isJsonataTemplate(value)) {
    const problem = validateJsonata(value);
    if (problem) problems.push(`${problem} at ${pointer}`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      validateExpressions(item, `${pointer}[${i}]`, problems);
    });
    return;
  }
  if (isObj(value)) {
    for (const [key, item] of Object.entries(value)) validateExpressions(item, `${pointer}/${key}`, problems);
  }
}
