import { type ApiProblem, api } from '../hub.js';
import { messages } from '../i18n.js';

/**
 * What the tickets view's parts share: the API's shapes (domains/tickets/ticket-types.ts, hub/api/ticket-routes.ts),
 * every label in both languages, and small helpers.
 */

import {
  FINISHED_STATES,
  TICKET_ACTIONS,
  TICKET_KINDS,
  TICKET_STATES,
  type TicketAction,
  type TicketEventView,
  type TicketKind,
  type TicketPhotoView,
  type TicketState,
  type TicketView,
  type TrendSnapshot,
} from '../../../domains/tickets/ticket-types.js';

/** The API's shapes are the hub's own (domains/tickets/ticket-types.ts). */
export const STATES = TICKET_STATES;
export const ACTIONS = TICKET_ACTIONS;
export const KINDS = TICKET_KINDS;
export const FINISHED = FINISHED_STATES;
export type { TicketAction, TicketKind, TicketState, TrendSnapshot };
export type Ticket = TicketView;
export type TicketEvent = TicketEventView;
export type TicketPhoto = TicketPhotoView;

export interface AlertSnapshot {
  id?: number;
  ruleId?: string;
  assetId?: string;
  pointId?: string | null;
  severity?: string;
  message?: string;
  value?: unknown;
  raisedAt?: number | null;
  clearedAt?: number | null;
}

export interface TicketDetail {
  ticket: Ticket;
  actions: TicketAction[];
  events: TicketEvent[];
  photos: TicketPhoto[];
  evidence: {
    alert: AlertSnapshot | null;
    trend: TrendSnapshot | null;
    trendError: string | null;
    capturedAt: number | null;
  } | null;
}

export interface Asset {
  id: string;
  name: string;
  kind: string;
  zone: string;
}

let assets: Promise<Map<string, Asset>> | undefined;
/** The site's assets by id, fetched once (a failure is tried again next time). */
export function loadAssets(): Promise<Map<string, Asset>> {
  assets ??= api<Asset[]>('/assets').then(
    (list) => new Map(list.map((a) => [a.id, a])),
    (err) => {
      assets = undefined;
      throw err;
    },
  );
  return assets;
}

/** The problem's detail and, for a 400, which fields were wrong. */
export function problemLines(err: unknown): string {
  const e = err as ApiProblem;
  const base = e?.problem?.detail ?? e?.problem?.title ?? e?.message ?? String(err);
  const fields = e?.problem?.errors?.map((x) => `${x.path}: ${x.message}`) ?? [];
  return [base, ...fields.filter((f) => !base.includes(f))].join(' · ');
}

