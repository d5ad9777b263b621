import { createHmac } from 'node:crypto';
import { AppConfig } from '../config/config';

/** The embed-token MAC key, derived from the configured hash key so there is no extra secret to manage. */
export function embedKey(config: AppConfig): Buffer {
  return createHmac('sha256', config.pii.hashKey).update('callplan embed tokens v1').digest();
}
