/** State machine definitions the engine's fault tests share (no engine or CDK imports: cheap to load). */

/** A Lambda ARN on the local account; the tests' invokers key their handlers by the function's name. */
export const lambdaArn = (name: string) => `arn:aws:lambda:ap-southeast-1:000000000000:function:${name}`;

/**
 * Task `one`, a Pass that replay recomputes, task `two`: each task's result is a journal write of its
 * own, with the Pass riding along, so a fault can be put on every write of the execution in turn.
 */
export const TWO_TASKS_AROUND_A_PASS = {
  StartAt: 'One',
  States: {
    One: { Type: 'Task', Resource: lambdaArn('one'), ResultPath: '$.one', Next: 'Between' },
    Between: { Type: 'Pass', Result: 'between', ResultPath: '$.between', Next: 'Two' },
    Two: { Type: 'Task', Resource: lambdaArn('two'), ResultPath: '$.two', End: true },
  },
};
