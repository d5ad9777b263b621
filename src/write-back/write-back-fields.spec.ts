import fc from 'fast-check';
import {
  clvStepMinor,
  DEFAULT_MAPPING,
  OPT_IN_FIELDS,
  parseMapping,
  parseMappingArgs,
  PROPERTY_NAME,
  sqlKeys,
  storedMapping,
  usedFields,
  WRITE_BACK_FIELDS,
} from './write-back-fields';

describe('write-back field mapping', () => {
  it('defaults every field to its Callplan name, but leaves the opt-in ones (P(buy)) out', () => {
    expect(parseMapping({ fields: {} })).toEqual({ ok: true, mapping: DEFAULT_MAPPING });
    expect(Object.keys(DEFAULT_MAPPING)).toEqual([...WRITE_BACK_FIELDS]);
    expect(DEFAULT_MAPPING.pBuy).toBeNull();
    expect(DEFAULT_MAPPING.pAlive).toBe('pAlive');
    expect(usedFields(DEFAULT_MAPPING)).not.toHaveProperty('pBuy');
  });

  it('keeps the tag of a mapping without the opt-in fields as it was before them (adding P(buy) resends nobody)', () => {
    // the tag of the default mapping before pBuy existed: the 13 first fields' names
    const before = JSON.stringify(WRITE_BACK_FIELDS.filter((f) => !OPT_IN_FIELDS.has(f)));
    expect(sqlKeys(DEFAULT_MAPPING).tag).toBe(before);
    const renamed = { ...DEFAULT_MAPPING, tier: 'crm_tier', personality: null };
    expect(sqlKeys(renamed).tag).toBe(
      JSON.stringify(
        WRITE_BACK_FIELDS.filter((f) => !OPT_IN_FIELDS.has(f)).map(
          (f) => sqlKeys(renamed).keys[WRITE_BACK_FIELDS.indexOf(f)],
        ),
      ),
    );
    // naming it sends it under that name, and changes the tag (a mapping change resends everyone)
    const optedIn = sqlKeys({ ...DEFAULT_MAPPING, pBuy: 'callplan_p_buy' });
    expect(optedIn.keys[WRITE_BACK_FIELDS.indexOf('pBuy')]).toBe('callplan_p_buy');
    expect(optedIn.included[WRITE_BACK_FIELDS.indexOf('pBuy')]).toBe(true);
    expect(optedIn.tag).not.toBe(before);
    expect(sqlKeys(DEFAULT_MAPPING).included[WRITE_BACK_FIELDS.indexOf('pBuy')]).toBe(false);
  });

  it('renames, leaves out with null, keeps the rest at their defaults', () => {
    const r = parseMapping({ fields: { tier: 'Callplan_Tier__c', personality: null } });
    expect(r).toEqual({
      ok: true,
      mapping: { ...DEFAULT_MAPPING, tier: 'Callplan_Tier__c', personality: null },
    });
  });

  it('names each bad field: unknown fields, bad names, a null key, duplicates', () => {
    const issues = (input: unknown) => {
      const r = parseMapping(input);
      return r.ok ? [] : r.issues.map((i) => `${i.path}:${i.code}`);
    };
    expect(issues({ fields: { nope: 'x' } })).toEqual(['fields:unrecognized_keys']);
    expect(issues({ fields: { tier: 'has space' } })).toEqual(['fields.tier:invalid_format']);
    expect(issues({ fields: { tier: '' } })).toEqual(['fields.tier:invalid_format']);
    expect(issues({ fields: { tier: 'x'.repeat(101) } })).toEqual(['fields.tier:invalid_format']);
    expect(issues({ fields: { externalId: null } })).toEqual(['fields.externalId:invalid_type']);
    expect(issues({ fields: { tier: 'same', lifecycle: 'same' } })).toEqual([
      'fields.tier:duplicate_property',
      'fields.lifecycle:duplicate_property',
    ]);
    // a rename onto another field's default name collides too
    expect(issues({ fields: { tier: 'lifecycle' } })).toEqual([
      'fields.tier:duplicate_property',
      'fields.lifecycle:duplicate_property',
    ]);
    expect(issues({})).toEqual(['fields:invalid_type']);
    expect(issues({ fields: {}, extra: 1 })).toEqual(['(body):unrecognized_keys']);
  });

  it('accepts only valid, distinct property names (property)', () => {
    const field = fc.constantFrom(...WRITE_BACK_FIELDS);
    const value = fc.oneof(
      fc.string({ maxLength: 110 }),
      fc.constant(null),
      fc.stringMatching(/^[a-z_]{1,8}$/),
    );
    fc.assert(
      fc.property(fc.dictionary(field, value), (fields) => {
        const r = parseMapping({ fields });
        if (!r.ok) return;
        const names = Object.values(r.mapping).filter((n): n is string => n !== null);
        expect(names.every((n) => PROPERTY_NAME.test(n))).toBe(true);
        expect(new Set(names).size).toBe(names.length);
        expect(r.mapping.externalId).not.toBeNull();
      }),
    );
  });

  it('reads a stored mapping back, falling back to the defaults for what is no longer valid', () => {
    expect(storedMapping(null)).toEqual(DEFAULT_MAPPING);
    expect(storedMapping({ ...DEFAULT_MAPPING, tier: 'crm_tier' }).tier).toBe('crm_tier');
    expect(storedMapping({ tier: 'bad name' })).toEqual(DEFAULT_MAPPING);
  });

  it('echoes the used fields and gives left-out fields keys no property can have', () => {
    const mapping = { ...DEFAULT_MAPPING, tier: 'crm_tier', personality: null };
    expect(usedFields(mapping)).not.toHaveProperty('personality');
    expect(usedFields(mapping).tier).toBe('crm_tier');
    const { keys, dropped } = sqlKeys(mapping);
    expect(keys).toHaveLength(WRITE_BACK_FIELDS.length);
    expect(keys[WRITE_BACK_FIELDS.indexOf('tier')]).toBe('crm_tier');
    // personality left out here, pBuy by default
    expect(dropped).toEqual([
      keys[WRITE_BACK_FIELDS.indexOf('personality')],
      keys[WRITE_BACK_FIELDS.indexOf('pBuy')],
    ]);
    expect(PROPERTY_NAME.test(dropped[0])).toBe(false);
  });

  it('rounds CLV to whole major units of the currency', () => {
    expect(clvStepMinor('CNY')).toBe(100);
    expect(clvStepMinor('JPY')).toBe(1);
    expect(clvStepMinor('KWD')).toBe(1000);
  });

  it('parses CLI pairs and names the argument of each problem', () => {
    expect(parseMappingArgs(['tier=crm_tier', 'personality=-'])).toEqual({
      ok: true,
      fields: { tier: 'crm_tier', personality: null },
    });
    const r = parseMappingArgs(['tier', 'nope=x', 'tier=a', 'tier=b']);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems).toEqual([
        expect.stringMatching(/^argument 1 \("tier"\): expected field=property/),
        expect.stringMatching(/^argument 2 \("nope=x"\): unknown field "nope"/),
        'argument 4 ("tier=b"): field "tier" is named twice',
      ]);
    }
  });
});
