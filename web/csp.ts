/**
 * The console's Content-Security-Policy, one definition for the local gateway and CloudFront: its own
 * scripts and styles only (no inline code, no eval), API calls to `connect` besides its own origin.
 */
export function consoleCsp(connect: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${connect.map((c) => ` ${c}`).join('')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}
