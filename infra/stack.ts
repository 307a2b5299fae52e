import { Duration, Lazy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { loadCatalog } from '../shared/catalog/index.ts';
import * as inApp from '../shared/http/notifications.ts';
import * as officials from '../shared/http/officials.ts';
import * as routes from '../shared/http/routes.ts';
import { addApplicationRoutes } from './constructs/application-routes.ts';
import { WebConsole } from './constructs/console.ts';
import { DataTable } from './constructs/data-table.ts';
import { WorkflowEventBus } from './constructs/event-bus.ts';
import { HouseFunction } from './constructs/house-function.ts';
import { HttpApiConstruct } from './constructs/http-api.ts';
import { CONSOLE_SCOPES, Identity } from './constructs/identity.ts';
import { Notifications } from './constructs/notifications.ts';
import { OnboardingWorkflow } from './constructs/onboarding-workflow.ts';

/** The whole product: one stack, the single definition the local cloud also runs. */
export class OnboardingStack extends Stack {
  readonly data: DataTable;
  readonly matchSites: HouseFunction;
  readonly identity: Identity;
  readonly api: HttpApiConstruct;
  readonly console: WebConsole;
  readonly events: WorkflowEventBus;
  readonly workflow: OnboardingWorkflow;
  readonly notifications: Notifications;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.data = new DataTable(this, 'Data');
    this.matchSites = new HouseFunction(this, 'MatchSites', {
      entry: 'functions/match-sites.ts',
      description:
        'Ranks the plots that fit an investor enquiry, with the reasons for each rank and exclusion',
      timeout: Duration.seconds(15),
    }).bindTable(this.data.table, 'read');
    // The app client allows only the console's address, which exists once the console does; the console
    // needs the API's URL, and the API the client. Lazy breaks that order in code only: in the template the
    // client needs the distribution, and the distribution needs neither the client nor the API's authorizer.
    this.identity = new Identity(this, 'Identity', {
      consoleUrl: Lazy.string({ produce: () => this.console.url }),
    });
    this.api = new HttpApiConstruct(this, 'Api', { identity: this.identity, table: this.data.table });
    this.console = new WebConsole(this, 'Console', {
      apiUrl: this.api.url,
      signIn: {
        domainUrl: this.identity.domain.baseUrl(),
        clientId: this.identity.client.userPoolClientId,
        scopes: CONSOLE_SCOPES,
      },
      // Made below (the notifications need the event bus); the console's config.json names it.
      notificationsStreamUrl: Lazy.string({
        produce: () => {
          if (!this.notifications.streamUrl) throw new Error('the notifications construct has no stream URL');
          return this.notifications.streamUrl.url;
        },
      }),
    });
    this.api.addRoute(routes.listZones, { entry: 'functions/http/list-zones.ts', table: 'read' });
    this.api.addRoute(routes.getZone, { entry: 'functions/http/get-zone.ts', table: 'read' });
    this.api.addRoute(routes.getStats, { entry: 'functions/http/get-stats.ts', table: 'read' });
    this.api.addRoute(routes.getOpenApi, { entry: 'functions/http/get-openapi.ts' });
    this.api.addRoute(routes.listTasks, { entry: 'functions/http/list-tasks.ts', table: 'read' });
    this.api.addRoute(inApp.listNotifications, { entry: 'functions/notifications/list.ts', table: 'read' });
    this.api.addRoute(inApp.markNotificationRead, {
      entry: 'functions/notifications/mark-read.ts',
      table: 'write',
    });
    this.events = new WorkflowEventBus(this, 'Events');
    this.workflow = new OnboardingWorkflow(this, 'Workflow', {
      table: this.data.table,
      eventBus: this.events.bus,
    });
    this.notifications = new Notifications(this, 'Notifications', {
      bus: this.events.bus,
      table: this.data.table,
      zoneIds: loadCatalog().zones.map((z) => z.id),
      // The stream's function URL verifies this pool's tokens; the pre-token trigger writes the directory.
      identity: this.identity,
    });
    addApplicationRoutes(this.api, {
      table: this.data.table,
      stateMachine: this.workflow.stateMachine,
      eventBus: this.events.bus,
    });
    const tokens = { table: 'write', answersTokens: true, eventBus: this.events.bus } as const;
    this.api.addRoute(officials.getTask, { entry: 'functions/http/tasks/get-task.ts', table: 'read' });
    this.api.addRoute(officials.decideTask, { entry: 'functions/http/tasks/decide-task.ts', ...tokens });
    this.api.addRoute(officials.reassignTask, {
      entry: 'functions/http/tasks/reassign-task.ts',
      table: 'write',
    });
    this.api.addRoute(officials.listZonePlots, {
      entry: 'functions/http/zones/list-zone-plots.ts',
      table: 'read',
    });
    this.api.addRoute(officials.updatePlotClearance, {
      entry: 'functions/http/zones/update-plot-clearance.ts',
      ...tokens,
    });
    this.api.addRoute(officials.listZoneHolds, {
      entry: 'functions/http/zones/list-zone-holds.ts',
      table: 'read',
    });
  }
}
