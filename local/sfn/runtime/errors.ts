/** An error the Step Functions API answers with: `type` is AWS's error code (`__type`). */
export class SfnApiError extends Error {
  override readonly name = 'SfnApiError';
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export const validation = (message: string) => new SfnApiError('ValidationException', message);
