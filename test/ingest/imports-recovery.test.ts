import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { QUEUES } from '../../src/queue/queue-factory';
import { queueToken } from '../../src/queue/queue.module';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { AppProcess, compileApp, runApp } from '../cli/compiled-app';
import { until } from '../support/until';
import { useTestApp } from '../support/use-test-app';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/** 1 MB of CSV rows (content does not matter: no worker imports them here). */
const MB = Buffer.from(
  'external_id,name,email\n'.padEnd(64, ' ') +
    Array.from(
      { length: 16_383 },
      (_, i) => `C${String(i).padStart(9, '0')},Name ${i},c${i}@example.com`.padEnd(63) + '\n',
    ).join(''),
);

/**
 * `kill -9` of the API during POST /v1/imports, over real processes: after a restart no upload temp file (plaintext
 * personal data) remains, and no import is left `queued` with no job — one whose upload was stored whole is queued
 * again, one cut off while being stored fails with `upload_interrupted`.
 */
describe('imports: recovery after the API is killed mid-upload (API process, PostgreSQL)', () => {
  const t = useTestApp({ workers: false });
  const dataDir = mkdtempSync(join(tmpdir(), 'callplan-upload-'));
  const uploads = join(dataDir, 'uploads');
  let compiled: ReturnType<typeof compileApp>;
  let key: string;
  let port: number;
  let api: AppProcess | undefined;

  beforeAll(async () => {
    compiled = compileApp();
    const ws = await t.app.get(WorkspacesService).ensure({ slug: 'acme' });
    key = (await t.app.get(ApiKeysService).create({ workspaceId: ws.id, name: 'admin', role: 'admin' })).key;
    port = await freePort();
  }, 60_000);

  afterAll(async () => {
    api?.child.kill('SIGKILL');
    await api?.exited;
    compiled?.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function startApi(): Promise<AppProcess> {
    const p = runApp(compiled.dir, 'main.api.js', [], {
      DATABASE_URL: t.databaseUrl,
      QUEUE_PREFIX: t.config.queuePrefix,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      PII_ENCRYPTION_KEYS: `v1:${randomBytes(32).toString('base64')}`,
      PII_HASH_KEY: randomBytes(32).toString('base64'),
    });
    await until(
      'the API answers',
      () =>
        fetch(`http://127.0.0.1:${port}/health`).then(
          () => true,
          () => false,
        ),
      60_000,
    );
    return p;
  }

  /** Streams a multipart upload of `mb` megabytes; `hold` leaves the body unfinished (the upload is in progress). */
  function upload(mb: number, hold = false): { done: Promise<number> } {
    const boundary = `b${randomBytes(8).toString('hex')}`;
    const req = request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/v1/imports',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
    });
    const done = new Promise<number>((resolve) => {
      req.on('response', (res) => (res.resume(), resolve(res.statusCode ?? 0)));
      req.on('error', () => resolve(-1));
    });
    req.write(
      `--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\ncustomers\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n`,
    );
    for (let i = 0; i < mb; i++) req.write(MB);
    if (!hold) req.end(`\r\n--${boundary}--\r\n`);
    return { done };
  }

  const uploadFiles = () => readdirSync(uploads);
  const imports = () =>
    t.db.query<Array<{ id: string; status: string; size_bytes: string; error: { code: string } | null }>>(
      `SELECT id, status, size_bytes, error FROM imports ORDER BY created_at`,
    );

  it('deletes the temp files and repairs the imports a killed API left behind', async () => {
    api = await startApi();

    // 1. an import stored whole whose job is gone (the API died between storing and queuing, or the queue lost it)
    expect(await upload(2).done).toBe(202);
    const [whole] = await imports();
    const queue = t.app.get<{ remove(id: string): Promise<number> }>(queueToken(QUEUES.crmSync));
    await queue.remove(`import-${whole.id}`);

    // 2. killed while receiving an upload: a temp file, no row
    upload(8, true);
    await until('the upload is being received', async () =>
      uploadFiles().some((f) => statSync(join(uploads, f)).size > 2 * MB.length),
    );
    api.child.kill('SIGKILL');
    await api.exited;
    expect(uploadFiles()).toHaveLength(1);

    // 3. killed while storing a received upload in the database: a temp file and a row `queued` with no job
    api = await startApi();
    upload(120);
    // the row appears when the received file starts going into the database: kill within milliseconds of that
    const deadline = Date.now() + 120_000;
    while ((await imports()).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    api.child.kill('SIGKILL');
    await api.exited;
    const cut = (await imports())[1];
    expect(cut).toMatchObject({ status: 'queued', size_bytes: '0' });
    expect(uploadFiles().length).toBeGreaterThanOrEqual(1);

    // restart: the files go at once, the imports within two sweeps
    const restarted = Date.now();
    api = await startApi();
    await until('no upload file remains', async () => uploadFiles().length === 0, 30_000);
    await until('the cut-off import failed', async () => (await imports())[1].status === 'failed', 60_000);
    expect((await imports())[1].error).toMatchObject({ code: 'upload_interrupted' });
    const pieces = await t.db.query(`SELECT 1 FROM import_files WHERE import_id = $1`, [cut.id]);
    expect(pieces).toHaveLength(0);
    // the whole upload's import is queued again by the same sweep, which may reach it just after the cut-off one
    const queueOfImports = t.app.get<{
      getJob(id: string): Promise<{ getState(): Promise<string> } | undefined>;
    }>(queueToken(QUEUES.crmSync));
    const stateOfWhole = async () => (await queueOfImports.getJob(`import-${whole.id}`))?.getState();
    await until('the whole upload is queued again', async () => (await stateOfWhole()) !== undefined, 30_000);
    expect(await stateOfWhole()).toBe('waiting');
    expect((await imports())[0].status).toBe('queued');
    expect(Date.now() - restarted).toBeLessThan(60_000);
  }, 300_000);
});