export const t = messages({
  en: {
    title: 'Maintenance tickets',
    report: 'Report a fault',
    board: 'Board',
    list: 'List',
    layout: 'Layout',
    mine: 'Mine only',
    show: 'Show',
    showOpen: 'Open',
    showAll: 'All, with finished',
    kind: 'Kind',
    anyKind: 'Any kind',
    none: 'No tickets',
    more: 'Showing the newest {n}; narrow the filters to see others.',
    count: '{n} tickets',
    countOne: '1 ticket',
    time: 'Time',
    back: 'All tickets',
    id: 'No.',
    what: 'Ticket',
    state: 'State',
    priority: 'Priority',
    asset: 'Asset',
    location: 'Location',
    requester: 'Reported by',
    department: 'Department',
    assignee: 'Technician',
    team: 'Team',
    updated: 'Updated',
    created: 'Reported',
    eta: 'Arrival by',
    respondDue: 'Response due',
    resolveDue: 'Resolution due',
    breached: 'late',
    overdue: 'overdue',
    source: 'Source',
    occurrences: 'Alert raised {n} times',
    linked: 'Follows ticket #{id}',
    reopenedTimes: 'Reopened {n}×',
    description: 'Description',
    resolution: 'Resolution',
    rating: 'Rating',
    checklist: 'Checklist',
    actions: 'What you can do',
    noActions: 'Nothing for you to do on this ticket now.',
    evidence: 'Evidence',
    alert: 'Alert',
    severity: 'Severity',
    value: 'Value',
    raised: 'Raised',
    cleared: 'Cleared',
    active: 'still active',
    trend: 'Trend before the alert',
    trendPending: 'The trend is being captured…',
    trendNone: 'No trend: {why}',
    trendEmpty: 'No readings in this period.',
    photos: 'Photos',
    noPhotos: 'No photos yet.',
    addPhoto: 'Add a photo',
    uploading: 'Uploading…',
    timeline: 'Timeline',
    note: 'Note',
    addNote: 'Add note',
    notePlaceholder: 'What you found, what you did, what is needed…',
    comment: 'Comment',
    commentOptional: 'Comment (optional)',
    optional: 'optional',
    reason: 'Reason',
    submit: 'Confirm',
    cancelForm: 'Back',
    suggested: 'Suggested',
    otherPerson: 'Someone else…',
    username: 'Username',
    noTechnician: '— team only —',
    noTeam: '— no team —',
    inHand: '{n} in hand',
    etaMinutes: 'Arrival in (minutes)',
    ok: 'OK',
    notOk: 'Not OK',
    choose: '— choose —',
    itemNote: 'Note',
    stars: '{n} of 5',
    loading: 'Loading…',
    notFound: 'Ticket #{id} was not found.',
    // report form
    reportTitle: 'Report a fault',
    reportHint: 'Say what is wrong and where; a photo helps the technician.',
    mayNotReport: 'Your account may not report faults; ask an administrator for the requester role.',
    pickAsset: 'Equipment',
    noAsset: '— not on the list —',
    locationHint: 'Where exactly (room, floor, door…)',
    locationNeeded: 'Name the equipment, or say where the fault is.',
    summary: 'What is wrong (short)',
    summaryPlaceholder: 'e.g. Air handler noisy',
    details: 'Details',
    detailsPlaceholder: 'What you saw or heard, since when…',
    photo: 'Photo',
    takePhoto: 'Take or choose a photo',
    removePhoto: 'Remove photo',
    send: 'Send report',
    sending: 'Sending…',
    reportedNoPhoto: 'Ticket #{id} was reported, but the photo was not added: {why}',
    openTicket: 'Open ticket #{id}',
    p1: 'Urgent',
    p2: 'High',
    p3: 'Normal',
    p4: 'Low',
    // states
    's.submitted': 'Awaiting approval',
    's.approved': 'To dispatch',
    's.rejected': 'Rejected',
    's.dispatched': 'Dispatched',
    's.accepted': 'Accepted',
    's.in-progress': 'In progress',
    's.resolved': 'Resolved',
    's.closed': 'Closed',
    's.cancelled': 'Cancelled',
    's.reopened': 'Reopened',
    // actions
    'a.approve': 'Approve',
    'a.reject': 'Reject',
    'a.dispatch': 'Dispatch',
    'a.accept': 'Accept',
    'a.decline': 'Decline',
    'a.start': 'Start work',
    'a.resolve': 'Resolve',
    'a.rate': 'Rate',
    'a.close': 'Close',
    'a.reopen': 'Reopen',
    'a.cancel': 'Cancel ticket',
    // what each action's form says
    'h.approve': 'Approve this request so the service desk can dispatch it.',
    'h.reject': 'Reject this request; the reporter is told why.',
    'h.dispatch': 'Send it to a technician or a team (or reassign it).',
    'h.accept': 'Take this job and say when you will be there.',
    'h.decline': 'Give it back to the service desk, with the reason.',
    'h.start': 'You are on site and start the work.',
    'h.resolve': 'Describe what was done. The reporter is asked to rate it.',
    'h.rate': 'How well was the fault fixed?',
    'h.close': 'Close it without a rating.',
    'h.reopen': 'The fault is not fixed: say what is still wrong.',
    'h.cancel': 'Withdraw the ticket; nobody works on it any more.',
    // kinds and sources
    'k.fault': 'Fault',
    'k.preventive': 'Preventive',
    'k.inspection': 'Inspection',
    'src.person': 'Reported by a person',
    'src.alert': 'Raised by an alert',
    'src.plan': 'Maintenance plan',
    // timeline events
    'e.submit': 'reported',
    'e.approve': 'approved',
    'e.reject': 'rejected',
    'e.dispatch': 'dispatched',
    'e.accept': 'accepted',
    'e.decline': 'declined',
    'e.start': 'started work',
    'e.resolve': 'resolved',
    'e.rate': 'rated',
    'e.close': 'closed',
    'e.reopen': 'reopened',
    'e.cancel': 'cancelled',
    'e.note': 'note',
    'e.photo': 'added a photo',
    'e.priority': 'changed the priority',
    'e.escalate': 'escalated (target missed)',
    'e.occurrence': 'the alert was raised again',
    'e.alert-cleared': 'the alert cleared',
    'e.plan-due': 'due again',
    system: 'the hub',
    stageReport: 'report',
    stageWork: 'work',
    stageResolution: 'resolution',
  },
  'zh-CN': {
    title: '维修工单',
    report: '报修',
    board: '看板',
    list: '列表',
    layout: '显示方式',
    mine: '只看我的',
    show: '范围',
    showOpen: '未完成',
    showAll: '全部（含已完成）',
    kind: '类型',
    anyKind: '全部类型',
    none: '暂无工单',
    more: '仅显示最新的 {n} 单，请缩小筛选范围查看其他工单。',
    count: '共 {n} 单',
    countOne: '共 1 单',
    time: '时间',
    back: '全部工单',
    id: '单号',
    what: '工单',
    state: '状态',
    priority: '优先级',
    asset: '设备',
    location: '位置',
    requester: '报修人',
    department: '部门',
    assignee: '维修人员',
    team: '班组',
    updated: '更新时间',
    created: '报修时间',
    eta: '预计到场',
    respondDue: '响应时限',
    resolveDue: '修复时限',
    breached: '已超时',
    overdue: '已逾期',
    source: '来源',
    occurrences: '报警已触发 {n} 次',
    linked: '延续工单 #{id}',
    reopenedTimes: '已重开 {n} 次',
    description: '故障描述',
    resolution: '处理结果',
    rating: '评价',
    checklist: '检查项',
    actions: '可执行操作',
    noActions: '您目前无需处理此工单。',
    evidence: '报警证据',
    alert: '报警',
    severity: '级别',
    value: '数值',
    raised: '触发时间',
    cleared: '恢复时间',
    active: '仍在报警',
    trend: '报警前趋势',
    trendPending: '正在采集趋势数据…',
    trendNone: '无趋势数据：{why}',
    trendEmpty: '该时段没有读数。',
    photos: '照片',
    noPhotos: '暂无照片。',
    addPhoto: '添加照片',
    uploading: '上传中…',
    timeline: '处理记录',
    note: '备注',
    addNote: '添加备注',
    notePlaceholder: '现场情况、处理过程、所需配件…',
    comment: '说明',
    commentOptional: '说明（选填）',
    optional: '选填',
    reason: '原因',
    submit: '确定',
    cancelForm: '返回',
    suggested: '推荐',
    otherPerson: '其他人…',
    username: '用户名',
    noTechnician: '— 仅指派班组 —',
    noTeam: '— 不指定班组 —',
    inHand: '在手 {n} 单',
    etaMinutes: '预计多少分钟到场',
    ok: '正常',
    notOk: '异常',
    choose: '— 请选择 —',
    itemNote: '备注',
    stars: '{n} 星',
    loading: '加载中…',
    notFound: '未找到工单 #{id}。',
    reportTitle: '报修',
    reportHint: '请说明故障情况和位置，附上照片便于维修人员判断。',
    mayNotReport: '您的账号没有报修权限，请联系管理员开通“报修人”角色。',
    pickAsset: '设备',
    noAsset: '— 列表中没有 —',
    locationHint: '具体位置（房间、楼层、门号…）',
    locationNeeded: '请选择设备，或填写故障位置。',
    summary: '故障简述',
    summaryPlaceholder: '例如：空调机组噪音大',
    details: '详细描述',
    detailsPlaceholder: '看到或听到的情况，从什么时候开始…',
    photo: '照片',
    takePhoto: '拍照或选择照片',
    removePhoto: '移除照片',
    send: '提交报修',
    sending: '提交中…',
    reportedNoPhoto: '工单 #{id} 已提交，但照片未能上传：{why}',
    openTicket: '查看工单 #{id}',
    p1: '紧急',
    p2: '高',
    p3: '普通',
    p4: '低',
    's.submitted': '待审批',
    's.approved': '待派工',
    's.rejected': '已驳回',
    's.dispatched': '已派工',
    's.accepted': '已接单',
    's.in-progress': '维修中',
    's.resolved': '已解决',
    's.closed': '已关闭',
    's.cancelled': '已撤销',
    's.reopened': '已重开',
    'a.approve': '批准',
    'a.reject': '驳回',
    'a.dispatch': '派工',
    'a.accept': '接单',
    'a.decline': '退单',
    'a.start': '开始维修',
    'a.resolve': '完工',
    'a.rate': '评价',
    'a.close': '关闭',
    'a.reopen': '重开',
    'a.cancel': '撤销工单',
    'h.approve': '批准此报修，服务台即可派工。',
    'h.reject': '驳回此报修，并告知报修人原因。',
    'h.dispatch': '派给维修人员或班组（也可改派）。',
    'h.accept': '接下此单，并告知预计到场时间。',
    'h.decline': '退回服务台，请说明原因。',
    'h.start': '已到现场，开始维修。',
    'h.resolve': '填写处理结果，报修人将收到评价邀请。',
    'h.rate': '这次维修您满意吗？',
    'h.close': '不经评价直接关闭。',
    'h.reopen': '故障未修好：请说明仍存在的问题。',
    'h.cancel': '撤销此工单，不再处理。',
    'k.fault': '故障报修',
    'k.preventive': '预防性维护',
    'k.inspection': '巡检',
    'src.person': '人工报修',
    'src.alert': '报警自动生成',
    'src.plan': '维护计划',
    'e.submit': '提交报修',
    'e.approve': '批准',
    'e.reject': '驳回',
    'e.dispatch': '派工',
    'e.accept': '接单',
    'e.decline': '退单',
    'e.start': '开始维修',
    'e.resolve': '完工',
    'e.rate': '评价',
    'e.close': '关闭',
    'e.reopen': '重开',
    'e.cancel': '撤销',
    'e.note': '备注',
    'e.photo': '上传照片',
    'e.priority': '调整优先级',
    'e.escalate': '超时升级',
    'e.occurrence': '报警再次触发',
    'e.alert-cleared': '报警已恢复',
    'e.plan-due': '计划再次到期',
    system: '系统',
    stageReport: '报修',
    stageWork: '维修',
    stageResolution: '完工',
  },
});

