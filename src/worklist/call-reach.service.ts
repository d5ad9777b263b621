import { Injectable } from '@nestjs/common';
import type { CallReachLookup, CallReachView } from '../customers/call-reach.port';
import { todayIn } from '../workspaces/workspaces.service';
import { callReach } from './call-reach';
import { WorklistPolicyService } from './worklist-policy.service';
import { WorklistRepository } from './worklist.repository';

/** Answers the customer view's call reach (customers/call-reach.port.ts) from the worklist settings and reps. */
@Injectable()
export class WorklistCallReach implements CallReachLookup {
  constructor(
    private readonly policies: WorklistPolicyService,
    private readonly lists: WorklistRepository,
  ) {}

  async reachOf(
    workspaceId: string,
    customer: { kind: string; country: string | null; ownerExternalId: string },
  ): Promise<CallReachView | null> {
    let policy;
    try {
      policy = await this.policies.load(workspaceId);
    } catch {
      return null; // invalid worklist settings: the view still answers, without this line
    }
    const reps = (await this.lists.activeReps(workspaceId)).map((r) => r.external_id);
    return callReach(
      { kind: customer.kind === 'business' ? 'business' : 'individual', country: customer.country },
      customer.ownerExternalId,
      reps,
      { listDate: todayIn(policy.timeZone), timeZone: policy.timeZone },
      policy.settings,
    );
  }
}
