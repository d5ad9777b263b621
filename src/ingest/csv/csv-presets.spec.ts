import { resolveCsvHeader } from './csv-header';
import { applyPreset } from './csv-presets';

describe('applyPreset', () => {
  it('maps a HubSpot contacts export header, with --map entries and --date-format on top', () => {
    const hubspot = applyPreset('hubspot', 'customers', { map: { phone: 'Mobile Phone Number' } });
    expect(hubspot).toMatchObject({ dateFormat: 'YYYY-MM-DD HH:mm', ignoreUnknownColumns: true });
    expect(hubspot.map).toMatchObject({ name: 'First Name + Last Name', phone: 'Mobile Phone Number' });
    const header = [
      'Record ID',
      'First Name',
      'Last Name',
      'Email',
      'Mobile Phone Number',
      'Contact owner',
      'Create Date',
    ];
    const r = resolveCsvHeader('customers', header, { map: hubspot.map, ignoreUnknown: true });
    expect(r.ok && Object.fromEntries(r.columns)).toEqual({
      external_id: 0,
      name: [1, 2],
      email: 3,
      phone: 4,
      owner_rep: 5,
      created_at: 6,
    });
    expect(applyPreset('salesforce', 'orders', { dateFormat: 'DD/MM/YYYY' })).toEqual({
      map: {},
      dateFormat: 'DD/MM/YYYY',
      ignoreUnknownColumns: true,
    });
  });
});