type Key = Parameters<typeof t>[0];
export const stateText = (s: string) => t(`s.${s}` as Key);
export const actionText = (a: string) => t(`a.${a}` as Key);
export const actionHint = (a: string) => t(`h.${a}` as Key);
export const kindText = (k: string) => t(`k.${k}` as Key);
export const sourceText = (s: string) => t(`src.${s}` as Key);
export const priorityText = (p: number) => t(`p${Math.min(4, Math.max(1, p))}` as Key);
export const stageText = (s: string) =>
  s === 'report' ? t('stageReport') : s === 'work' ? t('stageWork') : t('stageResolution');
export function eventText(e: string): string {
  const text = t(`e.${e}` as Key);
  return text === `e.${e}` ? e : text;
}
export const who = (username: string) => (username === 'system' ? t('system') : username);

const STATE_TONE: Record<TicketState, string> = {
  submitted: 'warn',
  approved: 'info',
  rejected: 'muted',
  dispatched: 'info',
  accepted: 'info',
  'in-progress': 'warn',
  resolved: 'good',
  closed: 'muted',
  cancelled: 'muted',
  reopened: 'bad',
};

export function StateBadge({ state }: { state: TicketState }) {
  return (
    <span class={`badge badge-${STATE_TONE[state] ?? 'info'} tk-state`} data-badge-state={state}>
      {stateText(state)}
    </span>
  );
}

export function PriorityBadge({ priority }: { priority: number }) {
  const tone = priority === 1 ? 'bad' : priority === 2 ? 'warn' : 'muted';
  return (
    <span class={`badge badge-${tone} tk-prio`} data-priority={priority}>
      {`P${priority} ${priorityText(priority)}`}
    </span>
  );
}

/** Late: a deadline missed (recorded), or passed and not yet met. */
export function lateness(tk: Ticket, now = Date.now()): 'breached' | 'overdue' | null {
  if (tk.respondBreachedAt || tk.resolveBreachedAt) return 'breached';
  if (FINISHED.includes(tk.state) || tk.state === 'resolved') return null;
  const respondLate = tk.acceptedAt === null && tk.respondDueAt !== null && tk.respondDueAt < now;
  const resolveLate = tk.resolvedAt === null && tk.resolveDueAt !== null && tk.resolveDueAt < now;
  return respondLate || resolveLate ? 'overdue' : null;
}

/** Where: the asset's name, else the location. */
export function placeOf(tk: Ticket, assets: Map<string, Asset> | undefined): string {
  if (tk.assetId) return assets?.get(tk.assetId)?.name ?? tk.assetId;
  return tk.location ?? '—';
}
