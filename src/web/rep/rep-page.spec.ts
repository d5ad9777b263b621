import type { WorklistItemView, WorklistView } from '../../worklist/worklist.views';
import { progress, relativeValue, repPage } from './rep-page';
import { talkTrackSections } from './rep-drawer';

function item(over: Partial<WorklistItemView>): WorklistItemView {
  return {
    id: 'i',
    rank: 1,
    state: 'open',
    kind: 'ranked',
    urgent: false,
    expectedValue: 0,
    priority: 50,
    why: '',
    reasons: [{ code: 'overdue_vs_cycle', weight: 1, text: '已52天未下单', facts: {} }],
    callWindow: null,
    personality: 'rational',
    talkTrack: 'Hello',
    offer: null,
    outcome: null,
    doneAt: null,
    snoozedUntil: null,
    customer: {
      externalId: 'cus-1',
      name: '陈杰',
      phone: null,
      email: null,
      valueTier: 'core',
      lifecycle: 'at_risk',
      rfmSegment: 'cant_lose',
      clv: null,
      churnRisk: null,
    },
    ...over,
  };
}

describe('rep page', () => {
  it('bars the expected value of calling today relative to the top of the list', () => {
    expect(relativeValue(50, 200)).toBe(25);
    expect(relativeValue(200, 200)).toBe(100);
    expect(relativeValue(10, 0)).toBe(0);
  });

  it('counts done, snoozed and skipped as worked, and leaves reassigned items out', () => {
    expect(
      progress([{ state: 'done' }, { state: 'snoozed' }, { state: 'open' }, { state: 'reassigned' }]),
    ).toEqual({
      done: 2,
      total: 3,
    });
  });

  it('lists items in rank order with words for codes, and the bar follows the value', () => {
    const list = {
      rep: { id: 'r', externalId: 'rep-1', name: '李娜' },
      date: '2026-11-25',
      items: [
        item({ id: 'b', rank: 2, expectedValue: 50_000, state: 'done', outcome: 'no_answer' }),
        item({ id: 'a', rank: 1, expectedValue: 200_000 }),
        item({ id: 'c', rank: 3, expectedValue: 100_000, kind: 'callback' }),
      ],
    } as unknown as WorklistView;
    const page = repPage(list, { locale: 'zh-CN', currency: 'CNY', readOnly: false });
    expect(page.items.map((i) => i.id)).toEqual(['a', 'b', 'c']);
    expect(page.items.map((i) => i.barPercent)).toEqual([100, 25, 50]);
    expect(page.progressText).toBe('已处理 1 / 3');
    expect(page.items[1]).toMatchObject({ stateLabel: '已完成', outcomeLabel: '未接听', worked: true });
    expect(page.items[0].tags.map((t) => t.label)).toEqual(['核心', '有流失风险', '理性型']);
    expect(page.items[2].tags[0].label).toBe('回电');
    // 'neutral' (the talk track used when no personality is known) is no personality: no tag
    const neutral = repPage({ ...list, items: [item({ personality: 'neutral' })] } as WorklistView, {
      locale: 'zh-CN',
      currency: 'CNY',
      readOnly: false,
    });
    expect(neutral.items[0].tags.map((t) => t.label)).toEqual(['核心', '有流失风险']);
    expect(page.items[0].value).toBe('¥2,000');
    expect(JSON.stringify(page.items)).not.toMatch(/"[a-z]+_[a-z_]+"/);
  });

  it('splits a talk track into titled sections at blank lines', () => {
    expect(talkTrackSections('Opening\nHi there\n\nOffer\n15% off\n\n')).toEqual([
      { title: 'Opening', body: 'Hi there' },
      { title: 'Offer', body: '15% off' },
    ]);
  });
});
