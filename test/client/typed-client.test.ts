import createClient from 'openapi-fetch';
import { useContract } from '../support/contract';
import { useTestApp } from '../support/use-test-app';
import { busiestRep, keyFor, publish, scoredWorkspace } from '../worklist/worklist-support';
import type { paths } from './callplan-api';

/**
 * What a CRM integrator does: generate types from openapi.json (`npm run openapi` writes callplan-api.d.ts beside
 * this file with openapi-typescript) and call the API through openapi-fetch. `npm run typecheck` compiles this file,
 * so a response typed `never` or a body the document does not describe fails the build, not only the test.
 */
describe('typed client generated from the OpenAPI document (openapi-typescript + openapi-fetch)', () => {
  const nest = useTestApp({ http: true, workers: true });
  const contract = useContract(nest);
  let workspaceId: string;
  let repKey: string;
  let adminKey: string;

  beforeAll(async () => {
    let today: string;
    ({ workspaceId, today } = await scoredWorkspace(nest.app, { slug: 'typed', customers: 150 }));
    await publish(nest.app, workspaceId, today);
    const { rep } = await busiestRep(nest.app, workspaceId, today);
    repKey = await keyFor(nest.app, workspaceId, 'rep', rep.id);
    adminKey = await keyFor(nest.app, workspaceId, 'admin');
  }, 180_000);

  const api = (key: string) =>
    createClient<paths>({ baseUrl: nest.url, headers: { authorization: `Bearer ${key}` } });

  it('lists the worklist, records an outcome and reads the customer, all typed', async () => {
    const list = await api(repKey).GET('/v1/me/worklist', { params: { query: { limit: 5 } } });
    expect(list.response.status).toBe(200);
    if (!list.data) throw new Error(`no list: ${JSON.stringify(list.error)}`);
    const first = list.data.items[0];
    // typed fields: a string id, a numeric rank, the customer's external id
    const itemId: string = first.id;
    const rank: number = first.rank;
    expect(rank).toBe(1);
    expect(typeof first.customer.externalId).toBe('string');

    const recorded = await api(repKey).POST('/v1/worklist-items/{id}/outcome', {
      params: { path: { id: itemId } },
      body: { outcome: 'reached', notes: 'typed client' },
    });
    expect(recorded.response.status).toBe(201);
    expect(recorded.data?.outcome).toBe('reached');
    expect(recorded.data?.itemId).toBe(itemId);

    const wrong = await api(repKey).POST('/v1/worklist-items/{id}/outcome', {
      params: { path: { id: itemId } },
      // @ts-expect-error — the document knows the outcomes: a made-up one does not compile
      body: { outcome: 'maybe' },
    });
    expect(wrong.response.status).toBe(400);
    // errors are typed too: the shared error shape
    expect(wrong.error?.error.code).toBe('validation_failed');

    // the list names customers by CRM id; the customer route takes Callplan's id
    const [{ id }] = await nest.db.query(
      `SELECT id FROM customers WHERE workspace_id = $1 AND external_id = $2`,
      [workspaceId, first.customer.externalId],
    );
    const customer = await api(repKey).GET('/v1/customers/{id}', { params: { path: { id } } });
    expect(customer.response.status).toBe(200);
    expect(customer.data?.sourceIds.map((s) => s.externalId)).toContain(first.customer.externalId);
    const tier: string | undefined = customer.data?.scores?.valueTier;
    expect(tier).toBe(first.customer.valueTier);

    const byId = await api(adminKey).GET('/v1/score-runs');
    expect(byId.response.status).toBe(200);
    const runStatus: string | undefined = byId.data?.[0]?.status;
    expect(runStatus).toBe('completed');
  });

  it('answered every request as its OpenAPI document says', () => {
    expect(contract.problems()).toEqual([]);
  });
});
