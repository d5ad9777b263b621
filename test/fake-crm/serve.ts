import { writeFileSync } from 'node:fs';
import { FakeCrm, fakeCrmConnector, seedFakeCrm } from './fake-crm-server';

/**
 * Runs the fake CRM on its own (for the demo or a manual try of `callplan sync pull`):
 *   npx swc test/fake-crm -d .data/fake-crm && node .data/fake-crm/test/fake-crm/serve.js [customers] [port]
 * It prints its URL and writes a matching connector definition to fake-crm-connector.json, so that
 *   npm run callplan -- -w demo sync connector save --config fake-crm-connector.json
 *   npm run callplan -- -w demo sync pull
 * imports its data. Every 10 s one customer is renamed and one order deleted, so that later pulls have news.
 */
async function main() {
  const crm = new FakeCrm();
  seedFakeCrm(crm, { customers: Number(process.argv[2] ?? 200), seed: 1 });
  await crm.start();
  writeFileSync('fake-crm-connector.json', JSON.stringify(fakeCrmConnector(crm), null, 2));
  console.log(`fake CRM on ${crm.url} (token ${crm.token}); connector definition in fake-crm-connector.json`);
  let tick = 0;
  setInterval(() => {
    tick++;
    const at = new Date().toISOString();
    const id = `C${String(1 + (tick % crm.count('customers'))).padStart(4, '0')}`;
    crm.change('customers', id, { name: `Renamed ${tick}`, updated_at: at });
    const order = `O${String(tick).padStart(5, '0')}`;
    if (tick <= crm.count('orders')) crm.delete('orders', order, at);
  }, 10_000).unref();
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  await crm.stop();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
