import { z } from 'zod';
import { parseWith } from '../../kernel/parse';
import type { AlarmChange, AlarmState } from '../../rollouts/domain/analysis';

// The domain owns the type; re-exported for the modules that still import it from here.
export type { AlarmState } from '../../rollouts/domain/analysis';

/** A "CloudWatch Alarm State Change" event; `time` is when the alarm entered `state`. */
export interface AlarmStateChange extends AlarmChange {
  previousState?: AlarmState;
  reason?: string;
}

const alarmStateSchema = z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']);

/** The parts of CloudWatch's EventBridge event we use; other fields are allowed and ignored. */
const alarmEventSchema = z.object({
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  source: z.literal('aws.cloudwatch'),
  time: z.string().optional(),
  detail: z.object({
    alarmName: z.string().min(1),
    state: z.object({ value: alarmStateSchema, reason: z.string().optional(), timestamp: z.string().optional() }),
    previousState: z.object({ value: alarmStateSchema }).optional(),
  }),
});

export function parseAlarmStateChange(event: unknown): AlarmStateChange {
  const parsed = parseWith(alarmEventSchema, event, 'alarm event');
  return {
    alarmName: parsed.detail.alarmName,
    state: parsed.detail.state.value,
    previousState: parsed.detail.previousState?.value,
    reason: parsed.detail.state.reason,
    time: parsed.detail.state.timestamp ?? parsed.time ?? new Date().toISOString(),
  };
}
