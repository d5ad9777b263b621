/**
 * The privacy rule "an erased customer stays erased", written once for every customer upsert (the CSV import's
 * set-based merge over its staging table and record sync's per-batch upsert). Both are `INSERT INTO customers AS t
 * … ON CONFLICT … DO UPDATE`: `t` is the stored row, EXCLUDED the incoming version.
 */

/** `expr` while the stored customer is not erased, else NULL: replays never bring personal data back. */
export const unlessErased = (expr: string): string => `CASE WHEN t.erased_at IS NULL THEN ${expr} END`;

/**
 * The DO UPDATE assignments of the personal columns: emptied on an erased customer, an unchanged contact keeps its
 * ciphertext (same hash), a changed one takes the new.
 */
export const ERASED_STAYS_ERASED_SET = `
        -- an erased customer stays erased: replays never bring personal data back
        name = ${unlessErased('EXCLUDED.name')},
        email_enc = CASE WHEN t.erased_at IS NOT NULL THEN NULL
                         WHEN t.email_hash IS NOT DISTINCT FROM EXCLUDED.email_hash THEN t.email_enc ELSE EXCLUDED.email_enc END,
        email_hash = ${unlessErased('EXCLUDED.email_hash')},
        phone_enc = CASE WHEN t.erased_at IS NOT NULL THEN NULL
                         WHEN t.phone_hash IS NOT DISTINCT FROM EXCLUDED.phone_hash THEN t.phone_enc ELSE EXCLUDED.phone_enc END,
        phone_hash = ${unlessErased('EXCLUDED.phone_hash')}`;
