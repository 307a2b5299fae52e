import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnManagedLoginBranding,
  CfnUserPoolGroup,
  ClientAttributes,
  FeaturePlan,
  LambdaVersion,
  ManagedLoginVersion,
  Mfa,
  OAuthScope,
  StringAttribute,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
  type UserPoolDomain,
  UserPoolOperation,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { ROLES } from '../../shared/http/roles.ts';
import { HouseFunction } from './house-function.ts';

export interface IdentityProps {
  /**
   * The web console's address (`https://<distribution>.cloudfront.net`, no trailing slash): managed
   * login sends people back to `<consoleUrl>/` after signing in and after signing out, and to nowhere else.
   */
  consoleUrl: string;
  /**
   * The prefix of the Cognito domain (`<prefix>.auth.<region>.amazoncognito.com`), unique in the region
   * across all AWS accounts. Default: `laocai-onboarding-<account id>`.
   */
  domainPrefix?: string;
}

/** Scopes the console asks for: an ID token with the user's e-mail and name; the API needs none. */
export const CONSOLE_SCOPES = ['openid', 'email', 'profile'] as const;

/**
 * Sign-in for investors, officials, zone managers and admins: a Cognito user pool whose groups are the
 * API's roles, a `custom:zones` attribute holding a user's zone scope (comma-separated zone ids; only
 * administrators can write it, never the user through the app client), and one public app client for
 * the web console. A pre-token-generation trigger copies the zone scope into access tokens, which are
 * what the API accepts (its JWT authorizer's audience is this client).
 *
 * The console signs people in with Cognito's managed login (a `UserPoolDomain`): the authorization-code
 * grant with PKCE, a public client without a secret (a browser keeps none), callback and sign-out URLs
 * that are the console's own address only. Our code never sees a password, and sign-up, MFA, password
 * reset and e-mail verification are Cognito's pages. No `USER_PASSWORD_AUTH`: it would hand passwords to
 * the console's JavaScript.
 */
export class Identity extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  /** The pre-token trigger, which also keeps the recipients' directory (Notifications binds the table). */
  readonly preTokenGeneration: HouseFunction;
  readonly domain: UserPoolDomain;

  constructor(scope: Construct, id: string, props: IdentityProps) {
    super(scope, id);
    this.userPool = new UserPool(this, 'Users', {
      selfSignUpEnabled: true,
      signInAliases: { email: true, username: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      customAttributes: { zones: new StringAttribute({ minLen: 0, maxLen: 2048, mutable: true }) },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Access-token customisation (the zone scope claim) needs the Essentials plan at least.
      featurePlan: FeaturePlan.ESSENTIALS,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const preToken = new HouseFunction(this, 'PreTokenGeneration', {
      entry: 'functions/http/pre-token-generation.ts',
      description: 'Puts the zone scope (custom:zones) in access tokens; a user in no group is an investor',
      timeout: Duration.seconds(5),
    });
    this.userPool.addTrigger(UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, preToken.fn, LambdaVersion.V2_0);
    this.preTokenGeneration = preToken;

    for (const role of ROLES) {
      new CfnUserPoolGroup(this, `Group-${role}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: role,
        description: `API role ${role}`,
      });
    }

    this.domain = this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: props.domainPrefix ?? `laocai-onboarding-${Aws.ACCOUNT_ID}` },
      managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });

    const standard = { email: true, fullname: true, phoneNumber: true };
    const returnTo = `${props.consoleUrl}/`;
    this.client = this.userPool.addClient('WebConsole', {
      // Managed login's password form needs a password flow on the client (SRP: the password never
      // crosses the wire); the console's own code uses only the code grant and the refresh token.
      authFlows: { userSrp: true },
      generateSecret: false,
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [returnTo],
        logoutUrls: [returnTo],
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      readAttributes: new ClientAttributes().withStandardAttributes(standard).withCustomAttributes('zones'),
      // The zone scope is granted by administrators, so the client may not write it.
      writeAttributes: new ClientAttributes().withStandardAttributes(standard),
    });
    // Managed login (version 2) shows its pages to a client only once the client has a style: Cognito's own.
    new CfnManagedLoginBranding(this, 'Branding', {
      userPoolId: this.userPool.userPoolId,
      clientId: this.client.userPoolClientId,
      useCognitoProvidedValues: true,
    });

    Validations.of(this.userPool).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-COG2',
        reason:
          'MFA is offered (TOTP) but optional: investors sign in a few times per application; officials’ MFA is enforced by the province’s onboarding policy, not per pool.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-COG3',
        reason:
          'Threat protection (advanced security) needs the Plus plan; the Essentials plan is chosen for cost, with MFA and a strong password policy.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-COG8',
        reason:
          'Essentials, not Plus: it allows access-token customisation (the zone scope claim); Plus adds threat protection at a per-user cost the province has not approved.',
      },
    );
  }
}
