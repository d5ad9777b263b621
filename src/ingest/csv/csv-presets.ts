/**
 * Header presets for the exports of common CRMs, pure and framework-free: the column map, the date format and
 * whether columns feeding nothing are ignored (a CRM export has dozens). `--map` entries given with a preset
 * override its entries.
 */
import { ImportKind } from './csv-rows';

export type PresetName = 'hubspot' | 'salesforce' | 'generic';
export const PRESET_NAMES: readonly PresetName[] = ['hubspot', 'salesforce', 'generic'];

export interface Preset {
  map: Partial<Record<ImportKind, Record<string, string>>>;
  dateFormat?: string;
  ignoreUnknownColumns: boolean;
}

export const PRESETS: Record<PresetName, Preset> = {
  /** HubSpot contacts export: "Record ID","First Name","Last Name","Email","Phone Number","Contact owner","Create Date" */
  hubspot: {
    map: {
      customers: {
        external_id: 'Record ID',
        name: 'First Name + Last Name',
        email: 'Email',
        phone: 'Phone Number',
        owner_rep: 'Contact owner',
        created_at: 'Create Date',
      },
    },
    dateFormat: 'YYYY-MM-DD HH:mm',
    ignoreUnknownColumns: true,
  },
  /** Salesforce contacts report (en_US): "Contact ID","First Name","Last Name","Email","Phone","Contact Owner","Created Date" */
  salesforce: {
    map: {
      customers: {
        external_id: 'Contact ID',
        name: 'First Name + Last Name',
        email: 'Email',
        phone: 'Phone',
        owner_rep: 'Contact Owner',
        created_at: 'Created Date',
      },
    },
    dateFormat: 'M/D/YYYY h:mm A',
    ignoreUnknownColumns: true,
  },
  /** Canonical column names (compared loosely: `Owner Rep` is owner_rep), other columns ignored. */
  generic: { map: {}, ignoreUnknownColumns: true },
};

/** The import options a preset gives for a kind, with the user's own `--map` entries on top. */
export function applyPreset(
  name: PresetName,
  kind: ImportKind,
  own: { map?: Record<string, string>; dateFormat?: string },
): { map: Record<string, string>; dateFormat?: string; ignoreUnknownColumns: boolean } {
  const preset = PRESETS[name];
  return {
    map: { ...(preset.map[kind] ?? {}), ...(own.map ?? {}) },
    dateFormat: own.dateFormat ?? preset.dateFormat,
    ignoreUnknownColumns: preset.ignoreUnknownColumns,
  };
}
