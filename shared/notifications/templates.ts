/**
 * The message templates, in Vietnamese and English, for every domain event of the workflow. Each says the
 * application reference, what happened, what is expected of the recipient (who may be the investor, a zone
 * manager, a zone board officer or an official) and by when: the statutory due date in Vietnam's time
 * (Asia/Ho_Chi_Minh) and the working days left, counted by `shared/calendar` as the workflow counts them.
 *
 * Pure: the event, the recipient and the locale in, the message out. A template reads the detail fields
 * it needs through `text()`/`list()` so a field missing from an older detail version renders as "—"
 * rather than throwing.
 */
import { CalendarRangeError, workingDaysLeft } from '#shared/calendar/statutory-clock.ts';
import type { DomainEvent, Locale, Message, Recipient } from './types.ts';

const VN_TIME_ZONE = 'Asia/Ho_Chi_Minh';

/** `23:59 15/03/2026` (vi) or `15 Mar 2026, 23:59` (en), in Vietnam's time, with the zone named. */
export function formatVietnamTime(instant: string, locale: Locale): string {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return instant;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: VN_TIME_ZONE,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  const time = `${parts.hour}:${parts.minute}`;
  if (locale === 'vi') return `${time} ngày ${parts.day}/${parts.month}/${parts.year} (giờ Việt Nam)`;
  const month = new Intl.DateTimeFormat('en-GB', { timeZone: VN_TIME_ZONE, month: 'short' }).format(date);
  return `${Number(parts.day)} ${month} ${parts.year}, ${time} (Vietnam time)`;
}

/** "còn 3 ngày làm việc" / "3 working days left"; the due day itself, and overdue, say so. */
export function formatDaysLeft(days: number, locale: Locale): string {
  if (locale === 'vi') {
    if (days > 0) return `còn ${days} ngày làm việc`;
    if (days === 0) return 'hạn chót là hôm nay';
    return `đã quá hạn ${-days} ngày làm việc`;
  }
  if (days > 0) return `${days} working day${days === 1 ? '' : 's'} left`;
  if (days === 0) return 'due today';
  return `overdue by ${-days} working day${days === -1 ? '' : 's'}`;
}

const ROLE_NAMES: Record<string, { vi: string; en: string }> = {
  'zone-board-officer': { vi: 'cán bộ Ban Quản lý khu kinh tế', en: 'zone management board officers' },
  'environment-officer': { vi: 'cán bộ thẩm định môi trường', en: 'environment reviewers' },
  'provincial-officer': { vi: 'cán bộ cấp tỉnh', en: 'provincial officers' },
  'zone-manager': { vi: 'đơn vị quản lý khu', en: 'the zone manager' },
  admin: { vi: 'quản trị viên', en: 'administrators' },
};

const CLEARANCE_NAMES: Record<string, { vi: string; en: string }> = {
  cleared: { vi: 'đã giải phóng xong mặt bằng', en: 'cleared' },
  compensation_in_progress: { vi: 'đang bồi thường, giải phóng mặt bằng', en: 'compensation in progress' },
  not_started: { vi: 'chưa bắt đầu giải phóng mặt bằng', en: 'clearance not started' },
  disputed: { vi: 'đang có tranh chấp', en: 'disputed' },
};

/** What a template gets: the event, who reads it, in which language, and the due-date phrases. */
export interface TemplateContext {
  event: DomainEvent;
  recipient: Recipient;
  locale: Locale;
  /** The application reference as shown to people. */
  ref: string;
  /** Picks the phrase of the context's locale. */
  t(vi: string, en: string): string;
  /** A detail field as it is. */
  detail(field: string): unknown;
  /** A detail field as text ("—" when absent). */
  text(field: string): string;
  /** A detail field that is a list, joined; reasons ({code, message}) by their message. */
  list(field: string): string;
  /** "before 23:59 15/03/2026 (Vietnam time), 3 working days left" for a due date field, or "". */
  by(dueAt: string | undefined): string;
  role(name: string): string;
  clearance(status: string): string;
  time(instant: string): string;
}

type Template = (c: TemplateContext) => Omit<Message, 'dueAt' | 'workingDaysLeft'>;

const NOTHING_YET = (c: TemplateContext) =>
  c.t(
    'Quý nhà đầu tư chưa cần làm gì thêm; hệ thống sẽ tiếp tục thông báo.',
    'Nothing is needed from you for now; you will be told what happens next.',
  );

