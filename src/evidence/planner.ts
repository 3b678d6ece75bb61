/**
 * The evidence planner: after the prefetch, ordered canonical queries while the call budget lasts. Optional
 * steps are only started while calls are left, so running out here leaves no gap (the prefetch's refusals do).
 * Order, most exact first:
 *   1. named trace ids not fetched yet (the prefetch takes the first three);
 *   2. logs carrying each request / correlation id (run ids were searched in the prefetch when run-first);
 *   3. service + env fallbacks when nothing tied to a trace was found: the symptom service's logs;
 *   4. weak text: the first weak term of the alert as a log search, only when no log was found at all.
 */
import { logQuery } from '../providers/queries.js';
import { TimeRange } from '../providers/time-range.js';
import { okItems, onEveryProvider, type InvestigationState } from './steps.js';

type PlannedStep = () => Promise<void>;

function hasCalls(st: InvestigationState): boolean {
  return st.access.callsLeft() > 0;
}

function planSteps(st: InvestigationState): PlannedStep[] {
  const { incident, baseline } = st.windows;
  const full = TimeRange.of(baseline.start, incident.end);
  const steps: PlannedStep[] = [];
  for (const traceId of st.envelope.exact.traceIds) {
    if (st.fetchedTraces.includes(traceId) || !st.access.has('traces')) continue;
    steps.push(async () => {
      for (const p of st.access.providers('traces')) {
        if (!hasCalls(st)) return;
        const r = await st.access.fetchTrace(p, traceId, full, `trace ${traceId} named by the alert`);
        if (r.status === 'ok') {
          st.evidence.addSpans(r.data);
          st.fetchedTraces.push(traceId);
          return;
        }
      }
    });
  }
  if (st.access.has('logs')) {
    for (const id of [...st.envelope.exact.requestIds, ...st.envelope.exact.correlationIds]) {
      steps.push(async () => {
        const q = logQuery(full, { text: id, order: 'time_asc', limit: st.rowsPerCall });
        const a = await onEveryProvider(
          st,
          'logs',
          (p) => st.access.fetchLogs(p, q, `logs carrying id ${id}`, { emptyIsAnswer: true }),
          { label: `logs carrying ${id}`, query: q },
        );
        st.evidence.addLogs(okItems(a));
      });
    }
  }
  if (st.access.has('logs')) {
    steps.push(async () => {
      if (st.fetchedTraces.length > 0 || st.evidence.counts().spans > 0 || !st.symptomService) return;
      const env = st.envelope.strong.env;
      const q = logQuery(full, {
        service: st.symptomService,
        ...(env ? { env } : {}),
        order: 'time_desc',
        limit: st.rowsPerCall,
      });
      const a = await onEveryProvider(
        st,
        'logs',
        (p) => st.access.fetchLogs(p, q, `logs of ${st.symptomService}${env ? ` in ${env}` : ''}`),
        { label: `logs of ${st.symptomService}`, query: q },
      );
      st.evidence.addLogs(okItems(a));
    });
    steps.push(async () => {
      const term = st.envelope.weak[0];
      if (!term || st.evidence.counts().logs > 0) return;
      const q = logQuery(full, { text: term, order: 'time_desc', limit: st.rowsPerCall });
      const a = await onEveryProvider(
        st,
        'logs',
        (p) => st.access.fetchLogs(p, q, `logs mentioning '${term}' (weak text)`, { emptyIsAnswer: true }),
        { label: `logs mentioning ${term}`, query: q },
      );
      st.evidence.addLogs(okItems(a));
    });
  }
  return steps;
}

/** Runs the planned steps in order while the call budget lasts. */
export async function expand(st: InvestigationState): Promise<void> {
  for (const step of planSteps(st)) {
    if (!hasCalls(st)) break;
    await step();
  }
}
