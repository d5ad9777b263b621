import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { PII_CIPHER } from '../crm/crm.tokens';
import { maskEmail, maskPhone, PiiCipher } from '../crm/pii';
import { localizeOffer, Offer } from '../offers/offer-catalog';

export interface WorklistView {
  id: string;
  rep: { id: string; externalId: string; name: string };
  date: string;
  publishedAt: Date;
  scoreRunId: string | null;
  capacity: number;
  items: WorklistItemView[];
}

export interface WorklistItemView {
  id: string;
  rank: number;
  state: string;
  priority: number;
  reasons: Array<{ code: string; weight: number }>;
  personality: string | null;
  talkTrack: string;
  offer: { code: string; title: string; description: string } | null;
  customer: {
    externalId: string;
    name: string | null;
    phone: string | null;
    email: string | null;
    valueTier: string | null;
    lifecycle: string | null;
    rfmSegment: string | null;
    clv: number | null;
    churnRisk: number | null;
  };
}

/** Reads published lists. Personal data is decrypted for people who work the list and masked for machines. */
@Injectable()
export class WorklistQueryService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(PII_CIPHER) private readonly pii: PiiCipher,
  ) {}

  async forRep(p: Principal, repId: string, date: string): Promise<WorklistView> {
    const [list] = await this.db.query(
      `SELECT w.id, w.list_date, w.published_at, w.score_run_id, w.capacity, r.id AS rep_id, r.external_id, r.name, r.locale
       FROM worklists w JOIN reps r ON r.id = w.rep_id
       WHERE w.workspace_id = $1 AND w.rep_id = $2 AND w.list_date = $3`,
      [p.workspaceId, repId, date],
    );
    if (!list) throw new AppError('worklist_not_found', `no call list published for ${date}`, 404);
    const items = await this.db.query(
      `SELECT i.id, i.rank, i.state, i.priority, i.reasons, i.personality, i.talk_track, i.offer_code,
              c.external_id, c.name, c.phone_enc, c.email_enc, o.definition AS offer,
              s.value_tier, s.lifecycle, s.rfm_segment, s.clv, s.churn_risk
       FROM worklist_items i
       JOIN customers c ON c.id = i.customer_id
       LEFT JOIN offers o ON o.workspace_id = i.workspace_id AND o.code = i.offer_code
       LEFT JOIN customer_scores s ON s.run_id = $2 AND s.customer_id = i.customer_id
       WHERE i.worklist_id = $1 ORDER BY i.rank`,
      [list.id, list.score_run_id],
    );
    const seesPii = p.role !== 'integration';
    return {
      id: list.id,
      rep: { id: list.rep_id, externalId: list.external_id, name: list.name },
      date: list.list_date,
      publishedAt: list.published_at,
      scoreRunId: list.score_run_id,
      capacity: list.capacity,
      items: items.map((r: Record<string, unknown>) => ({
        id: r.id as string,
        rank: r.rank as number,
        state: r.state as string,
        priority: r.priority as number,
        reasons: r.reasons as WorklistItemView['reasons'],
        personality: r.personality as string | null,
        talkTrack: r.talk_track as string,
        offer: r.offer ? localizeOffer(r.offer as Offer, list.locale) : null,
        customer: {
          externalId: r.external_id as string,
          name: r.name as string | null,
          phone: this.reveal(r.phone_enc as Buffer | null, seesPii, maskPhone),
          email: this.reveal(r.email_enc as Buffer | null, seesPii, maskEmail),
          valueTier: r.value_tier as string | null,
          lifecycle: r.lifecycle as string | null,
          rfmSegment: r.rfm_segment as string | null,
          clv: r.clv === null ? null : Number(r.clv),
          churnRisk: r.churn_risk as number | null,
        },
      })),
    };
  }

  private reveal(blob: Buffer | null, full: boolean, mask: (v: string) => string): string | null {
    if (!blob) return null;
    const plain = this.pii.decrypt(blob);
    return full ? plain : mask(plain);
  }
}
