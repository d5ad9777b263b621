import { testGlobals } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  await testGlobals.__dropTemplate?.();
  await testGlobals.__stopTestDb?.();
}
