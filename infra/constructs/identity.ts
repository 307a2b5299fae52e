import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  ClientAttributes,
  FeaturePlan,
  LambdaVersion,
  Mfa,
  StringAttribute,
  UserPool,
  type UserPoolClient,
  UserPoolOperation,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { ROLES } from '../../shared/http/roles.ts';
import { HouseFunction } from './house-function.ts';

/**
 * Sign-in for investors, officials, zone managers and admins: a Cognito user pool whose groups are the
 * API's roles, a `custom:zones` attribute holding a user's zone scope (comma-separated zone ids; only
 * administrators can write it, never the user through the app client), and one public app client
 * (SRP sign-in, no secret: the web console runs in the browser). A pre-token-generation trigger copies
 * the zone scope into access tokens, which are what the API accepts.
 */
export class Identity extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  /** The pre-token trigger, which also keeps the recipients' directory (Notifications binds the table). */
  readonly preTokenGeneration: HouseFunction;

  constructor(scope: Construct, id: string) {
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

    const standard = { email: true, fullname: true, phoneNumber: true };
    this.client = this.userPool.addClient('WebConsole', {
      authFlows: { userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      readAttributes: new ClientAttributes().withStandardAttributes(standard).withCustomAttributes('zones'),
      // The zone scope is granted by administrators, so the client may not write it.
      writeAttributes: new ClientAttributes().withStandardAttributes(standard),
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
