import type { TeamClaimView, TeamReminderView } from '../../assignments/pool.service';
import { claimsView, dayIn, daysBetween, PoolListContext, remindersView } from './pool-lists';

const reminder = (over: Partial<TeamReminderView>): TeamReminderView => ({
  id: '1',
  customer: { id: '42', externalId: 'C-42', name: 'Acme' },
  rep: { id: 'r1', externalId: 'R-1', name: 'Li Wei' },
  tier: 'core',
  // 20:30 UTC on Nov 5 is already Nov 6 in Shanghai
  lastFollowUpAt: new Date('2026-11-05T20:30:00Z'),
  releaseOn: '2026-12-09',
  remindedAt: new Date('2026-12-06T02:00:00Z'),
  ...over,
});

const ctx = (over: Partial<PoolListContext> = {}): PoolListContext => ({
  locale: 'en',
  timezone: 'Asia/Shanghai',
  today: '2026-12-06',
  followUpDays: { core: 30, potential: 45, general: 60 },
  shown: 2,
  ...over,
});

describe('the pool’s reminders and claims on the manager dashboard', () => {
  it('counts calendar days and reads a moment as a day of the workspace', () => {
    expect(daysBetween('2026-12-06', '2026-12-09')).toBe(3);
    expect(daysBetween('2026-12-31', '2027-01-01')).toBe(1);
    expect(daysBetween('2026-12-06', '2026-12-06')).toBe(0);
    expect(dayIn('Asia/Shanghai', new Date('2026-11-05T20:30:00Z'))).toBe('2026-11-06');
    expect(dayIn('UTC', new Date('2026-11-05T20:30:00Z'))).toBe('2026-11-05');
  });

  it('says who owns each account, why it lapses and when it returns to the pool, in both locales', () => {
    const rows = [
      reminder({}),
      reminder({
        id: '2',
        customer: { id: '7', externalId: 'C-7', name: null },
        tier: 'potential',
        releaseOn: '2026-12-07',
      }),
    ];
    expect(remindersView(rows, ctx()).items).toEqual([
      {
        customerId: '42',
        customer: 'Acme',
        externalId: 'C-42',
        repId: 'r1',
        owner: 'Li Wei',
        why: 'No follow-up since 2026-11-06; core accounts need one every 30 days',
        releaseOn: '2026-12-09',
        when: '2026-12-09 (in 3 days)',
        due: false,
      },
      expect.objectContaining({
        customer: 'C-7',
        why: 'No follow-up since 2026-11-06; potential accounts need one every 45 days',
        when: '2026-12-07 (tomorrow)',
        due: true,
      }),
    ]);
    const zh = remindersView(rows, ctx({ locale: 'zh-CN' })).items;
    expect(zh.map((r) => [r.why, r.when])).toEqual([
      ['自 2026-11-06 起未跟进；核心客户须每 30 天跟进一次', '2026-12-09（3 天后）'],
      ['自 2026-11-06 起未跟进；潜力客户须每 45 天跟进一次', '2026-12-07（明天）'],
    ]);
  });

  it('marks a release due today, and keeps the reason when the tier no longer lapses', () => {
    const view = remindersView(
      [reminder({ releaseOn: '2026-12-06' })],
      ctx({ followUpDays: { core: null, potential: 45, general: 60 } }),
    );
    expect(view.items[0]).toMatchObject({
      why: 'No follow-up since 2026-11-06',
      when: '2026-12-06 (due today)',
      due: true,
    });
  });

  it('shows the first rows and says there are more', () => {
    const rows = ['1', '2', '3'].map((id) => reminder({ id }));
    const view = remindersView(rows, ctx());
    expect(view.items).toHaveLength(2);
    expect(view.more).toBe('Showing the first 2.');
    expect(remindersView(rows.slice(0, 2), ctx()).more).toBeNull();
  });

  it('lists the team’s claims with the rep and the workspace’s time', () => {
    const claims: TeamClaimView[] = [
      {
        customer: { id: '42', externalId: 'C-42', name: 'Acme' },
        rep: { id: 'r1', name: 'Li Wei' },
        claimedAt: new Date('2026-12-05T17:15:00Z'),
      },
    ];
    const en = claimsView(claims, ctx(), 7);
    expect(en.heading).toBe('Claims by the team, last 7 days');
    expect(en.items[0]).toMatchObject({ customer: 'Acme', rep: 'Li Wei' });
    // 17:15 UTC is 01:15 the next day in Shanghai
    expect(en.items[0].claimedAt).toMatch(/Dec 6, 2026.*1:15/);
    const zh = claimsView(claims, ctx({ locale: 'zh-CN' }), 7);
    expect(zh.heading).toBe('近 7 天团队领取记录');
    expect(zh.items[0].claimedAt).toMatch(/2026年12月6日.*01:15/);
    expect(en.more).toBeNull();
  });
});
