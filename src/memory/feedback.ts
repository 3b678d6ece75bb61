/**
 * Feedback on a reply ("Correct cause" / "Wrong cause" buttons, "the real cause was ..." typed in the thread),
 * stored with the incident so real incidents can become evaluation data (`flipturn feedback export --json`).
 *
 * Keys (on the memory's KeyValueBackend, Redis or in-process):
 *   <prefix>:<teamId>:incident:<incidentId>   the latest FeedbackRecord of the incident (set)
 *   <prefix>:log                              every FeedbackRecord in arrival order (list, newest LOG_MAX kept)
 * Records carry what an export needs (the alert, the predicted roles), so they outlive the incident memory's
 * TTL. Everything read back is parsed with zod; a record that does not parse is skipped and counted, never
 * trusted.
 */
import { z } from 'zod';
import type { Clock } from '../kernel/clock.js';
import type { IncidentMemory, KeyValueBackend } from './port.js';

export const FEEDBACK_VERDICTS = ['correct', 'wrong'] as const;
export type FeedbackVerdict = (typeof FEEDBACK_VERDICTS)[number];

const isoInstant = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/);

export const feedbackRecordSchema = z.object({
  schemaVersion: z.literal(1),
  teamId: z.string().min(1),
  incidentId: z.string().min(1),
  version: z.number().int().min(1),
  verdict: z.enum(FEEDBACK_VERDICTS),
  /** "the real cause was ..." as typed, and the service it names when it names a known one. */
  realCause: z.object({ text: z.string().max(4000), service: z.string().min(1).optional() }).optional(),
  user: z.string().max(100).optional(),
  at: isoInstant,
  alert: z.object({
    title: z.string().max(2000),
    incidentKey: z.string().min(1),
    firedAt: isoInstant,
    source: z.string().min(1),
    service: z.string().optional(),
    scenarioId: z.string().optional(),
  }),
  predicted: z.object({
    rootCause: z.array(z.string()),
    operation: z.string().optional(),
    propagation: z.array(z.string()),
    bottleneck: z.string().nullable(),
    symptom: z.string().min(1),
    verdict: z.enum(['confirmed', 'likely', 'inconclusive']),
    confidence: z.number().min(0).max(1),
  }),
});

export type FeedbackRecord = z.infer<typeof feedbackRecordSchema>;

/** The scenario format's expected.json (../shared/SCENARIO_FORMAT.md). */
export interface ExpectedLabel {
  readonly rootCause?: { readonly service: string; readonly operation?: string };
  readonly propagation?: readonly string[];
  readonly bottleneck?: string | null;
  readonly symptom: string;
  readonly abstain: boolean;
}

export interface LabelledIncident {
  readonly teamId: string;
  readonly incidentId: string;
  readonly title: string;
  readonly firedAt: string;
  readonly labelledAt: string;
  readonly feedback: FeedbackVerdict;
  readonly realCause?: string;
  readonly scenarioId?: string;
  readonly expected: ExpectedLabel;
}

export interface FeedbackExport {
  readonly incidents: readonly LabelledIncident[];
  /** Wrong-cause feedback that names no service yet: not a label until someone says what the cause was. */
  readonly unlabelled: readonly {
    readonly teamId: string;
    readonly incidentId: string;
    readonly title: string;
    readonly realCause?: string;
  }[];
  /** Stored records that did not parse (skipped). */
  readonly invalid: number;
}

const FEEDBACK_LOG_MAX = 100_000;
const DEFAULT_FEEDBACK_TTL_SECONDS = 400 * 24 * 3600;

/** A record for `mem`'s incident: the alert and the predicted roles it judges. */
export function feedbackRecord(
  mem: Pick<IncidentMemory, 'teamId' | 'incidentId' | 'version' | 'report' | 'signal'>,
  verdict: FeedbackVerdict,
  at: string,
  extra: { readonly user?: string; readonly realCause?: { readonly text: string; readonly service?: string } } = {},
): FeedbackRecord {
  const r = mem.report;
  const s = mem.signal;
  const root = r.rootCauseCandidates.find((c) => c.service === r.roles.rootCause[0]);
  return {
    schemaVersion: 1,
    teamId: mem.teamId,
    incidentId: mem.incidentId,
    version: mem.version,
    verdict,
    ...(extra.realCause
      ? {
          realCause: {
            text: extra.realCause.text,
            ...(extra.realCause.service ? { service: extra.realCause.service } : {}),
          },
        }
      : {}),
    ...(extra.user ? { user: extra.user } : {}),
    at,
    alert: {
      title: s.title,
      incidentKey: s.incidentKey,
      firedAt: s.firedAt,
      source: s.source,
      ...(s.service ? { service: s.service } : {}),
      ...(s.tags.scenario_id ? { scenarioId: s.tags.scenario_id } : {}),
    },
    predicted: {
      rootCause: r.verdict === 'inconclusive' ? [] : [...r.roles.rootCause],
      ...(root?.operation ? { operation: root.operation } : {}),
      propagation: [...r.roles.propagation],
      bottleneck: r.roles.bottleneck,
      symptom: r.roles.symptom,
      verdict: r.verdict,
      confidence: r.confidence,
    },
  };
}

