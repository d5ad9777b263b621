/** Injection token of the PiiCipher built from config. */
export const PII_CIPHER = Symbol('PII_CIPHER');
