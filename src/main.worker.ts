import { configOrExit, exitOnStartupError, prepareDatabase, startContext } from './bootstrap';

/** A worker process: queue consumers and the schedulers. Run as many as the load needs. */
async function main() {
  const config = configOrExit();
  const database = await prepareDatabase(config, (m) => console.log(m));
  await startContext(config, database, { http: false, workers: true, scheduler: true });
}

main().catch(exitOnStartupError);
