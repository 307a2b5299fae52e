/**
 * The application's progress as steps a person can follow: received, site matching, plot held, site
 * checks, one step per approval stage of its procedure route (with the stage's legal basis), allocated.
 * Each step is done, current, waiting (on capacity, on clearance, on an official's routing review, or on
 * the investor's answer), pending, or where the application stopped (rejected, withdrawn, failed).
 */
import type { ApplicationStatus } from '#shared/workflow/status.ts';

export type StepState =
  | 'done'
  | 'current'
  | 'waiting'
  | 'waiting-investor'
  | 'pending'
  | 'stopped'
  | 'skipped';

export type FixedStep = 'submitted' | 'matching' | 'site' | 'checks' | 'allocated';

export interface StageInfo {
  id: string;
  title?: { vi: string; en: string };
  /** "Law 143/2025/QH15, Art. 24(3)" */
  legalBasis?: string;
  /** Stages of the same order run in parallel. */
  order?: number;
}

export interface ProgressInput {
  status: ApplicationStatus | string;
  /** The route's approval stages, in order (empty until the route is decided). */
  stages: readonly StageInfo[];
  /** Stages an official has approved. */
  approvedStageIds?: readonly string[];
  /** The stage that rejected the application, if one did. */
  rejectedStageId?: string;
  /** Whether a plot has been held for the application (now or before it stopped). */
  plotHeld?: boolean;
}

export interface Step {
  key: FixedStep | `stage:${string}`;
  state: StepState;
  stage?: StageInfo;
}

const WAITING: Partial<Record<string, FixedStep>> = {
  'waiting-for-capacity': 'matching',
  'routing-review': 'site',
  'waiting-for-clearance': 'checks',
};
const AT: Partial<Record<string, FixedStep>> = {
  submitted: 'submitted',
  matching: 'matching',
  holding: 'site',
  'checking-clearance': 'checks',
};

/** The steps, in order, with their states. */
export function progressSteps(input: ProgressInput): Step[] {
  const approved = new Set(input.approvedStageIds ?? []);
  const keys: Step['key'][] = [
    'submitted',
    'matching',
    'site',
    'checks',
    ...input.stages.map((s) => `stage:${s.id}` as const),
    'allocated',
  ];
  const stageOf = new Map(input.stages.map((s) => [`stage:${s.id}`, s]));
  const index = (key: Step['key']) => keys.indexOf(key);
  const firstOpenStage = input.stages.find((s) => !approved.has(s.id));
  const openStages = input.stages.filter(
    (s) => !approved.has(s.id) && (s.order ?? 0) === (firstOpenStage?.order ?? 0),
  );
  const approvalKeys: Step['key'][] = openStages.length
    ? openStages.map((s) => `stage:${s.id}` as const)
    : ['allocated'];

  // Where the application is (or stopped), and in which state.
  let at: Step['key'][];
  let state: StepState;
  const s = input.status;
  if (s === 'allocated') {
    return keys.map((key) => withStage({ key, state: 'done' }, stageOf));
  } else if (AT[s]) {
    at = [AT[s] as FixedStep];
    state = 'current';
  } else if (WAITING[s]) {
    at = [WAITING[s] as FixedStep];
    state = 'waiting';
  } else if (s === 'in-approval' || s === 'information-requested') {
    at = approvalKeys;
    state = s === 'information-requested' ? 'waiting-investor' : 'current';
  } else {
    // Terminal without allocation: the step it stopped at.
    state = 'stopped';
    if (input.rejectedStageId && stageOf.has(`stage:${input.rejectedStageId}`)) {
      at = [`stage:${input.rejectedStageId}`];
    } else if (input.stages.length > 0 && approved.size > 0) {
      at = approvalKeys;
    } else if (input.stages.length > 0) {
      at = input.plotHeld ? [openStages[0] ? `stage:${openStages[0].id}` : 'checks'] : ['site'];
    } else if (input.plotHeld) {
      at = ['site'];
    } else {
      at = [s === 'rejected' ? 'site' : 'matching'];
    }
  }
  const atIndex = Math.min(...at.map(index).filter((i) => i >= 0));
  const here = new Set(at);
  // A stage is behind the application only if an earlier order than every stage it is at.
  const atOrders = at.flatMap((k) => (stageOf.get(k) ? [stageOf.get(k)?.order ?? 0] : []));
  const atOrder = atOrders.length ? Math.min(...atOrders) : Number.POSITIVE_INFINITY;
  return keys.map((key) => {
    const i = index(key);
    const stage = stageOf.get(key);
    let st: StepState;
    if (here.has(key)) st = state;
    else if (stage && approved.has(stage.id)) st = 'done';
    else if (stage && (stage.order ?? 0) >= atOrder) st = state === 'stopped' ? 'skipped' : 'pending';
    else if (i < atIndex) st = 'done';
    else st = state === 'stopped' ? 'skipped' : 'pending';
    return withStage({ key, state: st }, stageOf);
  });
}

function withStage(step: Step, stageOf: Map<string, StageInfo>): Step {
  const stage = stageOf.get(step.key);
  return stage ? { ...step, stage } : step;
}

const FIXED_LABELS: Record<FixedStep, { vi: string; en: string }> = {
  submitted: { vi: 'Đã nhận hồ sơ', en: 'Application received' },
  matching: { vi: 'Tìm địa điểm phù hợp', en: 'Site matching' },
  site: { vi: 'Giữ lô đất và xác định thủ tục', en: 'Plot held, procedure chosen' },
  checks: { vi: 'Kiểm tra địa điểm và giải phóng mặt bằng', en: 'Site and land-clearance checks' },
  allocated: { vi: 'Giao đất', en: 'Plot allocated' },
};

const STATE_LABELS: Record<StepState, { vi: string; en: string }> = {
  done: { vi: 'hoàn thành', en: 'done' },
  current: { vi: 'đang xử lý', en: 'in progress' },
  waiting: { vi: 'đang chờ', en: 'waiting' },
  'waiting-investor': { vi: 'chờ nhà đầu tư trả lời', en: 'waiting for your answer' },
  pending: { vi: 'chưa bắt đầu', en: 'not started' },
  stopped: { vi: 'dừng tại đây', en: 'stopped here' },
  skipped: { vi: 'không thực hiện', en: 'not reached' },
};

/** A step's title in the reader's language. */
export function stepTitle(step: Step, lang: 'vi' | 'en'): string {
  if (step.stage) return step.stage.title?.[lang] ?? step.stage.id;
  return FIXED_LABELS[step.key as FixedStep][lang];
}

/** A step state's words (the view also marks it with a symbol, never colour alone). */
export function stateLabel(state: StepState, lang: 'vi' | 'en'): string {
  return STATE_LABELS[state][lang];
}

/** The symbol shown beside a state (read out through its label, hidden from screen readers). */
export const STATE_SYMBOLS: Record<StepState, string> = {
  done: '✓',
  current: '●',
  waiting: '⏸',
  'waiting-investor': '?',
  pending: '○',
  stopped: '✕',
  skipped: '–',
};