/** Templates by event name (the EventBridge detail-type). Old names are kept for events still in queues. */
export const TEMPLATES: Record<string, Template> = {
  ApplicationSubmitted: (c) => ({
    title: c.t(`Đã tiếp nhận hồ sơ ${c.ref}`, `Application ${c.ref} received`),
    body: c.t(
      `Hồ sơ đăng ký đầu tư ${c.ref} cho dự án “${c.text('projectName')}” đã được tiếp nhận lúc ${c.time(c.text('at'))}.`,
      `Investment application ${c.ref} for the project “${c.text('projectName')}” was received at ${c.time(c.text('at'))}.`,
    ),
    action: NOTHING_YET(c),
  }),
  RouteDecided: (c) =>
    c.recipient.kind === 'investor'
      ? {
          title: c.t(`Đã xác định thủ tục cho hồ sơ ${c.ref}`, `Procedure decided for application ${c.ref}`),
          body: c.t(
            `Hồ sơ ${c.ref} sẽ qua các bước thẩm định: ${c.list('stages')} (bộ quy tắc ${c.text('ruleSetId')}).`,
            `Application ${c.ref} will go through these approval stages: ${c.list('stages')} (rule set ${c.text('ruleSetId')}).`,
          ),
          action: NOTHING_YET(c),
        }
      : {
          title: c.t(
            `Hồ sơ ${c.ref} cần xem xét ở cấp tỉnh`,
            `Application ${c.ref} needs a provincial review`,
          ),
          body: c.t(
            `Thủ tục của hồ sơ ${c.ref} (bộ quy tắc ${c.text('ruleSetId')}) cần ý kiến xem xét của cấp tỉnh.`,
            `The procedure of application ${c.ref} (rule set ${c.text('ruleSetId')}) needs a provincial review.`,
          ),
          action: c.t(
            'Theo dõi hộp công việc: nhiệm vụ thẩm định sẽ được giao kèm thời hạn.',
            'Watch your inbox: the review task will arrive with its due date.',
          ),
        },
  SitesMatched: (c) => ({
    title: c.t(`Đã tìm được mặt bằng cho hồ sơ ${c.ref}`, `Sites found for application ${c.ref}`),
    body: c.t(
      `Có ${c.text('totalEligible')} lô đất đáp ứng yêu cầu; các lô phù hợp nhất: ${c.list('candidates')}.`,
      `${c.text('totalEligible')} plots meet the request; the best fits: ${c.list('candidates')}.`,
    ),
    action: NOTHING_YET(c),
  }),
  NoSiteFound: (c) =>
    c.recipient.kind === 'investor'
      ? {
          title: c.t(
            `Chưa tìm được mặt bằng cho hồ sơ ${c.ref}`,
            `No site found yet for application ${c.ref}`,
          ),
          body: c.t(
            `Chưa có lô đất nào đáp ứng yêu cầu của hồ sơ ${c.ref} (lần tìm thứ ${c.text('attempt')}). ${c.text('summary')}`,
            `No plot meets the request of application ${c.ref} yet (attempt ${c.text('attempt')}). ${c.text('summary')}`,
          ),
          action: c.t(
            'Hệ thống sẽ tìm lại khi có lô đất mới; Quý nhà đầu tư có thể rút hồ sơ hoặc điều chỉnh yêu cầu.',
            'The search runs again when plots free up; you may withdraw or change your request.',
          ),
        }
      : {
          title: c.t(
            `Hồ sơ ${c.ref} không tìm được lô đất trong khu`,
            `Application ${c.ref} found no plot in your zone`,
          ),
          body: c.t(
            `Không có lô đất nào trong khu ${c.recipient.scope ?? ''} đáp ứng yêu cầu của hồ sơ ${c.ref} (lần tìm thứ ${c.text('attempt')}).`,
            `No plot in zone ${c.recipient.scope ?? ''} meets the request of application ${c.ref} (attempt ${c.text('attempt')}).`,
          ),
          action: c.t(
            'Xem xét khả năng bổ sung quỹ đất hoặc liên hệ nhà đầu tư.',
            'Consider whether land can be made available, or contact the investor.',
          ),
        },
  PlotHeld: (c) =>
    c.recipient.kind === 'investor'
      ? {
          title: c.t(
            `Lô ${c.text('plotId')} đang được giữ cho hồ sơ ${c.ref}`,
            `Plot ${c.text('plotId')} held for application ${c.ref}`,
          ),
          body: c.t(
            `Lô đất ${c.text('plotId')} tại khu ${c.text('zoneId')} được giữ cho hồ sơ ${c.ref} trong khi kiểm tra giải phóng mặt bằng, quy hoạch và hạ tầng.`,
            `Plot ${c.text('plotId')} in zone ${c.text('zoneId')} is held for application ${c.ref} while land clearance, planning and utilities are checked.`,
          ),
          action: NOTHING_YET(c),
        }
      : {
          title: c.t(
            `Lô ${c.text('plotId')} được giữ cho hồ sơ ${c.ref}`,
            `Plot ${c.text('plotId')} held by application ${c.ref}`,
          ),
          body: c.t(
            `Lô đất ${c.text('plotId')} của khu ${c.text('zoneId')} đang được giữ cho hồ sơ ${c.ref}.`,
            `Plot ${c.text('plotId')} of zone ${c.text('zoneId')} is held for application ${c.ref}.`,
          ),
          action: c.t(
            'Cập nhật tình trạng giải phóng mặt bằng của lô nếu có thay đổi.',
            'Update the plot’s land-clearance status if it has changed.',
          ),
        },
  SiteBlocked: (c) => {
    const next = c.text('next');
    const outcome =
      next === 'next-candidate'
        ? c.t(
            'Hồ sơ chuyển sang lô đất phù hợp tiếp theo.',
            'The application moves on to the next candidate plot.',
          )
        : next === 'wait-for-clearance'
          ? c.t('Hồ sơ chờ hoàn thành giải phóng mặt bằng.', 'The application waits for the land clearance.')
          : c.t('Không còn lô đất phù hợp nào khác.', 'No other candidate plot is left.');
    return {
      title: c.t(
        `Lô ${c.text('plotId')} chưa đáp ứng điều kiện cho hồ sơ ${c.ref}`,
        `Plot ${c.text('plotId')} cannot be used yet for application ${c.ref}`,
      ),
      body: `${c.t('Lý do', 'Why')}: ${c.list('blockers')}. ${outcome}`,
      action:
        c.recipient.kind === 'investor'
          ? NOTHING_YET(c)
          : c.t(
              'Khắc phục các vướng mắc trên và cập nhật tình trạng lô đất khi có tiến triển.',
              'Resolve the blockers above and update the plot’s status as things move.',
            ),
    };
  },
  ClearanceBlocked: (c) => {
    const expected = c.text('expectedDate');
    const state = `${c.clearance(c.text('clearance'))}${expected !== '—' ? c.t(`, dự kiến xong ngày ${expected}`, `, expected by ${expected}`) : ''}`;
    return c.recipient.kind === 'investor'
      ? {
          title: c.t(
            `Hồ sơ ${c.ref} chờ giải phóng mặt bằng`,
            `Application ${c.ref} waits for land clearance`,
          ),
          body: c.t(
            `Lô đất ${c.text('plotId')} của hồ sơ ${c.ref} chưa sẵn sàng: ${state}.`,
            `Plot ${c.text('plotId')} of application ${c.ref} is not ready: ${state}.`,
          ),
          action: c.t(
            'Quý nhà đầu tư chưa cần làm gì; hệ thống sẽ báo khi mặt bằng sẵn sàng.',
            'Nothing is needed from you; you will be told when the land is ready.',
          ),
        }
      : {
          title: c.t(
            `Hồ sơ ${c.ref} đang chờ giải phóng mặt bằng lô ${c.text('plotId')}`,
            `Application ${c.ref} waits for the clearance of plot ${c.text('plotId')}`,
          ),
          body: c.t(`Tình trạng hiện tại: ${state}.`, `Current status: ${state}.`),
          action: c.t(
            'Cập nhật tình trạng giải phóng mặt bằng của lô ngay khi có thay đổi để hồ sơ được xử lý tiếp.',
            'Update the plot’s clearance status as soon as it changes so the application can go on.',
          ),
        };
  },
  ClearanceUpdated: (c) => ({
    title: c.t(
      `Đã cập nhật giải phóng mặt bằng lô ${c.text('plotId')} (hồ sơ ${c.ref})`,
      `Land clearance of plot ${c.text('plotId')} updated (application ${c.ref})`,
    ),
    body: c.t(
      `Tình trạng mới: ${c.clearance(c.text('clearance'))}.${c.detail('woken') === true ? ` Hồ sơ ${c.ref} được xử lý tiếp.` : ''}`,
      `New status: ${c.clearance(c.text('clearance'))}.${c.detail('woken') === true ? ` Application ${c.ref} goes on.` : ''}`,
    ),
    ...(c.recipient.kind === 'investor' ? { action: NOTHING_YET(c) } : {}),
  }),
  TaskCreated: (c) =>
    c.recipient.kind === 'investor'
      ? {
          title: c.t(`Hồ sơ ${c.ref} đang được thẩm định`, `Application ${c.ref} is under review`),
          body: c.t(
            `Bước ${c.text('stageId')} của hồ sơ ${c.ref} đã được giao cho ${c.role(c.text('role'))}; thời hạn giải quyết theo quy định: ${c.by(c.text('dueAt'))}.`,
            `Stage ${c.text('stageId')} of application ${c.ref} is with ${c.role(c.text('role'))}; the statutory time limit ends ${c.by(c.text('dueAt'))}.`,
          ),
          action: NOTHING_YET(c),
        }
      : {
          title: c.t(`Nhiệm vụ mới: thẩm định hồ sơ ${c.ref}`, `New task: review application ${c.ref}`),
          body: c.t(
            `Bước ${c.text('stageId')} của hồ sơ ${c.ref} được giao cho ${c.role(c.text('role'))} (${c.text('scope')}). Căn cứ pháp lý: ${c.text('legalBasis')}.`,
            `Stage ${c.text('stageId')} of application ${c.ref} is assigned to ${c.role(c.text('role'))} (${c.text('scope')}). Legal basis: ${c.text('legalBasis')}.`,
          ),
          action: c.t(
            `Xem xét và quyết định (chấp thuận, từ chối hoặc yêu cầu bổ sung) trước ${c.by(c.text('dueAt'))}.`,
            `Review and decide (approve, reject or request information) before ${c.by(c.text('dueAt'))}.`,
          ),
        },
  TaskDueSoon: (c) => ({
    title: c.t(`Sắp đến hạn: hồ sơ ${c.ref}`, `Due soon: application ${c.ref}`),
    body: c.t(
      `Nhiệm vụ ${c.text('taskId')} của hồ sơ ${c.ref} sắp đến hạn giải quyết.`,
      `Task ${c.text('taskId')} of application ${c.ref} is nearly due.`,
    ),
    action: c.t(`Quyết định trước ${c.by(c.text('dueAt'))}.`, `Decide before ${c.by(c.text('dueAt'))}.`),
  }),
  TaskOverdue: (c) =>
    c.recipient.role === c.detail('to')
      ? {
          title: c.t(
            `Quá hạn: hồ sơ ${c.ref} được chuyển lên quý vị`,
            `Overdue: application ${c.ref} escalated to you`,
          ),
          body: c.t(
            `Nhiệm vụ ${c.text('taskId')} của ${c.role(c.text('from'))} đã quá hạn (${c.by(c.text('dueAt'))}) và được chuyển cho ${c.role(c.text('to'))}.`,
            `Task ${c.text('taskId')} of ${c.role(c.text('from'))} passed its due date (${c.by(c.text('dueAt'))}) and moved to ${c.role(c.text('to'))}.`,
          ),
          action: c.t('Xử lý nhiệm vụ ngay.', 'Deal with the task now.'),
        }
      : {
          title: c.t(
            `Quá hạn: nhiệm vụ của hồ sơ ${c.ref} đã được chuyển lên cấp trên`,
            `Overdue: the task of application ${c.ref} was escalated`,
          ),
          body: c.t(
            `Nhiệm vụ ${c.text('taskId')} đã quá hạn (${c.by(c.text('dueAt'))}) và được chuyển cho ${c.role(c.text('to'))}.`,
            `Task ${c.text('taskId')} passed its due date (${c.by(c.text('dueAt'))}) and moved to ${c.role(c.text('to'))}.`,
          ),
          action: c.t(
            'Phối hợp với cấp trên để hoàn thành nhiệm vụ.',
            'Help your supervisor close the task.',
          ),
        },
  DecisionMade: (c) => {
    const approved = c.detail('outcome') === 'approved';
    const reasons = c.list('reasons');
    return {
      title: approved
        ? c.t(
            `Bước ${c.text('stageId')} của hồ sơ ${c.ref} được chấp thuận`,
            `Stage ${c.text('stageId')} of application ${c.ref} approved`,
          )
        : c.t(
            `Hồ sơ ${c.ref} bị từ chối ở bước ${c.text('stageId')}`,
            `Application ${c.ref} rejected at stage ${c.text('stageId')}`,
          ),
      body:
        c.t(
          `Quyết định của ${c.text('decidedBy')} lúc ${c.time(c.text('at'))}.`,
          `Decided by ${c.text('decidedBy')} at ${c.time(c.text('at'))}.`,
        ) + (reasons !== '—' ? ` ${c.t('Lý do', 'Reasons')}: ${reasons}.` : ''),
      ...(c.recipient.kind === 'investor' && approved ? { action: NOTHING_YET(c) } : {}),
    };
  },
  InformationRequested: (c) => ({
    title: c.t(
      `Yêu cầu bổ sung thông tin cho hồ sơ ${c.ref}`,
      `Information requested for application ${c.ref}`,
    ),
    body: `${c.t('Câu hỏi', 'Questions')}: ${c.list('questions')}`,
    action: c.t(
      'Vui lòng trả lời các câu hỏi trên; thời hạn giải quyết tạm dừng cho đến khi nhận được câu trả lời.',
      'Please answer the questions above; the statutory clock is paused until your answer arrives.',
    ),
  }),
  InformationProvided: (c) => ({
    title: c.t(
      `Nhà đầu tư đã bổ sung thông tin cho hồ sơ ${c.ref}`,
      `The investor answered for application ${c.ref}`,
    ),
    body: c.t(
      `Nhiệm vụ ${c.text('taskId')} tiếp tục; thời hạn đã được lùi theo thời gian tạm dừng.`,
      `Task ${c.text('taskId')} resumes; its due date moved by the paused time.`,
    ),
    action: c.t(
      `Tiếp tục thẩm định và quyết định trước ${c.by(c.text('dueAt'))}.`,
      `Resume the review and decide before ${c.by(c.text('dueAt'))}.`,
    ),
  }),
  ApplicationApproved: (c) => ({
    title: c.t(`Hồ sơ ${c.ref} đã được chấp thuận`, `Application ${c.ref} approved`),
    body: c.t(
      `Hồ sơ ${c.ref} đã qua ${c.text('stages')} bước thẩm định.`,
      `Application ${c.ref} passed all ${c.text('stages')} approval stages.`,
    ),
    action:
      c.recipient.kind === 'investor'
        ? c.t('Chờ thông báo giao đất.', 'Wait for the plot allocation notice.')
        : c.t('Chuẩn bị giao đất cho nhà đầu tư.', 'Prepare the plot for allocation.'),
  }),
  ApplicationRejected: (c) => ({
    title: c.t(`Hồ sơ ${c.ref} bị từ chối`, `Application ${c.ref} rejected`),
    body: `${c.t('Lý do', 'Reasons')}: ${c.text('reasons')}`,
    action:
      c.recipient.kind === 'investor'
        ? c.t(
            'Quý nhà đầu tư có thể nộp hồ sơ mới sau khi khắc phục các lý do trên.',
            'You may file a new application once the reasons above are addressed.',
          )
        : c.t('Lô đất đã giữ (nếu có) được trả lại.', 'The held plot, if any, is released.'),
  }),
  ApplicationWithdrawn: (c) => ({
    title: c.t(`Hồ sơ ${c.ref} đã được rút`, `Application ${c.ref} withdrawn`),
    body: `${c.t('Lý do', 'Reason')}: ${c.text('reason')}`,
    ...(c.recipient.kind === 'investor'
      ? {}
      : { action: c.t('Lô đất đã giữ (nếu có) được trả lại.', 'The held plot, if any, is released.') }),
  }),
  ApplicationFailed: (c) => ({
    title: c.t(`Hồ sơ ${c.ref} gặp lỗi xử lý`, `Application ${c.ref} could not be processed`),
    body: c.t(`Lỗi: ${c.text('error')}.`, `Error: ${c.text('error')}.`),
    action: c.t(
      'Cán bộ phụ trách sẽ kiểm tra và liên hệ; lô đất đã giữ (nếu có) được trả lại.',
      'An officer will look into it and get in touch; the held plot, if any, is released.',
    ),
  }),
  PlotAllocated: (c) =>
    c.recipient.kind === 'investor'
      ? {
          title: c.t(
            `Đã giao lô ${c.text('plotId')} cho hồ sơ ${c.ref}`,
            `Plot ${c.text('plotId')} allocated to application ${c.ref}`,
          ),
          body: c.t(
            `Lô đất ${c.text('plotId')} tại khu ${c.text('zoneId')} đã được giao. Số tham chiếu giấy chứng nhận: ${c.text('certificateReference')}.`,
            `Plot ${c.text('plotId')} in zone ${c.text('zoneId')} is allocated. Certificate reference: ${c.text('certificateReference')}.`,
          ),
          action: c.t(
            `Liên hệ đơn vị quản lý khu ${c.text('zoneId')} để nhận bàn giao mặt bằng.`,
            `Contact the manager of zone ${c.text('zoneId')} for the handover of the land.`,
          ),
        }
      : {
          title: c.t(
            `Lô ${c.text('plotId')} đã được giao cho hồ sơ ${c.ref}`,
            `Plot ${c.text('plotId')} allocated to application ${c.ref}`,
          ),
          body: c.t(
            `Số tham chiếu giấy chứng nhận: ${c.text('certificateReference')}.`,
            `Certificate reference: ${c.text('certificateReference')}.`,
          ),
          action: c.t(
            'Chuẩn bị bàn giao mặt bằng cho nhà đầu tư.',
            'Prepare the handover of the land to the investor.',
          ),
        },
  PlotReleased: (c) => ({
    title: c.t(
      `Lô ${c.text('plotId')} không còn được giữ cho hồ sơ ${c.ref}`,
      `Plot ${c.text('plotId')} released by application ${c.ref}`,
    ),
    body: `${c.t('Lý do', 'Why')}: ${c.text('why')}`,
    ...(c.recipient.kind === 'investor'
      ? {}
      : {
          action: c.t(
            'Lô đất có thể được giữ cho hồ sơ khác.',
            'The plot can be held for other applications.',
          ),
        }),
  }),
};
// The names these events had before their detail schemas were versioned (messages may still be queued).
TEMPLATES.NoSiteAvailable = TEMPLATES.NoSiteFound as Template;
TEMPLATES.TaskDecided = TEMPLATES.DecisionMade as Template;

