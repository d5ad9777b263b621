/**
 * Words of the embeddable pages in en and zh-CN: interface text and the names of the codes the API returns (tiers,
 * lifecycles, RFM segments, personalities, item kinds and states, outcomes). Pure; shared by every page under
 * src/web (the rep workspace, the manager dashboard). A page never shows a raw code: an unknown code is shown as
 * words (`some_code` → "some code"), never with its underscores.
 */
export type PageLocale = 'en' | 'zh-CN';

/** 'zh', 'zh-CN', 'zh-Hans…' → zh-CN; anything else → en. */
export function pageLocale(locale: string | null | undefined): PageLocale {
  return typeof locale === 'string' && /^zh\b/i.test(locale.trim()) ? 'zh-CN' : 'en';
}

type Words = Record<string, string>;

const CODES: Record<PageLocale, Record<string, Words>> = {
  en: {
    tier: { core: 'core', potential: 'potential', general: 'general' },
    lifecycle: {
      prospect: 'prospect',
      new: 'new',
      active: 'active',
      loyal: 'loyal',
      at_risk: 'at risk',
      churned: 'churned',
    },
    rfm: {
      champions: 'champions',
      loyal: 'loyal',
      potential_loyalist: 'potential loyalist',
      new: 'new',
      promising: 'promising',
      needs_attention: 'needs attention',
      about_to_sleep: 'about to sleep',
      at_risk: 'at risk',
      cant_lose: "can't lose",
      hibernating: 'hibernating',
      lost: 'lost',
    },
    personality: { rational: 'rational', emotional: 'emotional', leader: 'leader', stable: 'stable' },
    personalitySource: {
      rep_tag: "a rep's tag",
      questionnaire: 'questionnaire',
      crm_import: 'from the CRM',
      inferred: 'inferred (a guess)',
    },
    social: { extrovert: 'outgoing', introvert: 'reserved', neutral: 'in between' },
    decision: { rational: 'by the figures', emotional: 'by feel', neutral: 'either way' },
    communication: { direct: 'direct', indirect: 'indirect', neutral: 'in between' },
    values: { practical: 'practical', value_driven: 'value-driven' },
    kind: {
      urgent: 'urgent',
      callback: 'callback',
      pinned: 'pinned',
      retry: 'retry',
      ranked: 'ranked',
      prospect: 'prospect',
    },
    state: {
      open: 'to call',
      done: 'done',
      snoozed: 'snoozed',
      skipped: 'skipped',
      reassigned: 'reassigned',
    },
    outcome: {
      reached: 'reached',
      no_answer: 'no answer',
      voicemail: 'voicemail',
      callback_requested: 'callback',
      not_interested: 'not interested',
      converted: 'order promised',
      do_not_call: 'do not call',
      wrong_number: 'wrong number',
    },
    interaction: {
      call: 'call',
      email: 'email',
      visit: 'visit',
      campaign: 'campaign',
      complaint: 'complaint',
      survey: 'survey',
      worklist_call: 'call from the list',
    },
    orderStatus: { paid: 'paid', refunded: 'refunded', cancelled: 'cancelled' },
  },
  'zh-CN': {
    tier: { core: '核心', potential: '潜力', general: '一般' },
    lifecycle: {
      prospect: '意向客户',
      new: '新客户',
      active: '活跃',
      loyal: '忠诚',
      at_risk: '有流失风险',
      churned: '已流失',
    },
    rfm: {
      champions: '重要价值',
      loyal: '忠诚客户',
      potential_loyalist: '潜在忠诚',
      new: '新客户',
      promising: '有潜力',
      needs_attention: '需要关注',
      about_to_sleep: '即将沉睡',
      at_risk: '有流失风险',
      cant_lose: '不能失去',
      hibernating: '沉睡',
      lost: '已流失',
    },
    personality: { rational: '理性型', emotional: '感性型', leader: '领导型', stable: '稳健型' },
    personalitySource: {
      rep_tag: '销售标注',
      questionnaire: '问卷',
      crm_import: '来自客户系统',
      inferred: '系统推测',
    },
    social: { extrovert: '外向', introvert: '内向', neutral: '中间' },
    decision: { rational: '看数据', emotional: '凭感觉', neutral: '都有' },
    communication: { direct: '直接', indirect: '委婉', neutral: '中间' },
    values: { practical: '务实', value_driven: '看重价值' },
    kind: {
      urgent: '紧急',
      callback: '回电',
      pinned: '置顶',
      retry: '重拨',
      ranked: '排名',
      prospect: '意向',
    },
    state: { open: '待拨打', done: '已完成', snoozed: '已暂缓', skipped: '已跳过', reassigned: '已转交' },
    outcome: {
      reached: '已接通',
      no_answer: '未接听',
      voicemail: '语音信箱',
      callback_requested: '约定回电',
      not_interested: '不感兴趣',
      converted: '承诺下单',
      do_not_call: '拒绝来电',
      wrong_number: '号码错误',
    },
    interaction: {
      call: '电话',
      email: '邮件',
      visit: '拜访',
      campaign: '营销活动',
      complaint: '投诉',
      survey: '调查',
      worklist_call: '清单通话',
    },
    orderStatus: { paid: '已付款', refunded: '已退款', cancelled: '已取消' },
  },
};

export type CodeGroup =
  | 'tier'
  | 'lifecycle'
  | 'rfm'
  | 'personality'
  | 'personalitySource'
  | 'social'
  | 'decision'
  | 'communication'
  | 'values'
  | 'kind'
  | 'state'
  | 'outcome'
  | 'interaction'
  | 'orderStatus';

