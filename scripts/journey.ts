/**
 * The end-to-end journey over HTTP, defined once: `test/e2e/journey.test.ts` runs it against the local
 * cloud in a test (the engine on a TestClock), `npm run demo` (scripts/demo.ts) against a running stack.
 *
 * Each journey is an investor applying with an enquiry (`POST /applications`), then the officials acting on
 * every approval stage as it opens (`POST /tasks/{id}/decision`, signed in as a demo user of the stage's role
 * and scope), the investor answering or withdrawing where the journey says so, until the application is in
 * a terminal status; every timeline event is printed as it appears, and the journey checks that the
 * investor's timeline shows each step.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { EnquiryInput } from '#shared/enquiry/schema.ts';
import type { RoutingOptions } from '#shared/workflow/input.ts';

export interface ApiReply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: JSON as the API answers it; each caller reads what it needs
  body: any;
}

/** Checks a reply against the API's contract (tests validate it against /openapi.json). */
export type ReplyCheck = (method: string, route: string, reply: ApiReply) => void;

interface DemoUser {
  username: string;
  password: string;
  role: string;
  scope: string[];
}

export interface ApiClientOptions {
  /**
   * Times a call is repeated when the gateway itself answers 500 `{"message":"Internal Server Error"}` (the
   * route's Lambda failed before answering: on a freshly started local cloud, a cold function that timed
   * out). The journey's calls are safe to repeat: reads, POST /applications with its idempotency key,
   * decisions and answers (a repeat of one that went through is 409), withdrawals (twice is harmless).
   */
  retries?: number;
  /** Told about each repeat. */
  onRetry?: (line: string) => void;
}

/** The gateway's own answer when the route's Lambda failed (a handler's errors are problem+json). */
const isGatewayFailure = (reply: ApiReply) =>
  reply.status === 500 && reply.body?.message === 'Internal Server Error' && reply.body?.status === undefined;

/** A small client of the API: signs demo users in through `POST /auth/token` and keeps their tokens. */
export class ApiClient {
  private readonly tokens = new Map<string, string>();
  /** Token subject -> demo username, so the timeline's actors read as people. */
  private readonly names = new Map<string, string>();
  private users: DemoUser[] | undefined;

  constructor(
    readonly baseUrl: string,
    private readonly check?: ReplyCheck,
    private readonly options: ApiClientOptions = {},
  ) {}

  /** The demo username whose token has subject `actor`, else `actor` as it is. */
  nameOf(actor: string): string {
    return this.names.get(actor) ?? actor;
  }

  async demoUsers(): Promise<DemoUser[]> {
    if (!this.users) {
      const res = await fetch(`${this.baseUrl}/auth/demo-users`);
      if (res.status !== 200) throw new Error(`GET /auth/demo-users answered ${res.status}`);
      this.users = ((await res.json()) as { users: DemoUser[] }).users;
    }
    return this.users;
  }

  /** The demo user of `role` whose scope has `scope` (else the first of that role, else an admin). */
  async userFor(role: string, scope?: string): Promise<string> {
    const users = await this.demoUsers();
    const fit =
      users.find((u) => u.role === role && (scope === undefined || u.scope.includes(scope))) ??
      users.find((u) => u.role === 'admin');
    if (!fit) throw new Error(`no demo user for ${role}${scope ? ` in ${scope}` : ''}`);
    return fit.username;
  }

