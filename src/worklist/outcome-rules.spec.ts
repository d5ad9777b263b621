import { LOGGED_CONTACT_OUTCOMES } from '../scoring/customer-summary.sql';
import { CONTACT_OUTCOMES, outcomeEffects, OUTCOMES } from './outcome-rules';
import { DEFAULT_WORKLIST_SETTINGS as S } from './worklist-settings';

const base = {
  now: new Date('2026-11-25T03:00:00Z'),
  today: '2026-11-25',
  timeZone: 'Asia/Shanghai',
  callbackAt: null,
  previousUnanswered: 0,
};

describe('contact outcomes', () => {
  it('are the ones the scoring counts as two-way contact (they delay churned)', () => {
    expect([...LOGGED_CONTACT_OUTCOMES].sort()).toEqual([...CONTACT_OUTCOMES].sort());
  });
});

describe('outcomeEffects', () => {
  it('retries unanswered calls the next day until the attempts run out, then snoozes', () => {
    const first = outcomeEffects({ ...base, outcome: 'no_answer' }, S);
    expect(first.followUp).toEqual({ kind: 'retry', dueAt: new Date('2026-11-25T16:00:00Z'), attempt: 2 });
    expect(first.contact).toBe(false);
    const second = outcomeEffects({ ...base, outcome: 'voicemail', previousUnanswered: 1 }, S);
    expect(second.followUp?.attempt).toBe(3);
    const third = outcomeEffects({ ...base, outcome: 'no_answer', previousUnanswered: 2 }, S);
    expect(third.followUp).toBeNull();
    expect(third.suppression).toEqual({
      kind: 'snooze',
      until: '2026-12-25',
      reason: 'no_answer_attempts_exhausted',
    });
  });

  it('schedules callbacks and suppresses the rest', () => {
    const at = new Date('2026-11-26T06:30:00Z');
    expect(outcomeEffects({ ...base, outcome: 'callback_requested', callbackAt: at }, S).followUp).toEqual({
      kind: 'callback',
      dueAt: at,
      attempt: 1,
    });
    expect(() => outcomeEffects({ ...base, outcome: 'callback_requested' }, S)).toThrow(RangeError);
    expect(outcomeEffects({ ...base, outcome: 'do_not_call' }, S).suppression).toEqual({
      kind: 'do_not_call',
      until: null,
      reason: 'do_not_call',
    });
    expect(outcomeEffects({ ...base, outcome: 'wrong_number' }, S).suppression?.kind).toBe('wrong_number');
    expect(outcomeEffects({ ...base, outcome: 'not_interested' }, S).suppression?.until).toBe('2026-12-25');
    const converted = outcomeEffects({ ...base, outcome: 'converted' }, S);
    expect(converted).toEqual({ contact: true, followUp: null, suppression: null });
  });

  it('has an answer for every outcome', () => {
    for (const outcome of OUTCOMES) {
      const e = outcomeEffects({ ...base, outcome, callbackAt: new Date('2026-11-26T06:30:00Z') }, S);
      expect(e).toHaveProperty('contact');
    }
  });
});
