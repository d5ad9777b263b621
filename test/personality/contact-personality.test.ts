import { QUESTIONNAIRE } from '../../src/personality/questionnaire';
import { WorklistPublisher } from '../../src/worklist/worklist-publisher.service';
import { useTestApp } from '../support/use-test-app';
import { client, keyFor, publish, scoredWorkspace } from '../worklist/worklist-support';

/**
 * A personality per contact person of a business customer (issue 14): each contact has its own profile from
 * statements about that person (same observations table, keyed by contact), read and set over the API; the
 * customer's own profile is untouched; published talk tracks address the primary contact's type.
 */
describe('contact persons’ personality (PostgreSQL, HTTP)', () => {
  const nest = useTestApp({ http: true });
  let workspaceId: string;
  let today: string;
  let admin: string;
  let customer: { id: string; item_id: string };
  let primary: string;
  let secondary: string;

  beforeAll(async () => {
    ({ workspaceId, today } = await scoredWorkspace(nest.app, { slug: 'contact-persona', customers: 200 }));
    admin = await keyFor(nest.app, workspaceId, 'admin');
    await publish(nest.app, workspaceId, today);
    [customer] = await nest.db.query(
      `SELECT i.customer_id::text AS id, i.id AS item_id FROM worklist_items i
       WHERE i.workspace_id = $1 ORDER BY i.rank, i.id LIMIT 1`,
      [workspaceId],
    );
    // two contact persons of the account, as a CRM sync writes them (the secondary one listed first)
    const contacts: Array<{ id: string }> = await nest.db.query(
      `INSERT INTO contacts (workspace_id, customer_id, origin_customer_id, external_id, name, title, is_primary)
       VALUES ($1, $2, $2, 'k-2', 'Li Na', 'buyer', false), ($1, $2, $2, 'k-1', 'Wang Wei', 'owner', true)
       RETURNING id::text`,
      [workspaceId, customer.id],
    );
    [secondary, primary] = contacts.map((c) => c.id);
  }, 240_000);

  const api = () => client(nest.app);

  it('lists the contacts primary first, each with an empty profile of its own', async () => {
    const res = await api().get(`/v1/customers/${customer.id}/contacts/personality`, admin).expect(200);
    expect(
      (res.body as Array<{ contact: { id: string; isPrimary: boolean }; type: string | null }>).map((c) => [
        c.contact.id,
        c.contact.isPrimary,
        c.type,
      ]),
    ).toEqual([
      [primary, true, null],
      [secondary, false, null],
    ]);
  });

  it('sets a contact’s type without touching the customer’s, and refuses what is not the customer’s', async () => {
    const request = (await import('supertest')).default;
    const server = nest.app.getHttpServer();
    const send = (path: string, body: object) =>
      request(server).put(path).set('Authorization', `Bearer ${admin}`).send(body);
    await send(`/v1/customers/${customer.id}/personality`, { type: 'stable' }).expect(200);
    const ownBefore = await api().get(`/v1/customers/${customer.id}/personality`, admin).expect(200);
    const set = await send(`/v1/customers/${customer.id}/contacts/${primary}/personality`, {
      type: 'leader',
      communication: 'direct',
    }).expect(200);
    expect(set.body).toMatchObject({
      customerId: customer.id,
      type: 'leader',
      contact: { id: primary, name: 'Wang Wei', title: 'owner', isPrimary: true },
      profile: { type: { value: 'leader', source: 'rep_tag' }, communication: { value: 'direct' } },
    });
    expect((set.body.history as unknown[]).length).toBe(2);
    // the customer's own profile and history are as they were
    const own = await api().get(`/v1/customers/${customer.id}/personality`, admin).expect(200);
    expect(own.body.type).toBe('stable');
    const ids = (b: { history: Array<{ id: string }> }) => b.history.map((h) => h.id);
    expect(ids(own.body)).toEqual(ids(ownBefore.body));

    const [other] = await nest.db.query(
      `SELECT id::text FROM customers WHERE workspace_id = $1 AND id <> $2 AND merged_into_id IS NULL LIMIT 1`,
      [workspaceId, customer.id],
    );
    await send(`/v1/customers/${other.id}/contacts/${primary}/personality`, { type: 'leader' }).expect(404);
    await api().get(`/v1/customers/${customer.id}/contacts/nope/personality`, admin).expect(404);
    const bad = await send(`/v1/customers/${customer.id}/contacts/${primary}/personality`, {
      type: 'bossy',
    }).expect(422);
    expect(bad.body.error.code).toBe('invalid_personality');
  });

  it('takes the questionnaire about a contact person', async () => {
    const answers = Object.fromEntries(QUESTIONNAIRE.map((q) => [q.id, q.options[0].id]));
    const res = await api()
      .post(`/v1/customers/${customer.id}/contacts/${secondary}/personality/questionnaire`, admin, {
        answers,
      })
      .expect(201);
    expect(res.body.personality.contact).toMatchObject({ id: secondary, isPrimary: false });
    expect(res.body.personality.type).toBe(res.body.result.type);
    const [{ n }] = await nest.db.query(
      `SELECT count(*)::int AS n FROM personality_observations
       WHERE workspace_id = $1 AND contact_id = $2 AND source = 'questionnaire'`,
      [workspaceId, secondary],
    );
    expect(n).toBeGreaterThan(0);
  });

  it('writes the published talk track for the primary contact’s type', async () => {
    await nest.app.get(WorklistPublisher).publish(workspaceId, today, { replace: true });
    const [item] = await nest.db.query(
      `SELECT i.personality FROM worklist_items i JOIN worklists w ON w.id = i.worklist_id
       WHERE w.workspace_id = $1 AND w.list_date = $2 AND i.customer_id = $3`,
      [workspaceId, today, customer.id],
    );
    // the customer's own type is stable; the person the rep calls is a leader
    expect(item).toEqual({ personality: 'leader' });
  });

  it('shows the contact persons with their types in the rep drawer, the primary one marked', async () => {
    const [item] = await nest.db.query(
      `SELECT i.id, r.id AS rep_id, r.external_id, r.locale FROM worklist_items i
       JOIN worklists w ON w.id = i.worklist_id JOIN reps r ON r.id = w.rep_id
       WHERE w.workspace_id = $1 AND w.list_date = $2 AND i.customer_id = $3`,
      [workspaceId, today, customer.id],
    );
    const repKey = await keyFor(nest.app, workspaceId, 'rep', item.rep_id);
    const minted = await api().post('/v1/embed-tokens', repKey, { rep: item.external_id }).expect(201);
    const token = new URL(minted.body.path as string, 'http://x').searchParams.get('token')!;
    const request = (await import('supertest')).default;
    const drawer = await request(nest.app.getHttpServer())
      .get(`/embed/api/items/${item.id}`)
      .set('authorization', `Bearer ${token}`)
      .expect(200);
    const zh = String(item.locale).startsWith('zh');
    expect(drawer.text).toContain(zh ? '联系人' : 'Contact persons');
    expect(drawer.text).toMatch(zh ? /Wang Wei \(owner\): 领导型/ : /Wang Wei \(owner\): leader/);
    expect(drawer.text).toContain(zh ? '主要联系人' : 'primary: the talk track is written for this person');
    expect(drawer.text).toContain('Li Na (buyer)');
  });
});
