import type { PersonalityProfileView } from '../../personality/personality.service';
import { personalitySection } from './rep-drawer';

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
