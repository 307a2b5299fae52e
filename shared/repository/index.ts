/**
 * The DynamoDB repository: one object over the single table, with the client injected so unit tests
 * pass an aws-sdk-client-mock'ed client and integration tests a DynamoDB Local one, through the same code.
 *
 *   const repo = new Repository(new DynamoDBClient({}), requireEnv('TABLE_NAME'));
 *   await repo.holdPlot('dpm-a-001', applicationId);
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Catalog, Clearance, PlotStatus } from '#shared/catalog/schema.ts';
import { readApplicationPartition } from './application-partition.ts';
import * as applications from './applications.ts';
import * as catalog from './catalog.ts';
import * as holds from './holds.ts';
import { createContext, type Page, type RepositoryOptions, type TableContext } from './table.ts';
import * as tasks from './tasks.ts';
import * as timeline from './timeline.ts';
import { Waits } from './waits.ts';

export type { ApplicationRecord, NewApplication } from './applications.ts';
export type { CatalogMeta, CatalogSnapshot, Occupancy, PlotRecord, ZoneRecord } from './catalog.ts';
export * from './errors.ts';
export type { Allocation, Hold, HoldOptions } from './holds.ts';
export { INDEX, keys } from './keys.ts';
export type { Page, RepositoryOptions } from './table.ts';
export type { NewTask, TaskRecord } from './tasks.ts';
export type { TimelineEvent, TimelineEventInput } from './timeline.ts';
export * from './waits.ts';

export class Repository {
  private readonly ctx: TableContext;

  constructor(
    client: DynamoDBDocumentClient | DynamoDBClient,
    tableName: string,
    options: RepositoryOptions = {},
  ) {
    this.ctx = createContext(client, tableName, options);
  }

  get tableName(): string {
    return this.ctx.tableName;
  }

  /** Task-token waits (approval tasks with their tokens, clearance waits): server-side only. */
  get waits(): Waits {
    return new Waits(this.ctx);
  }

  // Catalog

  /** Idempotent: static fields from the catalog, live plot state (status, clearance, holds) kept. */
  seedCatalog(data: Pick<Catalog, 'version' | 'zones' | 'plots'>, options?: { concurrency?: number }) {
    return catalog.seedCatalog(this.ctx, data, options);
  }
  getCatalogMeta() {
    return catalog.getCatalogMeta(this.ctx);
  }
  getZone(zoneId: string) {
    return catalog.getZone(this.ctx, zoneId);
  }
  listZones() {
    return catalog.listZones(this.ctx);
  }
  /** Every zone and plot with live state in ceil(catalog bytes / 1 MB) queries (matching reads this). */
  listCatalog() {
    return catalog.listCatalog(this.ctx);
  }
  getPlot(plotId: string, options?: { consistent?: boolean }) {
    return catalog.getPlot(this.ctx, plotId, options);
  }
  /** A plot (consistent read) and a zone in one BatchGetItem. */
  getPlotAndZone(plotId: string, zoneId: string) {
    return catalog.getPlotAndZone(this.ctx, plotId, zoneId);
  }
  /** Several plots in one BatchGetItem per 100 ids; ids that name no plot are absent from the map. */
  getPlots(plotIds: readonly string[]) {
    return catalog.getPlots(this.ctx, plotIds);
  }
  listPlots(zoneId: string, status?: PlotStatus) {
    return catalog.listPlots(this.ctx, zoneId, status);
  }
  zoneOccupancy(zoneId: string) {
    return catalog.zoneOccupancy(this.ctx, zoneId);
  }
  updatePlotClearance(plotId: string, clearance: Clearance) {
    return catalog.updatePlotClearance(this.ctx, plotId, clearance);
  }

  // Applications

  createApplication(input: applications.NewApplication) {
    return applications.createApplication(this.ctx, input);
  }
  getApplication(applicationId: string) {
    return applications.getApplication(this.ctx, applicationId);
  }
  updateApplication(applicationId: string, expectedVersion: number, changes: Record<string, unknown>) {
    return applications.updateApplication(this.ctx, applicationId, expectedVersion, changes);
  }
  /** The status change guarded in the write itself (see applications.setApplicationStatus). */
  setApplicationStatus(
    applicationId: string,
    status: string,
    changes: Record<string, unknown>,
    unlessStatus: readonly string[],
  ) {
    return applications.setApplicationStatus(this.ctx, applicationId, status, changes, unlessStatus);
  }
  listApplicationsByInvestor(
    investorId: string,
    options?: { limit?: number; cursor?: string },
  ): Promise<Page<applications.ApplicationRecord>> {
    return applications.listApplicationsByInvestor(this.ctx, investorId, options);
  }

  // Timeline

  appendTimelineEvent(applicationId: string, event: timeline.TimelineEventInput) {
    return timeline.appendTimelineEvent(this.ctx, applicationId, event);
  }
  listTimeline(applicationId: string, options?: { limit?: number; cursor?: string }) {
    return timeline.listTimeline(this.ctx, applicationId, options);
  }
  /** The newest event of one kind (e.g. the last `plot.held`), reading the timeline newest first. */
  latestTimelineEvent(applicationId: string, what: string) {
    return timeline.latestTimelineEvent(this.ctx, applicationId, what);
  }
  /**
   * The application, its approval tasks and its newest event of kind `what` in one Query on its
   * partition (what `getApplication`, `waits.listApprovalTasks` and `latestTimelineEvent` read).
   */
  readApplicationPartition(applicationId: string, what: string) {
    return readApplicationPartition(this.ctx, applicationId, what);
  }

  // Plot holds

  holdPlot(plotId: string, applicationId: string, options?: holds.HoldOptions) {
    return holds.holdPlot(this.ctx, plotId, applicationId, options);
  }
  releasePlot(plotId: string, applicationId: string) {
    return holds.releasePlot(this.ctx, plotId, applicationId);
  }
  allocatePlot(
    plotId: string,
    applicationId: string,
    options?: Pick<holds.HoldOptions, 'requestToken' | 'at'>,
  ) {
    return holds.allocatePlot(this.ctx, plotId, applicationId, options);
  }

  // Approval tasks and inboxes

  createTask(task: tasks.NewTask) {
    return tasks.createTask(this.ctx, task);
  }
  getTask(applicationId: string, taskId: string) {
    return tasks.getTask(this.ctx, applicationId, taskId);
  }
  setTaskStatus(
    applicationId: string,
    taskId: string,
    expectedStatus: string,
    status: string,
    changes?: Record<string, unknown>,
  ) {
    return tasks.setTaskStatus(this.ctx, applicationId, taskId, expectedStatus, status, changes);
  }
  listInbox(
    inbox: { role: string; scope: string; status: string },
    options?: { limit?: number; cursor?: string },
  ) {
    return tasks.listInbox(this.ctx, inbox, options);
  }
}