  async token(username: string): Promise<string> {
    const known = this.tokens.get(username);
    if (known) return known;
    const user = (await this.demoUsers()).find((u) => u.username === username);
    if (!user) throw new Error(`no demo user ${username}`);
    const res = await fetch(`${this.baseUrl}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: user.password }),
    });
    if (res.status !== 200) throw new Error(`sign-in of ${username}: ${res.status} ${await res.text()}`);
    const token = ((await res.json()) as { accessToken: string }).accessToken;
    this.tokens.set(username, token);
    // The subject only labels log lines; the token was verified by whoever issued it.
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8') || '{}');
    if (typeof claims.sub === 'string') this.names.set(claims.sub, username);
    return token;
  }

  /**
   * `method path` as `username` (undefined: no token); `route` is the contract's path (`/applications/{id}`)
   * the reply is checked against.
   */
  async call(
    username: string | undefined,
    method: string,
    path: string,
    options: { route?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<ApiReply> {
    const headers: Record<string, string> = { ...options.headers };
    if (username) headers.authorization = `Bearer ${await this.token(username)}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const retries = this.options.retries ?? 0;
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      });
      const text = await res.text();
      const reply: ApiReply = {
        status: res.status,
        headers: res.headers,
        body: text ? JSON.parse(text) : undefined,
      };
      if (attempt < retries && isGatewayFailure(reply)) {
        this.options.onRetry?.(
          `(${method} ${path.split('?')[0]}: the gateway answered 500, its Lambda failed, probably a cold start that timed out; again)`,
        );
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      this.check?.(method, options.route ?? path.split('?')[0] ?? path, reply);
      return reply;
    }
  }

  /** Like `call`, but anything other than `expected` is an error naming the problem the API answered. */
  async expect(
    expected: number,
    username: string | undefined,
    method: string,
    path: string,
    options: { route?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<ApiReply> {
    const reply = await this.call(username, method, path, options);
    if (reply.status !== expected) {
      throw new Error(
        `${method} ${path}: expected ${expected}, got ${reply.status} ${JSON.stringify(reply.body)}`,
      );
    }
    return reply;
  }
}

const fixture = (name: string): EnquiryInput =>
  JSON.parse(readFileSync(new URL(`../test/fixtures/enquiries/${name}.json`, import.meta.url), 'utf8'));

/**
 * A garment factory in a KCN: domestic as filed, at 0.5 ha (the fixture's 2.5 ha fits only 5 plots of the Lào
 * Cai catalog, one of them still in compensation, so a few journeys in a row waited for capacity or clearance).
 */
export const domesticEnquiry = (): EnquiryInput => ({
  ...fixture('valid-garments-domestic'),
  landAreaHa: 0.5,
});
/** The same project by a Korean company registered abroad: a foreign investor needs the IRC stage. */
export const foreignEnquiry = (): EnquiryInput => ({
  ...domesticEnquiry(),
  investor: fixture('valid-copper-refinery-foreign').investor,
  capital: { vnd: 180_000_000_000, usd: 7_000_000 },
});

/** What the officials and the investor do while the application is in approval. */
export type Plan = 'approve' | 'reject' | 'information-loop' | 'withdraw';

export interface Journey {
  name: string;
  investor: string;
  enquiry: () => EnquiryInput;
  routing?: RoutingOptions;
  plan: Plan;
  /** The terminal status the journey ends in. */
  ends: 'allocated' | 'rejected' | 'withdrawn';
  /** Timeline event types the investor must see. */
  timeline: string[];
}

const MAIN_LINE = ['application.submitted', 'plot.held', 'route.decided', 'site.checked'];

/** Every route the workflow knows that a journey walks, with what the investor sees. */
export const JOURNEYS: readonly Journey[] = [
  {
    name: 'domestic investor, KCN sublease: no approval stage, allocated after the checks',
    investor: 'investor-an',
    enquiry: domesticEnquiry,
    plan: 'approve',
    ends: 'allocated',
    timeline: [...MAIN_LINE, 'plot.allocated'],
  },
  {
    name: 'foreign investor in a KCN: the investment registration certificate, then allocation',
    investor: 'investor-binh',
    enquiry: foreignEnquiry,
    plan: 'approve',
    ends: 'allocated',
    timeline: [...MAIN_LINE, 'approval.task-created', 'plot.allocated'],
  },
  {
    name: 'state lease: investment policy approval with its sub-steps, then the certificate',
    investor: 'investor-an',
    enquiry: foreignEnquiry,
    routing: { landRoute: 'state-lease' },
    plan: 'approve',
    ends: 'allocated',
    timeline: [...MAIN_LINE, 'approval.task-created', 'plot.allocated'],
  },
  {
    name: 'information loop: an official asks, the investor answers, the stage resumes and is approved',
    investor: 'investor-binh',
    enquiry: foreignEnquiry,
    plan: 'information-loop',
    ends: 'allocated',
    timeline: [
      ...MAIN_LINE,
      'approval.information-requested',
      'approval.information-provided',
      'plot.allocated',
    ],
  },
  {
    name: 'rejection: the official rejects with a reason, the plot is released',
    investor: 'investor-an',
    enquiry: foreignEnquiry,
    plan: 'reject',
    ends: 'rejected',
    timeline: [...MAIN_LINE, 'approval.task-created'],
  },
  {
    name: 'withdrawal during approval: the investor withdraws, the plot is released',
    investor: 'investor-binh',
    enquiry: foreignEnquiry,
    plan: 'withdraw',
    ends: 'withdrawn',
    timeline: [...MAIN_LINE, 'approval.task-created', 'application.withdrawal-requested'],
  },
];

export interface JourneyOptions {
  api: ApiClient;
  log: (line: string) => void;
  /** Polls of the application's state before giving up (bounded). */
  attempts?: number;
  /** Pause between polls, milliseconds. */
  pollMs?: number;
}

export interface JourneyOutcome {
  applicationId: string;
  status: string;
  timeline: { type: string; actor: string; at: string; legalBasis: string | null; dueAt: string | null }[];
  /** Stage ids acted on, in order, with what was done. */
  actions: string[];
}

const TERMINAL = new Set(['allocated', 'rejected', 'withdrawn', 'failed']);

/** Runs one journey to its terminal status, printing each step as it happens. */
export async function runJourney(journey: Journey, options: JourneyOptions): Promise<JourneyOutcome> {
  const { api, log } = options;
  const attempts = options.attempts ?? 1_200;
  const pollMs = options.pollMs ?? 100;
  const key = randomUUID();
  const body = { ...journey.enquiry(), ...(journey.routing ? { routing: journey.routing } : {}) };
  const created = await api.expect(202, journey.investor, 'POST', '/applications', {
    body,
    headers: { 'idempotency-key': key },
  });
  const id: string = created.body.id;
  log(
    `${journey.investor} applied: POST /applications -> 202 ${id} (Location ${created.headers.get('location')})`,
  );
  const self = `/applications/${id}`;
  const seen = new Set<string>();
  const actions: string[] = [];
  const asked = new Set<string>();
  let lastStatus = '';
  for (let i = 0; i < attempts; i++) {
    // The application first, then its timeline: every step that led to the state acted on below is printed
    // before the action.
    const app = (await api.expect(200, journey.investor, 'GET', self, { route: '/applications/{id}' })).body;
    const timeline = await api.expect(200, journey.investor, 'GET', `${self}/timeline?limit=500`, {
      route: '/applications/{id}/timeline',
    });
    for (const e of timeline.body.items as (JourneyOutcome['timeline'][number] & { eventId?: string })[]) {
      const eventKey = `${e.eventId}${e.at}`;
      if (seen.has(eventKey)) continue;
      seen.add(eventKey);
      const extra = [e.legalBasis ? `basis: ${e.legalBasis}` : '', e.dueAt ? `due ${e.dueAt}` : '']
        .filter(Boolean)
        .join('; ');
      log(`  timeline: ${e.type} by ${api.nameOf(e.actor)}${extra ? ` (${extra})` : ''}`);
    }
    if (app.status !== lastStatus) {
      lastStatus = app.status;
      log(`  status: ${app.status}, ${app.stage}${app.nextDueAt ? `, next due ${app.nextDueAt}` : ''}`);
    }
    if (TERMINAL.has(app.status)) {
      const final = await api.expect(200, journey.investor, 'GET', `${self}/timeline?limit=500`, {
        route: '/applications/{id}/timeline',
      });
      const items = final.body.items as JourneyOutcome['timeline'];
      checkTimeline(journey, items);
      return { applicationId: id, status: app.status, timeline: items, actions };
    }
    for (const stage of app.currentStages as {
      taskId: string;
      stageId: string;
      role: string;
      scope: string;
      status: string;
      legalBasis: string;
    }[]) {
      if (stage.status === 'information-requested') {
        if (journey.plan === 'information-loop' && !actions.includes(`answered:${stage.stageId}`)) {
          const answered = await api.call(journey.investor, 'POST', `${self}/responses`, {
            route: '/applications/{id}/responses',
            body: {
              taskId: stage.taskId,
              answer: 'The wastewater plan and the 2027 capacity figures are attached.',
            },
          });
          // 409: answered already (a repeat of an answer that went through): read again.
          if (answered.status === 409) continue;
          if (answered.status !== 200) {
            throw new Error(`answer on ${stage.taskId}: ${answered.status} ${JSON.stringify(answered.body)}`);
          }
          actions.push(`answered:${stage.stageId}`);
          log(
            `  ${journey.investor} answered the request on ${stage.stageId}: POST ${self}/responses -> 200`,
          );
        }
        continue;
      }
      if (stage.status !== 'open') continue;
      if (journey.plan === 'withdraw') {
        await api.expect(200, journey.investor, 'POST', `${self}/withdraw`, {
          route: '/applications/{id}/withdraw',
          body: { reason: 'The board chose another province for this project.' },
        });
        actions.push(`withdrew:${stage.stageId}`);
        log(`  ${journey.investor} withdrew during ${stage.stageId}: POST ${self}/withdraw -> 200`);
        break;
      }
      const official = await api.userFor(stage.role, stage.scope);
      let decision: Record<string, string> = { decision: 'approve', legalBasis: stage.legalBasis };
      if (journey.plan === 'reject') {
        decision = {
          decision: 'reject',
          reason: 'The project’s wastewater exceeds what the zone can treat.',
        };
      } else if (journey.plan === 'information-loop' && !asked.has(stage.stageId)) {
        decision = { decision: 'request-information', reason: 'Please send the wastewater treatment plan.' };
        asked.add(stage.stageId);
      }
      const decided = await api.call(
        official,
        'POST',
        `/tasks/${encodeURIComponent(stage.taskId)}/decision`,
        {
          route: '/tasks/{id}/decision',
          body: decision,
        },
      );
      // 409: the task was decided meanwhile (by this loop's previous pass, or it moved on): read again.
      if (decided.status !== 200 && decided.status !== 409) {
        throw new Error(`decision on ${stage.taskId}: ${decided.status} ${JSON.stringify(decided.body)}`);
      }
      if (decided.status === 200) {
        actions.push(`${decision.decision}:${stage.stageId}`);
        // userFor falls back to the admin when no demo user has this role in this scope.
        const acting = official === 'admin' ? `admin, no demo ${stage.role} in ${stage.scope}` : stage.role;
        log(
          `  ${official} (${acting}) decided ${decision.decision} on ${stage.stageId}: POST /tasks/{id}/decision -> 200`,
        );
      }
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  throw new Error(
    `${journey.name}: application ${id} did not finish after ${attempts} polls (last ${lastStatus})`,
  );
}

/**
 * Every event type the journey expects is on the timeline; throws naming the missing ones. Presence, not
 * order: events the API writes carry the API's clock, those of the workflow the engine's (a TestClock in
 * tests), so their relative order is not the order of the journey there.
 */
export function checkTimeline(journey: Journey, items: { type: string }[]): void {
  const types = new Set(items.map((e) => e.type));
  const missing = journey.timeline.filter((t) => !types.has(t));
  if (missing.length > 0) {
    throw new Error(
      `${journey.name}: the timeline lacks ${missing.join(', ')} (has ${items.map((e) => e.type).join(', ')})`,
    );
  }
}
