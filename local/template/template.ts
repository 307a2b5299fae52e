/**
 * Reads a synthesized CloudFormation template (cdk.out/<Stack>.template.json + <Stack>.assets.json) and
 * resolves what the local cloud needs from it: Lambda functions (asset folder, handler, timeout,
 * environment), state machines (definition with every reference resolved to a local name).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';

export const LOCAL_ACCOUNT_ID = '000000000000';

/** A reference the template makes that the local cloud cannot resolve. */
export class TemplateResolutionError extends Error {
  override readonly name = 'TemplateResolutionError';
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

export interface CfnTemplate {
  Resources?: Record<string, CfnResource>;
  Parameters?: Record<string, { Default?: unknown }>;
}

export interface LocalLambdaFunction {
  logicalId: string;
  /** Local function name (the template's FunctionName, else the logical ID). */
  functionName: string;
  arn: string;
  /** Folder holding the bundled code (cdk.out/asset.<hash>). */
  codeDir: string;
  /** e.g. `index.handler`. */
  handler: string;
  runtime: string;
  timeoutSeconds: number;
  memorySize: number;
  environment: Record<string, string>;
}

export interface LocalStateMachine {
  logicalId: string;
  name: string;
  arn: string;
  /** The ASL document with references and DefinitionSubstitutions resolved. */
  definition: Record<string, unknown>;
  roleArn: string;
  type: string;
}

export interface ResolveOptions {
  /** Path of `<Stack>.template.json`. */
  templatePath: string;
  /** Folder holding the `asset.<hash>` folders (usually the template's folder). */
  assetsDir: string;
  /** logicalId → local table name (from the data layer's createTablesFromTemplate). */
  tableNames?: Record<string, string>;
  region?: string;
  /** Prefix-free local names: default uses the logical ID when the template sets no explicit name. */
  stackName?: string;
}

export interface ResolvedTemplate {
  region: string;
  functions: LocalLambdaFunction[];
  stateMachines: LocalStateMachine[];
  /** Resolves any CloudFormation value (intrinsics) to its local value. */
  resolve(value: unknown): unknown;
}

const DEFAULT_REGION = 'ap-southeast-1';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Asset hashes named in the `<Stack>.assets.json` manifest, mapped to their folder. */
function assetFolders(templatePath: string, assetsDir: string): Map<string, string> {
  const folders = new Map<string, string>();
  const manifestPath = templatePath.replace(/\.template\.json$/, '.assets.json');
  if (!existsSync(manifestPath)) return folders;
  const manifest = readJson(manifestPath) as { files?: Record<string, { source?: { path?: string } }> };
  for (const [hash, entry] of Object.entries(manifest.files ?? {})) {
    const path = entry.source?.path;
    if (path && !path.endsWith('.json')) folders.set(hash, join(assetsDir, path));
  }
  return folders;
}

/** Reads and resolves a synthesized template into the local cloud's view of it. */
export function resolveTemplate(options: ResolveOptions): ResolvedTemplate {
  const template = readJson(options.templatePath) as CfnTemplate;
  const region = options.region ?? DEFAULT_REGION;
  const resources = template.Resources ?? {};
  const tableNames = options.tableNames ?? {};
  const folders = assetFolders(options.templatePath, options.assetsDir);

  const functionName = (logicalId: string): string => {
    const explicit = resources[logicalId]?.Properties?.FunctionName;
    return typeof explicit === 'string' ? explicit : logicalId;
  };
  const stateMachineName = (logicalId: string): string => {
    const explicit = resources[logicalId]?.Properties?.StateMachineName;
    return typeof explicit === 'string' ? explicit : logicalId;
  };
  const lambdaArn = (logicalId: string) =>
    `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${functionName(logicalId)}`;
  const stateMachineArn = (logicalId: string) =>
    `arn:aws:states:${region}:${LOCAL_ACCOUNT_ID}:stateMachine:${stateMachineName(logicalId)}`;

  const pseudo: Record<string, string> = {
    'AWS::Region': region,
    'AWS::AccountId': LOCAL_ACCOUNT_ID,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': options.stackName ?? 'local',
    'AWS::StackId': `arn:aws:cloudformation:${region}:${LOCAL_ACCOUNT_ID}:stack/${options.stackName ?? 'local'}/local`,
    'AWS::NoValue': '',
  };

  const tableName = (logicalId: string): string => {
    const name = tableNames[logicalId];
    if (name) return name;
    const explicit = resources[logicalId]?.Properties?.TableName;
    if (typeof explicit === 'string') return explicit;
    throw new TemplateResolutionError(
      `table ${logicalId}: no local table name given (pass tableNames from createTablesFromTemplate)`,
    );
  };

  const ref = (logicalId: string): string => {
    const pseudoValue = pseudo[logicalId];
    if (pseudoValue !== undefined) return pseudoValue;
    const parameter = template.Parameters?.[logicalId];
    if (parameter && parameter.Default !== undefined) return String(parameter.Default);
    const resource = resources[logicalId];
    if (!resource) throw new TemplateResolutionError(`Ref to unknown logical ID ${logicalId}`);
    switch (resource.Type) {
      case 'AWS::Lambda::Function':
        return functionName(logicalId);
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable':
        return tableName(logicalId);
      case 'AWS::StepFunctions::StateMachine':
        return stateMachineArn(logicalId);
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${region}:${LOCAL_ACCOUNT_ID}:${String(resource.Properties?.TopicName ?? logicalId)}`;
      case 'AWS::Events::EventBus':
        return String(resource.Properties?.Name ?? logicalId);
      case 'AWS::IAM::Role':
        return String(resource.Properties?.RoleName ?? logicalId);
      // As local/auth/mapping.ts names them: a pool's issuer becomes the local issuer's, a client its id.
      case 'AWS::Cognito::UserPool':
        return `local-pool:${logicalId}`;
      case 'AWS::Cognito::UserPoolClient':
        return logicalId;
      default:
        throw new TemplateResolutionError(
          `Ref to ${logicalId} (${resource.Type}) has no local value in the local cloud`,
        );
    }
  };

  const getAtt = (logicalId: string, attribute: string): string => {
    const resource = resources[logicalId];
    if (!resource) throw new TemplateResolutionError(`Fn::GetAtt on unknown logical ID ${logicalId}`);
    const type = resource.Type;
    if (type === 'AWS::Lambda::Function' && attribute === 'Arn') return lambdaArn(logicalId);
    if ((type === 'AWS::DynamoDB::Table' || type === 'AWS::DynamoDB::GlobalTable') && attribute === 'Arn') {
      return `arn:aws:dynamodb:${region}:${LOCAL_ACCOUNT_ID}:table/${tableName(logicalId)}`;
    }
    if (
      (type === 'AWS::DynamoDB::Table' || type === 'AWS::DynamoDB::GlobalTable') &&
      attribute === 'StreamArn'
    ) {
      return `arn:aws:dynamodb:${region}:${LOCAL_ACCOUNT_ID}:table/${tableName(logicalId)}/stream/local`;
    }
    if (type === 'AWS::StepFunctions::StateMachine' && attribute === 'Arn') return stateMachineArn(logicalId);
    if (type === 'AWS::StepFunctions::StateMachine' && attribute === 'Name') {
      return stateMachineName(logicalId);
    }
    if (type === 'AWS::IAM::Role' && attribute === 'Arn') {
      return `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/${String(resource.Properties?.RoleName ?? logicalId)}`;
    }
    if (type === 'AWS::SNS::Topic' && attribute === 'TopicArn') return ref(logicalId);
    if (type === 'AWS::Events::EventBus' && (attribute === 'Arn' || attribute === 'Name')) {
      const name = ref(logicalId);
      return attribute === 'Name' ? name : `arn:aws:events:${region}:${LOCAL_ACCOUNT_ID}:event-bus/${name}`;
    }
    throw new TemplateResolutionError(
      `Fn::GetAtt ${logicalId}.${attribute} (${type}) has no local value in the local cloud`,
    );
  };

  const resolve = (value: unknown, variables: Record<string, unknown> = {}): unknown => {
    if (Array.isArray(value)) return value.map((v) => resolve(v, variables));
    if (!isObject(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const key = keys[0] as string;
      const arg = value[key];
      switch (key) {
        case 'Ref':
          return ref(String(arg));
        case 'Fn::GetAtt': {
          const [id, attr] = Array.isArray(arg) ? arg : String(arg).split(/\.(.+)/);
          return getAtt(String(id), String(resolve(attr, variables)));
        }
        case 'Fn::Join': {
          const [sep, parts] = arg as [string, unknown];
          const list = resolve(parts, variables);
          if (!Array.isArray(list)) throw new TemplateResolutionError('Fn::Join expects a list of values');
          return list.map((p) => String(p)).join(sep);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [unknown, unknown];
          const items = resolve(list, variables);
          const i = Number(resolve(index, variables));
          if (!Array.isArray(items) || items[i] === undefined) {
            throw new TemplateResolutionError(`Fn::Select index ${i} out of range`);
          }
          return items[i];
        }
        case 'Fn::Split': {
          const [sep, source] = arg as [string, unknown];
          return String(resolve(source, variables)).split(sep);
        }
        case 'Fn::Sub': {
          const [text, vars] = Array.isArray(arg)
            ? (arg as [string, Record<string, unknown>])
            : [String(arg), {}];
          const scope: Record<string, unknown> = { ...variables };
          for (const [k, v] of Object.entries(vars ?? {})) scope[k] = resolve(v, variables);
          return text.replace(/\$\{([^}!][^}]*)\}/g, (_m, name: string) => {
            if (name in scope) return String(scope[name]);
            const [id, attr] = name.split(/\.(.+)/);
            return attr ? getAtt(String(id), attr) : ref(name);
          });
        }
        case 'Fn::If':
        case 'Fn::ImportValue':
        case 'Fn::FindInMap':
          throw new TemplateResolutionError(`${key} is not supported by the local cloud`);
        default:
          break;
      }
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolve(v, variables);
    return out;
  };

  const functions: LocalLambdaFunction[] = [];
  const stateMachines: LocalStateMachine[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::Lambda::Function') {
      const code = (props.Code ?? {}) as Record<string, unknown>;
      const key = resolve(code.S3Key);
      const hash = typeof key === 'string' ? key.replace(/\.zip$/, '') : undefined;
      const folder = hash ? (folders.get(hash) ?? join(options.assetsDir, `asset.${hash}`)) : undefined;
      if (!folder || !existsSync(folder)) {
        throw new TemplateResolutionError(
          `function ${logicalId}: asset ${String(hash)} not found under the assets folder (inline code is not supported)`,
        );
      }
      const env = ((props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ??
        {}) as Record<string, unknown>;
      const environment: Record<string, string> = {};
      for (const [k, v] of Object.entries(env)) environment[k] = String(resolve(v));
      functions.push({
        logicalId,
        functionName: functionName(logicalId),
        arn: lambdaArn(logicalId),
        codeDir: resolvePath(folder),
        handler: String(props.Handler ?? 'index.handler'),
        runtime: String(props.Runtime ?? 'nodejs22.x'),
        timeoutSeconds: Number(props.Timeout ?? 3),
        memorySize: Number(props.MemorySize ?? 128),
        environment,
      });
    }
  }
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const props = resource.Properties ?? {};
    const substitutions: Record<string, unknown> = {};
    for (const [k, v] of Object.entries((props.DefinitionSubstitutions ?? {}) as Record<string, unknown>)) {
      substitutions[k] = resolve(v);
    }
    let text: string;
    if (props.DefinitionString !== undefined) text = String(resolve(props.DefinitionString));
    else if (props.Definition !== undefined) text = JSON.stringify(resolve(props.Definition));
    else {
      throw new TemplateResolutionError(
        `state machine ${logicalId}: DefinitionS3Location is not supported locally; use DefinitionString`,
      );
    }
    // DefinitionSubstitutions replace ${name} tokens in the definition text.
    text = text.replace(/\$\{([^}]+)\}/g, (whole, name: string) =>
      name in substitutions ? String(substitutions[name]) : whole,
    );
    let definition: Record<string, unknown>;
    try {
      definition = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new TemplateResolutionError(
        `state machine ${logicalId}: definition is not JSON after resolution (${(err as Error).message})`,
      );
    }
    stateMachines.push({
      logicalId,
      name: stateMachineName(logicalId),
      arn: stateMachineArn(logicalId),
      definition,
      roleArn: props.RoleArn
        ? String(resolve(props.RoleArn))
        : `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/${logicalId}Role`,
      type: String(props.StateMachineType ?? 'STANDARD'),
    });
  }

  return { region, functions, stateMachines, resolve: (v) => resolve(v) };
}
