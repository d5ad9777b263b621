import type { PersonalityProfileView } from '../../personality/personality.service';
import { contactsSection, lifecycleSection, offerTerms, personalitySection, reachNotice } from './rep-drawer';

const at = new Date('2026-06-01T00:00:00Z');
const profile: PersonalityProfileView = {
  customerId: '7',
  asOf: at,
  type: 'leader',
  profile: {
    type: {
      value: 'leader',
      source: 'rep_tag',
      confidence: 0.874,
      recordedConfidence: 1,
      actor: { kind: 'rep', id: 'r1' },
      observedAt: at,
    },
    social: null,
    decision: null,
    communication: {
      value: 'indirect',
      source: 'crm_import',
      confidence: 0.5,
      recordedConfidence: 0.6,
      actor: { kind: 'csv', id: null },
      observedAt: at,
    },
    values: null,
  },
  history: [],
  rules: {
    halfLifeDays: { rep_tag: 365, questionnaire: 365, crm_import: 180, inferred: 90 },
    minGuessConfidence: 0.1,
  },
};

describe('contactsSection', () => {
  const contact = (id: string, isPrimary: boolean, known: boolean) => ({
    ...profile,
    type: known ? ('leader' as const) : null,
    profile: { ...profile.profile, type: known ? profile.profile.type : null },
    contact: { id, name: `Person ${id}`, title: id === '1' ? 'owner' : null, isPrimary },
  });

  it('lists each contact person with their own type, marking the one the talk track is for', () => {
    expect(contactsSection([contact('1', true, true), contact('2', false, false)], 'en')).toEqual([
      {
        name: 'Person 1',
        title: 'owner',
        primary: true,
        type: 'leader',
        source: "a rep's tag",
        confidence: '87%',
      },
      { name: 'Person 2', title: '', primary: false, type: 'not known yet', source: '', confidence: '' },
    ]);
    expect(contactsSection([contact('1', true, true)], 'zh-CN')![0]).toMatchObject({
      type: '领导型',
      source: '销售标注',
    });
  });

  it('is absent for a customer without contact persons', () => {
    expect(contactsSection([], 'en')).toBeNull();
  });
});

describe('personalitySection', () => {
  it('shows each dimension in words with its source and decayed confidence', () => {
    const s = personalitySection(profile, 'en')!;
    expect(s.rows).toEqual([
      { label: 'Personality', value: 'leader', source: "a rep's tag", confidence: '87%' },
      { label: 'Social style', value: 'not known yet', source: '', confidence: '' },
      { label: 'Decides', value: 'not known yet', source: '', confidence: '' },
      { label: 'Communication', value: 'indirect', source: 'from the CRM', confidence: '50%' },
      { label: 'Values', value: 'not known yet', source: '', confidence: '' },
    ]);
    expect(s.selects.find((x) => x.name === 'type')!.options.find((o) => o.selected)?.value).toBe('leader');
    expect(s.selects.map((x) => x.name)).toEqual(['type', 'social', 'decision', 'communication', 'values']);
  });

  it('renders the questionnaire in the page locale', () => {
    const s = personalitySection(profile, 'zh-CN')!;
    expect(s.rows[0]).toMatchObject({ label: '性格类型', value: '领导型', source: '销售标注' });
    expect(s.questions).toHaveLength(11);
    expect(s.questions[0].text).toMatch(/[\u4e00-\u9fff]/);
    expect(s.questionnaireHelp).toContain('6');
  });

  it('is absent when the customer is not the rep’s', () => {
    expect(personalitySection(null, 'en')).toBeNull();
  });
});

describe('lifecycleSection', () => {
  it('says why a customer is churned or held at risk by a two-way contact, in words', () => {
    expect(lifecycleSection('churned', ['refunds_only', 'no_two_way_contact'], 'en')).toEqual({
      heading: 'Why “churned”',
      reasons: [
        'their only orders were refunded or returned',
        'no two-way contact lately (no call reached them, no reply)',
      ],
    });
    const zh = lifecycleSection(
      'at_risk',
      ['far_overdue_vs_cycle', 'two_way_contact_delays_churn'],
      'zh-CN',
    )!;
    expect(zh.heading).toBe('判为“有流失风险”的原因');
    expect(zh.reasons[1]).toContain('双向联系');
  });

  it('shows the lifecycle without reasons for runs that kept none; nothing without a lifecycle', () => {
    expect(lifecycleSection('active', null, 'en')).toEqual({ heading: 'Why “active”', reasons: [] });
    expect(lifecycleSection(null, ['no_purchase'], 'en')).toBeNull();
  });
});

describe('reachNotice', () => {
  const never = {
    ownerReaches: false,
    reason: 'owner_hours_never_meet' as const,
    proposal: 'assign_to_rep_in_hours' as const,
    reps: ['rep-au', 'rep-sg'],
  };

  it('says the customer is outside the rep’s hours all week and names the proposed reps', () => {
    const en = reachNotice(never, ['Kylie Ng', 'Tan Wei'], 'en')!;
    expect(en.text).toContain('Outside your calling hours every day this week');
    expect(en.reps).toBe('Proposed rep: Kylie Ng, Tan Wei');
    const zh = reachNotice(never, ['Kylie Ng', 'Tan Wei'], 'zh-CN')!;
    expect(zh.text).toContain('本周每天都不在您的通话时间内');
    expect(zh.reps).toBe('建议转给：Kylie Ng、Tan Wei');
  });

  it('says when no rep reaches the customer; shows at most three names', () => {
    const none = reachNotice({ ...never, proposal: 'no_rep_in_hours', reps: [] }, [], 'en')!;
    expect(none.proposal).toContain('No rep');
    expect(none.reps).toBe('');
    expect(reachNotice(never, ['a', 'b', 'c', 'd', 'e'], 'en')!.reps).toBe('Proposed rep: a, b, c (+2)');
  });

  it('is absent when the owner can call or the reach is unknown', () => {
    expect(reachNotice({ ownerReaches: true, reason: null, proposal: null, reps: [] }, [], 'en')).toBeNull();
    expect(reachNotice(null, [], 'en')).toBeNull();
  });
});

describe('offerTerms', () => {
  const offer = { code: 'WINBACK15', title: '15% off', description: 'on your next order' };

  it('shows discount, minimum order and last day in the locale', () => {
    const terms = { ...offer, version: 2, discountPct: 15, minOrderMinor: 50_000, validTo: '2026-12-31' };
    expect(offerTerms(terms, 'GBP', 'en')).toEqual([
      { label: 'Discount', value: '15% off' },
      { label: 'Minimum order', value: '£500' },
      { label: 'Ends', value: 'last day Dec 31, 2026' },
    ]);
    expect(offerTerms(terms, 'CNY', 'zh-CN').map((t) => t.value)).toEqual([
      '立减 15%',
      '¥500',
      '最后一天 2026年12月31日',
    ]);
  });

  it('leaves out terms the offer does not have', () => {
    expect(
      offerTerms({ ...offer, discountPct: null, minOrderMinor: null, validTo: null }, 'GBP', 'en'),
    ).toEqual([]);
    expect(offerTerms(offer, 'GBP', 'en')).toEqual([]);
  });
});
