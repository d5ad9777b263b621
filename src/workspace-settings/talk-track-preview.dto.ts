import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsString, Matches } from 'class-validator';
import { OFFER_TYPES, type OfferType, SITUATIONS, type Situation } from '../playbooks/situation';
import { FIXTURE_FACTS, type FixtureFacts } from '../playbooks/talk-track-check';
import { VARIANT_KEY } from '../playbooks/talk-track-settings';
import { TRACK_NAMES, type TrackName } from '../playbooks/talk-track-view';
import { VALUE_TIERS as TIERS, type ValueTier } from '../scoring/models/types';

const LOCALES = ['en', 'zh-CN'] as const;

/** One call to preview: which templates, and the combination to render them for (against fixtures). */
export class TalkTrackPreviewDto {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'en/signoff': 'Thanks, {{customerName}}!' },
    description:
      "templates to try ('<locale>/<partial>' → Handlebars); absent: the workspace's stored settings.talkTracks.templates",
  })
  @IsOptional()
  @IsObject()
  templates?: Record<string, string>;

  @ApiPropertyOptional({
    example: 'warm',
    pattern: VARIANT_KEY.source,
    description:
      "a variant of settings.talkTracks.variants (or 'default'): rendered with its templates over the workspace's stored ones; with `templates`, those stand for the variant's (being edited, stored or not)",
  })
  @IsOptional()
  @IsString()
  @Matches(VARIANT_KEY, { message: 'variant is 1-40 of a-z, 0-9, _ and -' })
  variant?: string;

  @ApiProperty({ enum: LOCALES })
  @IsIn(LOCALES)
  locale!: (typeof LOCALES)[number];

  @ApiProperty({ enum: TRACK_NAMES })
  @IsIn(TRACK_NAMES)
  personality!: TrackName;

  @ApiProperty({ enum: SITUATIONS })
  @IsIn(SITUATIONS)
  situation!: Situation;

  @ApiProperty({ enum: TIERS })
  @IsIn(TIERS)
  valueTier!: ValueTier;

  @ApiProperty({ enum: OFFER_TYPES })
  @IsIn(OFFER_TYPES)
  offerType!: OfferType;

  @ApiPropertyOptional({
    enum: FIXTURE_FACTS,
    description:
      'fixture customer: six invoices over two days (rich, default), one invoice (single), a weekly buyer 17 days silent (lapsed), never bought (sparse)',
  })
  @IsOptional()
  @IsIn(FIXTURE_FACTS)
  facts?: FixtureFacts;
}
