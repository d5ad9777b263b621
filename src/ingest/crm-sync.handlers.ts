import { Injectable } from '@nestjs/common';
import { OnJob } from '../queue/job-handlers';
import { JobData } from '../queue/jobs';
import { QUEUES } from '../queue/queue-factory';
import { CrmInboxService } from './events/crm-inbox.service';
import { PullConnectorService } from './pull/pull-connector.service';
import { ConnectorPushService } from './pull/connector-push.service';

/**
 * The sync core's jobs on the crm-sync queue: `inbox` applies one stored webhook message,
 * `pull` runs one pull connector, `push`/`push-workspace` write scores back through CRM-shaped connectors. All
 * are idempotent, so a retry or a duplicate job does no harm.
 */
@Injectable()
export class CrmSyncHandlers {
  constructor(
    private readonly inbox: CrmInboxService,
    private readonly pull: PullConnectorService,
    private readonly push: ConnectorPushService,
  ) {}

  @OnJob(QUEUES.crmSync, 'inbox')
  applyInbox({ inboxId }: JobData<'crm-sync', 'inbox'>) {
    return this.inbox.process(inboxId);
  }

  @OnJob(QUEUES.crmSync, 'pull')
  runPull({ connectorId }: JobData<'crm-sync', 'pull'>) {
    return this.pull.run(connectorId);
  }

  @OnJob(QUEUES.crmSync, 'push')
  runPush({ connectorId }: JobData<'crm-sync', 'push'>) {
    return this.push.push(connectorId);
  }

  @OnJob(QUEUES.crmSync, 'push-workspace')
  runWorkspacePush({ workspaceId }: JobData<'crm-sync', 'push-workspace'>) {
    return this.push.pushWorkspace(workspaceId);
  }
}
