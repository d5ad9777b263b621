/**
 * The questionnaire's 11 observations in en and zh-CN: what each option adds to the four types (weights) and which
 * of the seeds' dimension values it is evidence for (traits). Scoring: questionnaire.ts. Data only.
 */
import type { Question } from './questionnaire';

/** The observations, in the order the rep page asks them. */
export const QUESTIONNAIRE: readonly Question[] = [
  {
    id: 'first_question',
    dimension: 'focus',
    text: {
      en: 'When you present something new, what does the customer ask about first?',
      'zh-CN': '向客户介绍新产品时，对方最先问的通常是什么？',
    },
    options: [
      {
        id: 'specs',
        text: { en: 'Specifications, figures, price per unit', 'zh-CN': '参数、数据、单价' },
        weights: { rational: 2 },
        traits: { values: 'practical' },
      },
      {
        id: 'feel',
        text: { en: 'What it looks like and how it feels to use', 'zh-CN': '外观怎么样，用起来感觉如何' },
        weights: { emotional: 2 },
        traits: { values: 'value_driven' },
      },
      {
        id: 'standing',
        text: {
          en: 'Who else uses it and what it does for their position',
          'zh-CN': '还有谁在用，能给自己带来什么优势',
        },
        weights: { leader: 2 },
        traits: { values: 'value_driven' },
      },
      {
        id: 'assurance',
        text: {
          en: 'Guarantees, after-sales support, what happens if it goes wrong',
          'zh-CN': '有没有保障，售后怎么样，出了问题怎么办',
        },
        weights: { stable: 2 },
        traits: { values: 'practical' },
      },
    ],
  },
  {
    id: 'decision_style',
    dimension: 'decision',
    text: { en: 'How does the customer usually decide?', 'zh-CN': '客户通常怎么做决定？' },
    options: [
      {
        id: 'analyse',
        text: {
          en: 'After studying the details and comparing the options',
          'zh-CN': '仔细研究细节、反复比较之后才定',
        },
        weights: { rational: 2, stable: 1 },
        traits: { decision: 'rational' },
      },
      {
        id: 'instinct',
        text: {
          en: 'On instinct, quickly when something appeals to them',
          'zh-CN': '凭感觉，看中了就很快拍板',
        },
        weights: { emotional: 2 },
        traits: { decision: 'emotional' },
      },
      {
        id: 'alone',
        text: { en: 'Quickly, on their own authority', 'zh-CN': '自己说了算，决定得很快' },
        weights: { leader: 2 },
        traits: { decision: 'neutral' },
      },
      {
        id: 'consult',
        text: {
          en: 'Slowly, after checking with colleagues or family',
          'zh-CN': '不急于表态，要和同事或家人商量后再定',
        },
        weights: { stable: 2 },
        traits: { decision: 'neutral' },
      },
    ],
  },
  {
    id: 'conversation',
    dimension: 'communication',
    text: {
      en: 'How do they talk on the phone?',
      'zh-CN': '通电话时，客户的说话方式更接近哪一种？',
    },
    options: [
      {
        id: 'precise',
        text: {
          en: 'Precise questions; asks for things in writing',
          'zh-CN': '问题问得很细，习惯让你发书面资料',
        },
        weights: { rational: 2 },
        traits: { communication: 'direct' },
      },
      {
        id: 'warm',
        text: {
          en: 'Chatty and warm; shares stories and opinions',
          'zh-CN': '健谈热情，爱聊自己的经历和看法',
        },
        weights: { emotional: 2 },
        traits: { communication: 'neutral', social: 'extrovert' },
      },
      {
        id: 'direct',
        text: { en: 'Direct and brief; steers the conversation', 'zh-CN': '开门见山，话不多，喜欢主导谈话' },
        weights: { leader: 2 },
        traits: { communication: 'direct' },
      },
      {
        id: 'polite',
        text: { en: 'Polite and indirect; avoids saying no outright', 'zh-CN': '客气委婉，不太会直接拒绝' },
        weights: { stable: 2 },
        traits: { communication: 'indirect' },
      },
    ],
  },
  {
    id: 'persuaded_by',
    dimension: 'values',
    text: { en: 'What has convinced them in the past?', 'zh-CN': '过去什么最能打动这位客户？' },
    options: [
      {
        id: 'evidence',
        text: { en: 'Test results, data, side-by-side comparisons', 'zh-CN': '检测报告、数据、横向对比' },
        weights: { rational: 2 },
        traits: { values: 'practical', decision: 'rational' },
      },
      {
        id: 'demo',
        text: {
          en: 'A demo or sample they could see and touch',
          'zh-CN': '能亲眼看到、亲手摸到的演示或样品',
        },
        weights: { emotional: 2 },
        traits: { values: 'value_driven', decision: 'emotional' },
      },
      {
        id: 'reputation',
        text: { en: 'Reputation and what market leaders choose', 'zh-CN': '品牌口碑，以及行业龙头的选择' },
        weights: { leader: 2 },
        traits: { values: 'value_driven' },
      },
      {
        id: 'track_record',
        text: { en: 'A long track record and a solid warranty', 'zh-CN': '多年的稳定表现和靠得住的质保' },
        weights: { stable: 2 },
        traits: { values: 'practical' },
      },
    ],
  },
  {
    id: 'new_things',
    dimension: 'change',
    text: {
      en: 'How do they react to a new product or a change?',
      'zh-CN': '面对新产品或变化，客户通常是什么反应？',
    },
    options: [
      {
        id: 'prove_it',
        text: { en: 'Want proof it is better before switching', 'zh-CN': '先要看到证据证明更好，才肯换' },
        weights: { rational: 2, stable: 1 },
      },
      {
        id: 'excited',
        text: { en: 'Get excited by what is new and well designed', 'zh-CN': '对新鲜、设计好的东西很感兴趣' },
        weights: { emotional: 2 },
      },
      {
        id: 'first_mover',
        text: { en: 'Want to be first, ahead of competitors', 'zh-CN': '想抢在同行前面先用上' },
        weights: { leader: 2 },
      },
      {
        id: 'prefers_known',
        text: { en: 'Prefer what they know; switch reluctantly', 'zh-CN': '更愿意用熟悉的，不轻易更换' },
        weights: { stable: 2 },
      },
    ],
  },
  {
    id: 'when_unhappy',
    dimension: 'conflict',
    text: { en: 'When something goes wrong, what do they do?', 'zh-CN': '出了问题时，客户通常怎么处理？' },
    options: [
      {
        id: 'documents',
        text: { en: 'Set out the facts and numbers of the problem', 'zh-CN': '把问题的来龙去脉和数据摆清楚' },
        weights: { rational: 2 },
        traits: { communication: 'direct' },
      },
      {
        id: 'voices',
        text: { en: 'Tell you how disappointed they are', 'zh-CN': '直接表达失望和不满' },
        weights: { emotional: 2 },
        traits: { communication: 'direct' },
      },
      {
        id: 'escalates',
        text: { en: 'Demand a fast fix; escalate if needed', 'zh-CN': '要求马上解决，必要时直接找上级' },
        weights: { leader: 2 },
        traits: { communication: 'direct' },
      },
      {
        id: 'quiet',
        text: { en: 'Rarely complain, but quietly order less', 'zh-CN': '很少投诉，但会悄悄减少下单' },
        weights: { stable: 2 },
        traits: { communication: 'indirect' },
      },
    ],
  },
  {
    id: 'in_company',
    dimension: 'social',
    text: { en: 'In meetings or at events, the customer is…', 'zh-CN': '在会面或活动中，这位客户……' },
    options: [
      {
        id: 'reserved',
        text: { en: 'Reserved; focused on the agenda and the details', 'zh-CN': '比较内敛，关注议程和细节' },
        weights: { rational: 2 },
        traits: { social: 'introvert' },
      },
      {
        id: 'outgoing',
        text: { en: 'Outgoing; enjoys meeting people', 'zh-CN': '外向，喜欢结识新朋友' },
        weights: { emotional: 2 },
        traits: { social: 'extrovert' },
      },
      {
        id: 'in_charge',
        text: {
          en: 'In charge; expects to be treated as the decision-maker',
          'zh-CN': '习惯掌控局面，希望被当作拍板的人',
        },
        weights: { leader: 2 },
        traits: { social: 'extrovert' },
      },
      {
        id: 'steady',
        text: { en: 'Friendly but low-key; trusts familiar faces', 'zh-CN': '随和低调，更信任熟悉的面孔' },
        weights: { stable: 2 },
        traits: { social: 'neutral' },
      },
    ],
  },
  {
    id: 'small_talk',
    dimension: 'social',
    text: {
      en: 'Before getting down to business, the customer…',
      'zh-CN': '谈正事之前，这位客户通常……',
    },
    options: [
      {
        id: 'agenda_first',
        text: { en: 'Goes straight to the agenda', 'zh-CN': '直奔主题，按议程来' },
        weights: { rational: 2 },
        traits: { social: 'introvert' },
      },
      {
        id: 'chats',
        text: { en: 'Chats at length about news, family, plans', 'zh-CN': '先聊很久近况、家人和打算' },
        weights: { emotional: 2 },
        traits: { social: 'extrovert' },
      },
      {
        id: 'sets_terms',
        text: { en: 'Sets out what they want from the call', 'zh-CN': '先说清楚这次通话要解决什么' },
        weights: { leader: 2 },
        traits: { social: 'extrovert' },
      },
      {
        id: 'asks_after_you',
        text: {
          en: 'Asks politely after you, then waits for you to lead',
          'zh-CN': '客气地寒暄几句，然后等你开口',
        },
        weights: { stable: 2 },
        traits: { social: 'introvert' },
      },
    ],
  },
  {
    id: 'price_talk',
    dimension: 'values',
    text: { en: 'When price comes up, the customer…', 'zh-CN': '谈到价格时，这位客户……' },
    options: [
      {
        id: 'unit_cost',
        text: { en: 'Works out the cost per unit and the total', 'zh-CN': '算单价、算总成本' },
        weights: { rational: 2 },
        traits: { values: 'practical', decision: 'rational' },
      },
      {
        id: 'pays_for_love',
        text: { en: 'Pays more for something they love', 'zh-CN': '喜欢的东西贵一点也愿意买' },
        weights: { emotional: 2 },
        traits: { values: 'value_driven', decision: 'emotional' },
      },
      {
        id: 'pays_for_best',
        text: { en: 'Wants the best and expects a deal for it', 'zh-CN': '要最好的，同时要求拿到优惠' },
        weights: { leader: 2 },
        traits: { values: 'value_driven' },
      },
      {
        id: 'fair_and_proven',
        text: { en: 'Wants a fair price for something proven', 'zh-CN': '只要东西靠谱，价格公道就行' },
        weights: { stable: 2 },
        traits: { values: 'practical' },
      },
    ],
  },
  {
    id: 'saying_no',
    dimension: 'communication',
    text: { en: 'When they do not like a proposal, they…', 'zh-CN': '不认同你的提议时，这位客户会……' },
    options: [
      {
        id: 'asks_why',
        text: { en: 'Ask pointed questions until it falls apart', 'zh-CN': '不停追问细节，直到找出问题' },
        weights: { rational: 2 },
        traits: { communication: 'direct' },
      },
      {
        id: 'shows_it',
        text: {
          en: 'Show it in their voice, then change the subject',
          'zh-CN': '语气里听得出来，然后岔开话题',
        },
        weights: { emotional: 2 },
        traits: { communication: 'indirect' },
      },
      {
        id: 'says_no',
        text: { en: 'Say no plainly', 'zh-CN': '直接说不行' },
        weights: { leader: 2 },
        traits: { communication: 'direct' },
      },
      {
        id: 'will_think',
        text: { en: 'Say they will think about it, and go quiet', 'zh-CN': '说“再考虑考虑”，之后就没了下文' },
        weights: { stable: 2 },
        traits: { communication: 'indirect' },
      },
    ],
  },
  {
    id: 'follow_up',
    dimension: 'decision',
    text: { en: 'After a call, what do they want from you?', 'zh-CN': '通话结束后，客户希望你怎么跟进？' },
    options: [
      {
        id: 'written_figures',
        text: { en: 'A written summary with the figures', 'zh-CN': '一份带数据的书面总结' },
        weights: { rational: 2 },
        traits: { decision: 'rational' },
      },
      {
        id: 'see_it',
        text: { en: 'A visit or a sample to see it for themselves', 'zh-CN': '上门拜访或寄样品，亲眼看看' },
        weights: { emotional: 2 },
        traits: { decision: 'emotional' },
      },
      {
        id: 'bottom_line',
        text: { en: 'One short message with the bottom line', 'zh-CN': '一条简短消息，只说结论' },
        weights: { leader: 2 },
        traits: { decision: 'neutral' },
      },
      {
        id: 'regular_call',
        text: {
          en: 'A call at the usual time, from the usual person',
          'zh-CN': '老时间、老面孔，再打个电话',
        },
        weights: { stable: 2 },
        traits: { decision: 'neutral' },
      },
    ],
  },
];
