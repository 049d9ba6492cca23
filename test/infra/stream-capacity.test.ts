import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { CfnAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { idleCostPerMonth } from '../../bench/cost-model';
import { PROJECT_ROOT } from '../../lib/project-paths';
import { afterEach, describe, expect, it } from 'vitest';
import { STREAM_MODE_CONTEXT, STREAM_SHARDS_CONTEXT } from '../../lib/stream-capacity';
import { synthesizeTributary, type SynthesizedTributary } from './synthesized-app';

interface Resource {
  readonly Properties: Record<string, unknown>;
}

describe('ingest stream capacity', () => {
  let disposables: SynthesizedTributary[] = [];
  afterEach(() => {
    for (const disposable of disposables) disposable.dispose();
    disposables = [];
  });
  /** The stream and the consumer's event source mapping, as `cdk synth -c …` would deploy them. */
  const deployed = (context: Record<string, unknown> = {}) => {
    const tributary = synthesizeTributary({ nag: false, context });
    disposables.push(tributary);
    const [stream] = Object.values(tributary.storageTemplate.findResources('AWS::Kinesis::Stream')) as [
      Resource,
    ];
    const [mapping] = Object.values(
      Template.fromStack(tributary.streaming).findResources('AWS::Lambda::EventSourceMapping'),
    ) as [Resource];
    return { stream: stream.Properties, mapping: mapping.Properties };
  };

  it('deploys one provisioned shard by default, keeping records the 24 hours its price includes', () => {
    // Act
    const { stream, mapping } = deployed();

    // Assess
    expect(stream).toMatchObject({
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      ShardCount: 1,
      RetentionPeriodHours: 24,
    });
    // The consumer gives records to the on-failure destination well before the stream expires them.
    expect(mapping['MaximumRecordAgeInSeconds']).toBe(12 * 3600);
  });

  it('deploys an on-demand stream with -c streamMode=on-demand, keeping records a week', () => {
    // Act
    const { stream, mapping } = deployed({ [STREAM_MODE_CONTEXT]: 'on-demand' });

    // Assess
    expect(stream).toMatchObject({
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      RetentionPeriodHours: 168,
    });
    expect(stream['ShardCount']).toBeUndefined();
    expect(mapping['MaximumRecordAgeInSeconds']).toBe(24 * 3600);
  });

  it('deploys the shards -c streamShards asks for', () => {
    // Act
    const { stream } = deployed({ [STREAM_SHARDS_CONTEXT]: '3' });

    // Assess
    expect(stream).toMatchObject({ StreamModeDetails: { StreamMode: 'PROVISIONED' }, ShardCount: 3 });
  });

  it('keeps every consumer maximum record age below its stream retention', () => {
    for (const context of [{}, { [STREAM_MODE_CONTEXT]: 'on-demand' }]) {
      // Act
      const { stream, mapping } = deployed(context);

      // Assess
      expect(mapping['MaximumRecordAgeInSeconds'] as number).toBeLessThan(
        (stream['RetentionPeriodHours'] as number) * 3600,
      );
    }
  });

  it('refuses an unknown mode, a shard count that is not a whole number from 1, and shards with on-demand', () => {
    for (const context of [
      { [STREAM_MODE_CONTEXT]: 'ondemand' },
      { [STREAM_SHARDS_CONTEXT]: '0' },
      { [STREAM_SHARDS_CONTEXT]: '1.5' },
      { [STREAM_MODE_CONTEXT]: 'on-demand', [STREAM_SHARDS_CONTEXT]: '2' },
    ])
      expect(() => deployed(context), JSON.stringify(context)).toThrow(/context stream/);
  });

  it('prints in docs/infrastructure.md the idle cost of both modes, from the alarms and WAF rules the app deploys', () => {
    // Prepare
    const tributary = synthesizeTributary({ nag: false });
    disposables.push(tributary);
    const alarms = tributary.app.node.findAll().filter((construct) => construct instanceof CfnAlarm);
    const [webAcl] = Object.values(tributary.apiTemplate.findResources('AWS::WAFv2::WebACL')) as [Resource];
    const docs = readFileSync(path.join(PROJECT_ROOT, 'docs/infrastructure.md'), 'utf8');

    // Act
    const totals = (['provisioned', 'on-demand'] as const).map((streamMode) =>
      idleCostPerMonth({
        streamMode,
        shards: 1,
        wafRules: (webAcl.Properties['Rules'] as unknown[]).length,
        alarms: alarms.length,
      }).reduce((sum, line) => sum + line.dollars, 0),
    );

    // Assess
    expect(alarms.length).toBeGreaterThanOrEqual(10);
    for (const total of totals) expect(docs).toContain(`**$${total.toFixed(2)}**`);
  });
});
