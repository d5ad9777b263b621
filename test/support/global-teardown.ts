export default async function globalTeardown(): Promise<void> {
  const state = globalThis as { __stopTestDb?: () => Promise<void>; __dropTemplate?: () => Promise<void> };
  await state.__dropTemplate?.();
  await state.__stopTestDb?.();
}
