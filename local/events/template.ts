/**
 * The template's `AWS::Events::Rule`s, created (or updated) in the local EventBridge at start, as the
 * engine does for state machines. A rule without a Name gets its logical ID; a target whose ARN the local
 * cloud cannot resolve yet (a resource type it does not run) keeps `unresolved:<logicalId>` so it is
 * visible rather than dropped.
 */
import { readFileSync } from 'node:fs';
import type { CfnTemplate, ResolvedTemplate } from '../template/template.ts';
import type { EventsService } from './service.ts';
import type { TargetRecord } from './store.ts';

export interface TemplateRule {
  logicalId: string;
  name: string;
  bus: string;
  arn: string;
}

function refOf(value: unknown): string {
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    const getAtt = v['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return String(getAtt[0]);
    if (typeof v.Ref === 'string') return v.Ref;
  }
  return JSON.stringify(value);
}

/** Creates every rule of the template; returns what was created, by logical ID. */
export async function createTemplateRules(
  events: EventsService,
  templatePath: string,
  resolved: Pick<ResolvedTemplate, 'resolve'>,
): Promise<TemplateRule[]> {
  const template = JSON.parse(readFileSync(templatePath, 'utf8')) as CfnTemplate;
  const created: TemplateRule[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Events::Rule') continue;
    const props = resource.Properties ?? {};
    const name = typeof props.Name === 'string' ? props.Name : logicalId;
    const bus = events.busOf(
      props.EventBusName === undefined ? undefined : resolved.resolve(props.EventBusName),
    );
    const pattern = props.EventPattern === undefined ? undefined : resolved.resolve(props.EventPattern);
    const { RuleArn } = await events.putRule({
      Name: name,
      EventBusName: bus,
      ...(pattern !== undefined
        ? { EventPattern: typeof pattern === 'string' ? pattern : JSON.stringify(pattern) }
        : {}),
      ...(props.ScheduleExpression !== undefined
        ? { ScheduleExpression: resolved.resolve(props.ScheduleExpression) }
        : {}),
      ...(props.State !== undefined ? { State: props.State } : {}),
      ...(typeof props.Description === 'string' ? { Description: props.Description } : {}),
    });
    const targets: TargetRecord[] = [];
    for (const target of (props.Targets ?? []) as Record<string, unknown>[]) {
      let arn: string;
      try {
        arn = String(resolved.resolve(target.Arn));
      } catch {
        arn = `unresolved:${refOf(target.Arn)}`;
      }
      const rest: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(target)) {
        if (k === 'Arn') continue;
        try {
          rest[k] = resolved.resolve(v);
        } catch {
          rest[k] = v;
        }
      }
      targets.push({ ...rest, Id: String(target.Id), Arn: arn });
    }
    await events.setTargets(bus, name, targets);
    created.push({ logicalId, name, bus, arn: RuleArn });
  }
  return created;
}
