import { configOrExit, exitOnStartupError, prepareDatabase, startHttp } from './bootstrap';

/** The HTTP API process. Workers run apart (main.worker.ts); scale both horizontally. */
async function main() {
  const config = configOrExit();
  const database = await prepareDatabase(config, (m) => console.log(m));
  await startHttp(config, database, { http: true, workers: false, scheduler: false });
}

main().catch(exitOnStartupError);
