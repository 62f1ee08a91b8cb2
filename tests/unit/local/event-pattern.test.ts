import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { matchesPattern } from '../../../local/event-pattern';
import { alarmEvent as cloudWatchAlarmEvent } from '../../helpers/events';

const root = path.resolve(__dirname, '../../..');

const alarmEvent = cloudWatchAlarmEvent();

const ec2Event = {
  version: '0',
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2026-01-02T03:04:05Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
  detail: { 'instance-id': 'i-abcd1111', state: 'pending' },
};

describe('matchesPattern with the alarm rule from serverless.yml', () => {
  // As serverless.yml writes it (the sandbox reads the packaged rule, which `sls package` copies from there).
  const serverless = parse(readFileSync(path.join(root, 'serverless.yml'), 'utf8'));
  // `functions:` lists the function table's item, then the object that holds the functions' events.
  const { alarmStateChange } = serverless.functions.find(
    (item: { alarmStateChange?: unknown }) => item.alarmStateChange,
  );
  const alarmRule = alarmStateChange.events.find((e: { eventBridge?: unknown }) => e.eventBridge).eventBridge.pattern;

  it.each([
    { what: 'a CloudWatch alarm state change', event: alarmEvent, matches: true },
    { what: 'an EC2 state change', event: ec2Event, matches: false },
    { what: 'an alarm event from another source', event: { ...alarmEvent, source: 'custom.app' }, matches: false },
    {
      what: 'a CloudWatch event of another type',
      event: { ...alarmEvent, 'detail-type': 'CloudWatch Alarm Configuration Change' },
      matches: false,
    },
  ])('$what → $matches', ({ event, matches }) => {
    // Act / Assess
    expect(matchesPattern(alarmRule, event)).toBe(matches);
  });
});

describe('matchesPattern', () => {
  it.each([
    // pattern, event, expected
    {
      what: 'exact value in a list',
      pattern: { source: ['aws.ec2', 'aws.cloudwatch'] },
      event: alarmEvent,
      matches: true,
    },
    { what: 'no value in the list', pattern: { source: ['aws.ec2', 'aws.s3'] }, event: alarmEvent, matches: false },
    { what: 'prefix', pattern: { 'detail-type': [{ prefix: 'CloudWatch Alarm' }] }, event: alarmEvent, matches: true },
    { what: 'prefix not matching', pattern: { 'detail-type': [{ prefix: 'EC2' }] }, event: alarmEvent, matches: false },
    {
      what: 'prefix on a non-string',
      pattern: { detail: { state: [{ prefix: 'A' }] } },
      event: alarmEvent,
      matches: false,
    },
    {
      what: 'anything-but a list (value outside)',
      pattern: { detail: { state: { value: [{ 'anything-but': ['OK', 'INSUFFICIENT_DATA'] }] } } },
      event: alarmEvent,
      matches: true,
    },
    {
      what: 'anything-but a list (value inside)',
      pattern: { detail: { previousState: { value: [{ 'anything-but': ['OK'] }] } } },
      event: alarmEvent,
      matches: false,
    },
    {
      what: 'anything-but a single value',
      pattern: { source: [{ 'anything-but': 'aws.ec2' }] },
      event: alarmEvent,
      matches: true,
    },
    {
      what: 'anything-but on a missing field',
      pattern: { detail: { missing: [{ 'anything-but': 'x' }] } },
      event: alarmEvent,
      matches: false,
    },
    {
      what: 'nested detail exact',
      pattern: { detail: { alarmName: ['web-5xx-rate'], state: { value: ['ALARM'] } } },
      event: alarmEvent,
      matches: true,
    },
    {
      what: 'nested detail mismatch',
      pattern: { detail: { state: { value: ['OK'] } } },
      event: alarmEvent,
      matches: false,
    },
    {
      what: 'nested object where the event has none',
      pattern: { detail: { nothing: { deeper: ['x'] } } },
      event: alarmEvent,
      matches: false,
    },
    {
      what: 'array field: any element matches',
      pattern: { resources: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-5xx-rate'] },
      event: alarmEvent,
      matches: true,
    },
    {
      what: 'array field: no element matches',
      pattern: { resources: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:other'] },
      event: alarmEvent,
      matches: false,
    },
    {
      what: 'exists: true on a present field',
      pattern: { detail: { previousState: [{ exists: true }] } },
      event: alarmEvent,
      matches: true,
    },
    {
      what: 'exists: false on a present field',
      pattern: { detail: { previousState: [{ exists: false }] } },
      event: alarmEvent,
      matches: false,
    },
    {
      what: 'exists: false on a missing field',
      pattern: { detail: { missing: [{ exists: false }] } },
      event: alarmEvent,
      matches: true,
    },
    { what: 'empty pattern', pattern: {}, event: alarmEvent, matches: true },
  ])('$what → $matches', ({ pattern, event, matches }) => {
    // Act / Assess
    expect(matchesPattern(pattern, event)).toBe(matches);
  });

  it.each([null, undefined, 'event', 42])('never matches a non-object event (%p)', (event) => {
    // Act / Assess
    expect(matchesPattern({ source: ['aws.cloudwatch'] }, event)).toBe(false);
  });

  it.each([
    { what: 'a bare string value', pattern: { source: 'aws.cloudwatch' } },
    { what: 'numeric matching', pattern: { detail: { count: [{ numeric: ['>', 0] }] } } },
  ])('throws on an unsupported pattern ($what) rather than silently never matching', ({ pattern }) => {
    // Act / Assess
    expect(() => matchesPattern(pattern, { source: 'aws.cloudwatch', detail: { count: 1 } })).toThrow(/event pattern/);
  });
});
