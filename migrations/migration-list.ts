import { CreateInitialSchema1764028800000 } from './1764028800000-create-initial-schema';
import { CreateCustomerMerges1764100000000 } from './1764100000000-create-customer-merges';
import { PartitionCustomerScores1764200000000 } from './1764200000000-partition-customer-scores';
import { AddCrmSync1764300000000 } from './1764300000000-add-crm-sync';
import { CreateImportsAndCustomerViewIndexes1764400000000 } from './1764400000000-create-imports-and-customer-view-indexes';
import { CreateWorklistOutcomes1764500000000 } from './1764500000000-create-worklist-outcomes';
import { CreateAssignments1764600000000 } from './1764600000000-create-assignments';
import { CreateExperiments1764700000000 } from './1764700000000-create-experiments';
import { CreateCustomerSummaries1764800000000 } from './1764800000000-create-customer-summaries';
import { AddWorklistRowsToMerges1764900000000 } from './1764900000000-add-worklist-rows-to-merges';
import { AddWebhookDeliveryLog1765100000000 } from './1765100000000-add-webhook-delivery-log';
import { CreateWriteBack1765200000000 } from './1765200000000-create-write-back';
import { CreateCurrencyRates1765400000000 } from './1765400000000-create-currency-rates';
import { AddKeyExpiryAndWorkerHeartbeats1765600000000 } from './1765600000000-add-key-expiry-and-worker-heartbeats';
import { AddFieldOwnership1765700000000 } from './1765700000000-add-field-ownership';
import { CreateMergeCandidates1765800000000 } from './1765800000000-create-merge-candidates';
import { AddWorkspaceHashKey1765900000000 } from './1765900000000-add-workspace-hash-key';
import { AddCrmConnectorKinds1766000000000 } from './1766000000000-add-crm-connector-kinds';
import { CreateRateLimitsAndProcessMetrics1766100000000 } from './1766100000000-create-rate-limits-and-process-metrics';
import { AddWorkerHeartbeatMachine1766200000000 } from './1766200000000-add-worker-heartbeat-machine';
import { AddRetention1766400000000 } from './1766400000000-add-retention';
import { CreateScoreRunAccuracy1766500000000 } from './1766500000000-create-score-run-accuracy';
import { RowLevelSecurity1766900000000 } from './1766900000000-row-level-security';
import { ManageOffers1767100000000 } from './1767100000000-manage-offers';
import { CreateExperimentArmsAndExposures1767200000000 } from './1767200000000-create-experiment-arms-and-exposures';
import { CreatePersonalityObservations1767300000000 } from './1767300000000-create-personality-observations';
import { AddTwoWayContactAndRefundsToSummaries1767500000000 } from './1767500000000-add-two-way-contact-and-refunds-to-summaries';
import { AddOrderReversals1767600000000 } from './1767600000000-add-order-reversals';
import { AddRedemptionsToMerges1767700000000 } from './1767700000000-add-redemptions-to-merges';
import { NotifyWorklistReadInputs1767800000000 } from './1767800000000-notify-worklist-read-inputs';
import { AddCancellationsToSummaries1768200000000 } from './1768200000000-add-cancellations-to-summaries';
import { AddContactToPersonalityObservations1768300000000 } from './1768300000000-add-contact-to-personality-observations';
import { TenantPolicySettingsOnce1768800000000 } from './1768800000000-tenant-policy-settings-once';
import { AddPBuyToCustomerScores1769000000000 } from './1769000000000-add-p-buy-to-customer-scores';
import { NotifyCustomerChangesPerList1769100000000 } from './1769100000000-notify-customer-changes-per-list';
import { CheckCustomerReferencesPerStatement1769200000000 } from './1769200000000-check-customer-references-per-statement';
import { KeepOrderTally1769300000000 } from './1769300000000-keep-order-tally';
import { KeepClvSent1769400000000 } from './1769400000000-keep-clv-sent';
import { CoverCustomerHistoryIndexes1769500000000 } from './1769500000000-cover-customer-history-indexes';
import { AccuracyAggregateErrorNullable1769600000000 } from './1769600000000-accuracy-aggregate-error-nullable';

/** Every migration, in order. Explicit so that compiled, ts-jest and CLI runs all see the same list. */
export const MIGRATIONS = [
  CreateInitialSchema1764028800000,
  CreateCustomerMerges1764100000000,
  PartitionCustomerScores1764200000000,
  AddCrmSync1764300000000,
  CreateImportsAndCustomerViewIndexes1764400000000,
  CreateWorklistOutcomes1764500000000,
  CreateAssignments1764600000000,
  CreateExperiments1764700000000,
  CreateCustomerSummaries1764800000000,
  AddWorklistRowsToMerges1764900000000,
  AddWebhookDeliveryLog1765100000000,
  CreateWriteBack1765200000000,
  CreateCurrencyRates1765400000000,
  AddKeyExpiryAndWorkerHeartbeats1765600000000,
  AddFieldOwnership1765700000000,
  CreateMergeCandidates1765800000000,
  AddWorkspaceHashKey1765900000000,
  AddCrmConnectorKinds1766000000000,
  CreateRateLimitsAndProcessMetrics1766100000000,
  AddWorkerHeartbeatMachine1766200000000,
  AddRetention1766400000000,
  CreateScoreRunAccuracy1766500000000,
  RowLevelSecurity1766900000000,
  ManageOffers1767100000000,
  CreateExperimentArmsAndExposures1767200000000,
  CreatePersonalityObservations1767300000000,
  AddTwoWayContactAndRefundsToSummaries1767500000000,
  AddOrderReversals1767600000000,
  AddRedemptionsToMerges1767700000000,
  NotifyWorklistReadInputs1767800000000,
  AddCancellationsToSummaries1768200000000,
  AddContactToPersonalityObservations1768300000000,
  TenantPolicySettingsOnce1768800000000,
  AddPBuyToCustomerScores1769000000000,
  NotifyCustomerChangesPerList1769100000000,
  CheckCustomerReferencesPerStatement1769200000000,
  KeepOrderTally1769300000000,
  KeepClvSent1769400000000,
  CoverCustomerHistoryIndexes1769500000000,
  AccuracyAggregateErrorNullable1769600000000,
];
