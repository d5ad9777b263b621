import { WorklistView } from '../worklist/worklist-query.service';

/** Human-readable call list for the terminal. */
export function printWorklist(list: WorklistView, limit: number): void {
  console.log(
    `\n=== ${list.rep.name} (${list.rep.externalId}) — call list for ${list.date}: ${list.items.length} of capacity ${list.capacity} ===`,
  );
  for (const item of list.items.slice(0, limit)) {
    const c = item.customer;
    console.log(
      `\n#${item.rank}  ${c.name ?? c.externalId} [${c.externalId}]  ${item.kind}${item.urgent ? ' URGENT' : ''}  ` +
        `${c.valueTier}/${c.lifecycle}${c.rfmSegment ? `/${c.rfmSegment}` : ''}  phone ${c.phone ?? '-'}`,
    );
    console.log(`    why: ${item.why}  [${item.reasons.map((r) => r.code).join(', ')}]`);
    console.log(
      `    offer: ${item.offer ? `${item.offer.title} — ${item.offer.description} [${item.offer.code}]` : '-'}`,
    );
    console.log(`    talk track (${item.personality}):`);
    for (const line of item.talkTrack.split('\n').filter((l) => l.trim())) console.log(`      ${line}`);
  }
}
