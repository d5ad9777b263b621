/**
 * A guess at the primary type from what reps and the CRM wrote about the customer (interaction and call notes), in
 * en and zh-CN. Pure; no framework imports. The result is an `inferred` observation: a guess that never beats a
 * person's statement, and at most MAX_INFERRED_CONFIDENCE, so a fresh CRM value (0.6) beats it too.
 *
 * Each note is searched for cue words of the four types (domain.md §4: what each type cares about). A note counts
 * once per type however often it repeats a cue. At least MIN_NOTES_FOR_GUESS notes must point to the top type;
 * confidence = min(MAX, 0.1 × notes for the top type) × (top − runner-up) / top, so a split picture stays weak.
 */
import { PERSONALITIES, type Personality } from '../playbooks/personality';

export const MAX_INFERRED_CONFIDENCE = 0.5;
export const MIN_NOTES_FOR_GUESS = 2;

/** Cue words per type: English as whole words (case-insensitive), Chinese as substrings. */
const CUES: Record<Personality, { en: string[]; zh: string[] }> = {
  rational: {
    en: [
      'spec',
      'specs',
      'specification',
      'data',
      'figures',
      'numbers',
      'comparison',
      'compare',
      'unit price',
      'test report',
      'cost',
    ],
    zh: ['参数', '数据', '对比', '比较', '单价', '成本', '检测报告'],
  },
  emotional: {
    en: [
      'design',
      'looks',
      'colour',
      'color',
      'feel',
      'feels',
      'love',
      'loves',
      'excited',
      'sample',
      'style',
    ],
    zh: ['外观', '颜色', '设计', '喜欢', '感觉', '样品', '好看'],
  },
  leader: {
    en: ['boss', 'decision-maker', 'competitor', 'competitors', 'best', 'premium', 'exclusive', 'ahead'],
    zh: ['老板', '拍板', '竞争对手', '同行', '最好', '高端', '独家', '抢先'],
  },
  stable: {
    en: ['warranty', 'guarantee', 'reliable', 'reliability', 'safe', 'long-term', 'as usual', 'after-sales'],
    zh: ['质保', '保修', '保障', '可靠', '稳定', '售后', '老样子', '长期'],
  },
};

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const PATTERNS: Record<Personality, RegExp[]> = Object.fromEntries(
  PERSONALITIES.map((type) => [
    type,
    [
      ...CUES[type].en.map((w) => new RegExp(`(^|[^\\p{L}])${escape(w)}($|[^\\p{L}])`, 'iu')),
      ...CUES[type].zh.map((w) => new RegExp(escape(w), 'u')),
    ],
  ]),
) as Record<Personality, RegExp[]>;

export interface InferredType {
  type: Personality;
  confidence: number;
  /** notes that pointed to each type */
  notes: Record<Personality, number>;
}

/** The guess from these notes, or null when they say too little (or are split evenly). */
export function inferTypeFromNotes(notes: readonly string[]): InferredType | null {
  const counts: Record<Personality, number> = { rational: 0, emotional: 0, leader: 0, stable: 0 };
  for (const note of notes) {
    for (const type of PERSONALITIES) if (PATTERNS[type].some((re) => re.test(note))) counts[type] += 1;
  }
  const ranked = [...PERSONALITIES].sort((a, b) => counts[b] - counts[a]);
  const top = counts[ranked[0]];
  const runnerUp = counts[ranked[1]];
  if (top < MIN_NOTES_FOR_GUESS || top === runnerUp) return null;
  const confidence = Math.min(MAX_INFERRED_CONFIDENCE, 0.1 * top) * ((top - runnerUp) / top);
  return { type: ranked[0], confidence, notes: counts };
}