/** Unknown event names: the notifier refuses them (the message ends in the dead-letter queue). */
export class UnknownEventError extends Error {
  override readonly name = 'UnknownEventError';
}

function field(detail: Record<string, unknown>, name: string): unknown {
  return detail[name];
}

function asText(value: unknown): string {
  if (value === undefined || value === null || value === '') return '—';
  return String(value);
}

/** Renders the message of `event` for `recipient` in the recipient's language. */
export function renderMessage(event: DomainEvent, recipient: Recipient): Message {
  const template = TEMPLATES[event.name];
  if (!template) throw new UnknownEventError(`no template for event ${event.name}`);
  const locale = recipient.locale;
  const t = (vi: string, en: string) => (locale === 'vi' ? vi : en);
  const d = event.detail;
  const found: { dueAt?: string; left?: number } = {};
  const by = (due: string | undefined): string => {
    if (!due || due === '—') return '—';
    found.dueAt = due;
    let phrase = formatVietnamTime(due, locale);
    try {
      found.left = workingDaysLeft(d.at, due);
      phrase += `, ${formatDaysLeft(found.left, locale)}`;
    } catch (error) {
      if (!(error instanceof CalendarRangeError || error instanceof RangeError)) throw error;
    }
    return phrase;
  };
  const ctx: TemplateContext = {
    event,
    recipient,
    locale,
    ref: d.applicationId,
    t,
    detail: (name) => field(d, name),
    text: (name) => asText(field(d, name)),
    list: (name) => {
      const value = field(d, name);
      if (!Array.isArray(value) || value.length === 0) return '—';
      return value
        .map((v) =>
          typeof v === 'object' && v !== null && 'message' in v
            ? String((v as { message: unknown }).message)
            : String(v),
        )
        .join('; ');
    },
    by,
    role: (name) => ROLE_NAMES[name]?.[locale] ?? name,
    clearance: (status) => CLEARANCE_NAMES[status]?.[locale] ?? status,
    time: (instant) => formatVietnamTime(instant, locale),
  };
  const message: Message = { ...template(ctx) };
  if (found.dueAt) message.dueAt = found.dueAt;
  if (found.left !== undefined) message.workingDaysLeft = found.left;
  return message;
}