export class FeedbackStore {
  private readonly ttlMs: number;

  constructor(
    private readonly kv: KeyValueBackend,
    private readonly clock: Clock,
    private readonly options: { readonly prefix?: string; readonly ttlSeconds?: number } = {},
  ) {
    this.ttlMs = (options.ttlSeconds ?? DEFAULT_FEEDBACK_TTL_SECONDS) * 1000;
  }

  private get prefix(): string {
    return this.options.prefix ?? 'flipturn:feedback';
  }

  private incidentKey(teamId: string, incidentId: string): string {
    return `${this.prefix}:${encodeURIComponent(teamId)}:incident:${encodeURIComponent(incidentId)}`;
  }

  /** Stores the record as the incident's latest feedback and appends it to the log. */
  async record(rec: FeedbackRecord): Promise<void> {
    const value = JSON.stringify(feedbackRecordSchema.parse(rec));
    await this.kv.set(this.incidentKey(rec.teamId, rec.incidentId), value, this.ttlMs);
    await this.kv.push(`${this.prefix}:log`, value, this.ttlMs, FEEDBACK_LOG_MAX);
  }

  /** The incident's latest feedback, when there is one that parses. */
  async latest(teamId: string, incidentId: string): Promise<FeedbackRecord | undefined> {
    const raw = await this.kv.get(this.incidentKey(teamId, incidentId));
    return raw === undefined ? undefined : parseRecord(raw);
  }

  /** Every stored record, oldest first, and how many did not parse. */
  async all(): Promise<{ records: FeedbackRecord[]; invalid: number }> {
    const raw = await this.kv.range(`${this.prefix}:log`, FEEDBACK_LOG_MAX);
    const records: FeedbackRecord[] = [];
    let invalid = 0;
    for (const r of raw) {
      const rec = parseRecord(r);
      if (rec) records.push(rec);
      else invalid += 1;
    }
    return { records, invalid };
  }

  /** `now` for records (the store's clock). */
  nowIso(): string {
    return new Date(this.clock.nowMs()).toISOString();
  }
}

function parseRecord(raw: string): FeedbackRecord | undefined {
  try {
    const r = feedbackRecordSchema.safeParse(JSON.parse(raw));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The labelled incidents, one per incident (its latest feedback wins; a later "the real cause was X" completes an
 * earlier "Wrong cause"), in the scenario format's expected.json shape, sorted by team and incident.
 *   correct: the predicted roles are the label (root cause with its operation, propagation, bottleneck, symptom).
 *   wrong + a named service: that service is the root cause; the symptom stays; other roles are not labelled.
 *   wrong without a service: left unlabelled (reported apart).
 */
export function exportFeedback(records: readonly FeedbackRecord[], invalid = 0): FeedbackExport {
  const latest = new Map<string, FeedbackRecord>();
  const cause = new Map<string, FeedbackRecord['realCause']>();
  for (const r of records) {
    const key = `${r.teamId}\u0000${r.incidentId}`;
    latest.set(key, r);
    if (r.realCause) cause.set(key, r.realCause);
  }
  const incidents: LabelledIncident[] = [];
  const unlabelled: FeedbackExport['unlabelled'][number][] = [];
  for (const key of [...latest.keys()].sort()) {
    const r = latest.get(key) as FeedbackRecord;
    const real = r.verdict === 'wrong' ? (r.realCause ?? cause.get(key)) : undefined;
    const base = {
      teamId: r.teamId,
      incidentId: r.incidentId,
      title: r.alert.title,
      firedAt: r.alert.firedAt,
      labelledAt: r.at,
      feedback: r.verdict,
      ...(r.alert.scenarioId ? { scenarioId: r.alert.scenarioId } : {}),
    };
    if (r.verdict === 'correct') {
      const p = r.predicted;
      const expected: ExpectedLabel =
        p.rootCause[0] === undefined
          ? { symptom: p.symptom, abstain: true }
          : {
              rootCause: { service: p.rootCause[0], ...(p.operation ? { operation: p.operation } : {}) },
              propagation: p.propagation,
              bottleneck: p.bottleneck,
              symptom: p.symptom,
              abstain: false,
            };
      incidents.push({ ...base, expected });
    } else if (real?.service) {
      incidents.push({
        ...base,
        realCause: real.text,
        expected: { rootCause: { service: real.service }, symptom: r.predicted.symptom, abstain: false },
      });
    } else {
      unlabelled.push({
        teamId: r.teamId,
        incidentId: r.incidentId,
        title: r.alert.title,
        ...(real ? { realCause: real.text } : {}),
      });
    }
  }
  return { incidents, unlabelled, invalid };
}
