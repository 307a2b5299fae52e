/** One failing field: where it is and which rule it broke. */
export interface FieldIssue {
  path: string;
  rule: string;
  message: string;
}

/**
 * Input that breaks the schema. Step Functions can Catch it by this name; the HTTP layer maps it to 400.
 * It carries every failing field, not just the first.
 */
export class InputValidationError extends Error {
  override readonly name = 'InputValidationError';
  constructor(readonly issues: FieldIssue[]) {
    super(
      `Invalid input: ${issues.map((i) => `${i.path || '(root)'}: ${i.message} [${i.rule}]`).join('; ')}`,
    );
  }
}
