export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __stopTestDb?: () => Promise<void> }).__stopTestDb?.();
}
