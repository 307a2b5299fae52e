/** Words for timeline event types and a few shared bits of the investor and official pages. */
import type { Translate } from '../../i18n/index.ts';
import type { Lang } from '../../views/due.ts';

const EVENT_LABELS: Record<string, { vi: string; en: string }> = {
  'application.submitted': { vi: 'Đã nộp hồ sơ', en: 'Application submitted' },
  'application.withdrawal-requested': { vi: 'Nhà đầu tư rút hồ sơ', en: 'Withdrawal requested' },
  'application.withdrawn': { vi: 'Hồ sơ đã rút', en: 'Application withdrawn' },
  'application.rejected': { vi: 'Hồ sơ bị từ chối', en: 'Application rejected' },
  'application.failed': { vi: 'Hồ sơ không thể hoàn tất', en: 'Application could not finish' },
  'sites.matched': { vi: 'Đã tìm được địa điểm', en: 'Sites matched' },
  'sites.none': { vi: 'Chưa có lô đất phù hợp', en: 'No plot fits yet' },
  'plot.held': { vi: 'Đã giữ lô đất', en: 'Plot held' },
  'plot.released': { vi: 'Đã trả lô đất', en: 'Plot released' },
  'plot.allocated': { vi: 'Đã giao đất', en: 'Plot allocated' },
  'route.decided': { vi: 'Đã xác định trình tự thủ tục', en: 'Procedure route decided' },
  'route.review-needed': { vi: 'Cần xem xét trình tự thủ tục', en: 'Procedure route needs review' },
  'site.checked': { vi: 'Đã kiểm tra địa điểm', en: 'Site checked' },
  'site.blocked.next-candidate': {
    vi: 'Địa điểm không đạt, thử lô khác',
    en: 'Site blocked, next plot tried',
  },
  'site.blocked.waiting-for-clearance': {
    vi: 'Chờ giải phóng mặt bằng',
    en: 'Waiting for land clearance',
  },
  'clearance.waiting': { vi: 'Chờ giải phóng mặt bằng', en: 'Waiting for land clearance' },
  'clearance.updated': { vi: 'Cập nhật giải phóng mặt bằng', en: 'Land clearance updated' },
  'approval.task-created': { vi: 'Bắt đầu bước thẩm định', en: 'Approval stage started' },
  'approval.approved': { vi: 'Đã phê duyệt', en: 'Approved' },
  'approval.rejected': { vi: 'Đã từ chối', en: 'Rejected' },
  'approval.information-requested': { vi: 'Yêu cầu bổ sung thông tin', en: 'Information requested' },
  'approval.information-provided': { vi: 'Nhà đầu tư đã bổ sung thông tin', en: 'Information provided' },
  'approval.reminder': { vi: 'Nhắc hạn', en: 'Reminder sent' },
  'approval.overdue': { vi: 'Quá hạn, chuyển cấp trên', en: 'Overdue, escalated' },
  'approval.expired': { vi: 'Hết thời hạn', en: 'Expired' },
  'approval.reassigned': { vi: 'Chuyển người xử lý', en: 'Reassigned' },
};

/** An event type's words; an unknown type is shown as it is. */
export function eventLabel(type: string, lang: Lang): string {
  return EVENT_LABELS[type]?.[lang] ?? type;
}

/** The language a shell translator speaks (page titles and nav labels receive only `t`). */
export function langOf(t: Translate): Lang {
  return t('nav.signIn') === 'Sign in' ? 'en' : 'vi';
}