/** The words for a code of a group; an unknown code becomes words (never shown with its underscores). */
export function codeLabel(group: CodeGroup, code: string | null | undefined, locale: PageLocale): string {
  if (code === null || code === undefined || code === '') return '';
  return CODES[locale][group]?.[code] ?? code.replace(/_/g, ' ');
}

/** Every code of a group with its words, in the catalog's order (for selects). */
export function codeOptions(group: CodeGroup, locale: PageLocale): Array<{ value: string; label: string }> {
  return Object.entries(CODES[locale][group]).map(([value, label]) => ({ value, label }));
}

/** The interface text of the pages. Every key exists in both locales (a unit test checks). */
export const UI: Record<PageLocale, Words> = {
  en: {
    title: 'Call list',
    worked: '{done} of {total} worked',
    noList: 'No list has been published for this day yet.',
    priority: 'Value of calling today',
    priorityHelp: 'Expected value of calling today, relative to the top of this list',
    ofTop: '{pct}% of the top',
    why: 'Why',
    offer: 'Offer',
    terms: 'Terms',
    talkTrack: 'Talk track',
    details: 'Details',
    close: 'Close',
    reached: 'Reached',
    noAnswer: 'No answer',
    more: 'More…',
    outcome: 'Outcome',
    callbackAt: 'Call back at (customer time, {zone})',
    note: 'Note',
    personality: 'Personality',
    unchanged: '(unchanged)',
    save: 'Save',
    snooze: 'Snooze',
    snoozeUntil: 'Until',
    snoozeReason: 'Reason',
    pin: 'Keep on my list',
    pinned: 'Kept on your list',
    pinUntil: 'Until',
    scores: 'Scores',
    recentOrders: 'Recent orders',
    calls: 'Calls and interactions',
    none: 'none',
    urgent: 'urgent',
    saving: 'Saving…',
    saved: 'Saved',
    offline: 'Not saved yet (offline or server error) — retrying automatically',
    retryNow: 'Retry now',
    failed: 'Not saved',
    phone: 'Phone',
    callWindow: 'Best time to call',
    followUp: 'Open follow-up',
    doNotCall: 'Do not call',
    clv: 'Predicted value',
    churnRisk: 'Churn risk',
    pAlive: 'Still buying',
    expectedPurchases: 'Expected orders',
    segment: 'Segment',
    readOnly: 'View only: this link cannot record calls.',
    errorTitle: 'This link has expired',
    errorBody: 'The call list link is missing, invalid or expired. Open the call list again from your CRM.',
    forbiddenTitle: 'Not available',
    forbiddenBody: 'This call list is not available to you.',
    loading: 'Loading…',
    traitSocial: 'Social style',
    traitDecision: 'Decides',
    traitCommunication: 'Communication',
    traitValues: 'Values',
    personalityUnknown: 'not known yet',
    personalitySet: 'Set personality',
    personalitySaved: 'Personality saved',
    confidence: 'confidence',
    questionnaire: 'Questionnaire',
    questionnaireHelp: 'Answer from what you have seen on calls and visits; at least {n} questions.',
    questionnaireSubmit: 'Score the answers',
  },
  'zh-CN': {
    title: '今日拜访清单',
    worked: '已处理 {done} / {total}',
    noList: '今天的清单尚未发布。',
    priority: '今日拨打价值',
    priorityHelp: '今日拨打的预期价值，相对于本清单第一名',
    ofTop: '为第一名的 {pct}%',
    why: '原因',
    offer: '优惠',
    terms: '条款',
    talkTrack: '话术',
    details: '详情',
    close: '关闭',
    reached: '已接通',
    noAnswer: '未接听',
    more: '更多…',
    outcome: '通话结果',
    callbackAt: '回电时间（客户当地时间，{zone}）',
    note: '备注',
    personality: '性格类型',
    unchanged: '（不变）',
    save: '保存',
    snooze: '暂缓',
    snoozeUntil: '暂缓至',
    snoozeReason: '原因',
    pin: '保留在我的清单上',
    pinned: '已保留在清单上',
    pinUntil: '截止',
    scores: '评分',
    recentOrders: '最近订单',
    calls: '通话与互动',
    none: '无',
    urgent: '紧急',
    saving: '保存中…',
    saved: '已保存',
    offline: '尚未保存（离线或服务器错误）——将自动重试',
    retryNow: '立即重试',
    failed: '未保存',
    phone: '电话',
    callWindow: '最佳拨打时间',
    followUp: '待跟进',
    doNotCall: '拒绝来电',
    clv: '预测价值',
    churnRisk: '流失风险',
    pAlive: '仍在购买概率',
    expectedPurchases: '预计订单数',
    segment: '客户分群',
    readOnly: '仅供查看：此链接不能记录通话。',
    errorTitle: '链接已失效',
    errorBody: '拜访清单链接缺失、无效或已过期。请从 CRM 重新打开拜访清单。',
    forbiddenTitle: '无法访问',
    forbiddenBody: '你无权查看此拜访清单。',
    loading: '加载中…',
    traitSocial: '社交风格',
    traitDecision: '决策方式',
    traitCommunication: '沟通方式',
    traitValues: '价值取向',
    personalityUnknown: '尚未了解',
    personalitySet: '设置性格类型',
    personalitySaved: '性格类型已保存',
    confidence: '可信度',
    questionnaire: '性格问卷',
    questionnaireHelp: '根据通话和拜访中的观察作答，至少回答 {n} 题。',
    questionnaireSubmit: '计算结果',
  },
};

/** `{name}` placeholders filled in. */
export function fill(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (m, k: string) => (k in values ? String(values[k]) : m));
}
