/**
 * `flipturn feedback export [--json] [--out FILE]`: the incidents people labelled with the reply's feedback
 * buttons ("Correct cause", "Wrong cause" + "the real cause was <service>"), in the scenario format's
 * expected.json shape (../shared/SCENARIO_FORMAT.md), so real feedback can become evaluation data: pair each
 * label with the incident's telemetry (exported as a scenario folder) and `flipturn eval` scores it.
 *
 * Feedback lives with the incidents in Redis (REDIS_URL): the in-process memory of `flipturn start` without Redis
 * ends with its process, so this command needs REDIS_URL.
 */
import { writeFile } from 'node:fs/promises';
import { FlipturnError } from '../../kernel/errors.js';
import { exportFeedback, FeedbackStore } from '../../memory/feedback.js';
import { RedisKeyValue } from '../../memory/redis.js';
import { EXIT, type CommandSpec } from '../command.js';

export const feedbackExportCommand: CommandSpec = {
  name: 'feedback export',
  summary: 'Export the incidents labelled with the reply buttons, as expected.json labels for evaluation.',
  usage: '[--json] [--out FILE]',
  description:
    'Reads every stored feedback record (zod-checked; records that do not parse are counted and skipped) and keeps the ' +
    'latest per incident. "Correct cause" labels the analysis as it was (root cause with its operation, propagation, ' +
    'bottleneck, symptom); "Wrong cause" with "the real cause was <service>" labels that service as the root cause; a ' +
    'wrong cause without a named service is listed as unlabelled. --json prints {incidents, unlabelled, invalid}; ' +
    '--out writes the same JSON to a file. Needs REDIS_URL (where the service keeps feedback).',
  examples: [
    'REDIS_URL=redis://127.0.0.1:6379 flipturn feedback export --json',
    'flipturn feedback export --out labels.json',
  ],
  needsConfig: true,
  options: {
    json: { type: 'boolean', default: false, description: 'Print {incidents, unlabelled, invalid} as JSON.' },
    out: { type: 'string', valueName: 'FILE', description: 'Also write the JSON to FILE.' },
  },
  async run(ctx, args) {
    const url = ctx.config?.REDIS_URL;
    if (!url)
      throw new FlipturnError(
        'FT_CONFIG_INVALID',
        'feedback export needs REDIS_URL: feedback is stored with the incidents in Redis',
      );
    const kv = new RedisKeyValue({ url, logger: ctx.logger });
    try {
      if (!(await kv.waitReady(5000)))
        throw new FlipturnError('FT_MEMORY_UNAVAILABLE', 'Redis at REDIS_URL did not answer within 5 s');
      const { records, invalid } = await new FeedbackStore(kv, ctx.clock).all();
      const out = exportFeedback(records, invalid);
      const json = `${JSON.stringify(out, null, 2)}\n`;
      const file = typeof args.values.out === 'string' ? args.values.out : undefined;
      if (file) await writeFile(file, json);
      if (args.values.json === true) ctx.stdout.write(json);
      else {
        ctx.stdout.write(
          `${out.incidents.length} labelled incident(s), ${out.unlabelled.length} unlabelled, ${invalid} unreadable record(s)${file ? `; written to ${file}` : ''}\n`,
        );
        for (const i of out.incidents)
          ctx.stdout.write(
            `  ${i.incidentId}  ${i.feedback.padEnd(7)}  root cause ${i.expected.rootCause?.service ?? '(abstain)'}  ${i.title}\n`,
          );
      }
      return EXIT.ok;
    } finally {
      await kv.close();
    }
  },
};
