/**
 * SlackDelivery with Flipturn's own observation: every deliver() counts its outcome (posted, deduplicated,
 * failed) and runs in a `flipturn.slack.post` span. A delivery another worker is posting right now
 * (FT_SLACK_DELIVERY_IN_PROGRESS) is neither: it is retried later and counted then.
 */
import { SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { isFlipturnError } from '../kernel/errors.js';
import {
  SlackDelivery,
  type DeliveryResult,
  type DeliveryTarget,
  type SlackDeliveryOptions,
} from '../slack/delivery.js';
import type { SlackMessage } from '../slack/render.js';
import type { SlackOutcome } from './metrics.js';

export class ObservedSlackDelivery extends SlackDelivery {
  constructor(
    options: SlackDeliveryOptions,
    private readonly count: (outcome: SlackOutcome) => void,
    private readonly tracer: Tracer = trace.getTracer('flipturn'),
  ) {
    super(options);
  }

  override deliver(key: string, target: DeliveryTarget, messages: readonly SlackMessage[]): Promise<DeliveryResult> {
    const kind = key.split(':')[0] ?? 'reply';
    return this.tracer.startActiveSpan(
      'flipturn.slack.post',
      {
        attributes: {
          'flipturn.delivery.kind': kind,
          'slack.channel': target.channel,
          'flipturn.slack.parts': messages.length,
        },
      },
      async (span) => {
        try {
          const r = await super.deliver(key, target, messages);
          this.count(r.status === 'posted' ? 'posted' : 'deduplicated');
          span.setAttributes({ 'flipturn.delivery.status': r.status, 'slack.thread_ts': r.threadTs });
          return r;
        } catch (e) {
          if (!isFlipturnError(e, 'FT_SLACK_DELIVERY_IN_PROGRESS')) this.count('failed');
          span.setStatus({ code: SpanStatusCode.ERROR, message: isFlipturnError(e) ? e.code : 'error' });
          throw e;
        } finally {
          span.end();
        }
      },
    );
  }
}
