import { fileURLToPath } from 'node:url';
import { AssetHashType, type CfnElement, DockerImage, Duration, Stack, Validations } from 'aws-cdk-lib';
import {
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  type IResponseHeadersPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { buildConsole } from '../../web/build.ts';
import { consoleCsp } from '../../web/csp.ts';

export interface WebConsoleProps {
  /** The HTTP API's base URL, written into the console's `config.json` at deploy time. */
  apiUrl: string;
  /**
   * Cognito managed login, where the console sends people to sign in (authorization code with PKCE):
   * the user pool domain's base URL (`https://<prefix>.auth.<region>.amazoncognito.com`) and the app
   * client, whose callback and sign-out URL must be this console's `url` + `/`.
   */
  signIn: { domainUrl: string; clientId: string; scopes: readonly string[] };
  /** The in-app notifications' stream (a Lambda function URL), when the stack has one. */
  notificationsStreamUrl?: string;
}

const webDir = fileURLToPath(new URL('../../web', import.meta.url));

/**
 * The web console on AWS: a private S3 bucket (public access blocked, TLS only) behind CloudFront with
 * origin access control. The files are built at synth by esbuild (`web/build.ts`, AWS mode: no demo
 * users) through CDK's local bundling, and deployed with a `config.json` that gives the console the
 * API's URL and where to sign in (Cognito's managed login domain, the app client, the return URLs:
 * deploy-time values). The API stays on its own API Gateway
 * domain (CORS allows it); CloudFront serves only the console, so no path of the API can be shadowed.
 * Hashed assets are cached for a year; `index.html` and `config.json` are revalidated each time.
 */
export class WebConsole extends Construct {
  readonly bucket: Bucket;
  readonly logs: Bucket;
  readonly distribution: Distribution;
  readonly deployment: BucketDeployment;

  constructor(scope: Construct, id: string, props: WebConsoleProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    this.logs = new Bucket(this, 'Logs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      // CloudFront's standard logs are delivered with an ACL: the bucket must accept object writers.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(90) }],
    });
    Validations.of(this.logs).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason: 'This is the access-log bucket of the console; logging its own access would recurse.',
    });
    this.bucket = new Bucket(this, 'Site', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      serverAccessLogsBucket: this.logs,
      serverAccessLogsPrefix: 's3/',
    });

    const security = {
      contentSecurityPolicy: {
        // The API, and Cognito's token endpoint (code exchange, refresh, revocation); the sign-in pages
        // themselves are a top-level navigation, not a fetch.
        contentSecurityPolicy: consoleCsp([
          props.apiUrl.replace(/\/$/, ''),
          props.signIn.domainUrl,
          // The stream's own URL would make a cycle (client → distribution → this policy → function URL →
          // the stream function's environment → client): the region's Lambda function URLs instead.
          ...(props.notificationsStreamUrl ? [`https://*.lambda-url.${region}.on.aws`] : []),
        ]),
        override: true,
      },
      contentTypeOptions: { override: true },
      frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
      referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      strictTransportSecurity: {
        accessControlMaxAge: Duration.days(730),
        includeSubdomains: true,
        override: true,
      },
    };
    const headers = (name: string, cacheControl: string): IResponseHeadersPolicy =>
      new ResponseHeadersPolicy(this, name, {
        securityHeadersBehavior: security,
        customHeadersBehavior: {
          customHeaders: [{ header: 'Cache-Control', value: cacheControl, override: true }],
        },
      });
    const origin = S3BucketOrigin.withOriginAccessControl(this.bucket);
    this.distribution = new Distribution(this, 'Cdn', {
      comment: 'Lào Cai investor onboarding: web console',
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_200,
      enableLogging: true,
      logBucket: this.logs,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin,
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers('PageHeaders', 'no-cache'),
      },
      additionalBehaviors: {
        '/assets/*': {
          origin,
          viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          cachePolicy: CachePolicy.CACHING_OPTIMIZED,
          responseHeadersPolicy: headers('AssetHeaders', 'public, max-age=31536000, immutable'),
        },
      },
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-CFR1',
        reason: 'The console is for investors anywhere; no country is to be refused.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-CFR2',
        reason:
          'Static files only; the API it calls has its own stage throttling. A WAF web ACL is a deployment choice (cost) left to the province.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-CFR4',
        reason:
          'The default *.cloudfront.net certificate does not let the minimum TLS version be set; a custom domain with its own certificate (TLSv1.2_2021) is a deployment choice.',
      },
    );

    const files = Source.asset(webDir, {
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        // Never pulled: the local esbuild build below always succeeds (CDK requires an image anyway).
        image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:20-slim'),
        local: {
          tryBundle(outputDir: string) {
            buildConsole({ outDir: outputDir, mode: 'aws' });
            return true;
          },
        },
      },
    });
    // `web/src/config.ts` reads this. Managed login comes back to the console's root (`/?code=…`, where
    // the console finishes the sign-in) and, after signing out, to the root again: the exact URLs the app
    // client allows.
    const returnTo = `${this.url}/`;
    const config = Source.jsonData('config.json', {
      apiUrl: props.apiUrl.replace(/\/$/, ''),
      auth: {
        kind: 'cognito',
        domain: props.signIn.domainUrl,
        clientId: props.signIn.clientId,
        redirectUri: returnTo,
        logoutUri: returnTo,
        scopes: [...props.signIn.scopes],
      },
      ...(props.notificationsStreamUrl ? { notificationsStreamUrl: props.notificationsStreamUrl } : {}),
    });
    this.deployment = new BucketDeployment(this, 'Deploy', {
      sources: [files, config],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ['/', '/index.html', '/config.json'],
      memoryLimit: 512,
    });
    const siteArn = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnElement);
    // The deployment's handler is CDK's singleton function (Python, with the AWS CLI layer) at stack level.
    const handler =
      Stack.of(this).node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment')) ??
      this.deployment;
    Validations.of(handler).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'CDK’s BucketDeployment handler writes only its own logs with it (AWS-maintained least privilege).',
      },
      {
        id: 'AwsSolutions::AwsSolutions-L1',
        reason: 'The runtime of CDK’s BucketDeployment handler is chosen by aws-cdk-lib and moves with it.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason:
          'cloudfront:CreateInvalidation/GetInvalidation (after each deployment) take no resource-level scope.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Action::s3:GetObject*]',
        reason: 'Read of the built console in the CDK asset bucket (the grant CDK writes for an asset).',
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Action::s3:GetBucket*]',
        reason: 'Read of the built console in the CDK asset bucket (the grant CDK writes for an asset).',
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Action::s3:List*]',
        reason: 'The deployment lists the console bucket to prune files of earlier builds.',
      },
    );
    Validations.of(this.deployment.handlerRole).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Action::s3:Abort*]',
        reason: 'CDK’s BucketDeployment copies with multipart uploads, which it may need to abort.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Action::s3:DeleteObject*]',
        reason: 'The deployment prunes files of earlier builds from the console bucket (old hashed assets).',
      },
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${siteArn}.Arn>/*]`,
        reason: 'Objects of the console bucket only: the deployment writes every file of the build.',
      },
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-${region}/*]`,
        reason:
          'Reads the built console from the CDK bootstrap asset bucket, where `cdk deploy` uploaded it.',
      },
    );
  }

  /** The console's address. */
  get url(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }
}
