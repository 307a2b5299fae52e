/**
 * The local EventBridge: the event-pattern matcher (`pattern.ts`), the rules and delivery log
 * (`store.ts`), the AWSEvents API (`service.ts`), and the template's rules (`template.ts`).
 */
export {
  type CompiledPattern,
  checkPattern,
  compilePattern,
  flattenEvent,
  InvalidEventPatternError,
  matchesEvent,
  matchesFlat,
} from './pattern.ts';
export { EventsApiError, type EventsOutbox, EventsService, type EventsServiceOptions } from './service.ts';
export {
  type DeliveryRecord,
  DynamoEventsStore,
  type EventsStore,
  eventsTableNames,
  MemoryEventsStore,
  type RuleRecord,
  type TargetRecord,
} from './store.ts';
export { createTemplateRules, type TemplateRule } from './template.ts';
