import { describe, expect, it } from 'vitest';
import type { StackTemplate } from '../../local/template/cloudformation';
import { TemplateResolver } from '../../local/template/intrinsics';
import { generatedName } from '../../local/template/physical-names';

const storage: StackTemplate = {
  stackName: 'Tributary-Storage',
  template: {
    Conditions: { IsUsEast1: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] } },
    Resources: {
      CatalogTable: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'catalog' } },
      LakeBucketB6E0F4A1: { Type: 'AWS::S3::Bucket', Properties: {} },
      IngestStream: {
        Type: 'AWS::Kinesis::Stream',
        Properties: { Name: { 'Fn::Join': ['-', ['ingest', { Ref: 'AWS::Region' }]] } },
      },
      DataKey: { Type: 'AWS::KMS::Key', Properties: {} },
    },
    Outputs: {
      ExportLake: { Value: { Ref: 'LakeBucketB6E0F4A1' }, Export: { Name: 'Tributary-Storage:Lake' } },
      ExportStreamArn: {
        Value: { 'Fn::GetAtt': ['IngestStream', 'Arn'] },
        Export: { Name: 'Tributary-Storage:StreamArn' },
      },
    },
  },
};

const api: StackTemplate = {
  stackName: 'Tributary-Api',
  template: {
    Resources: {
      Fn: { Type: 'AWS::Lambda::Function', Properties: {} },
      Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { StateMachineName: 'ingest-batch' } },
      Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'tributary-dataflows' } },
      Schedule: { Type: 'AWS::Scheduler::Schedule', Properties: { GroupName: 'tributary' } },
    },
  },
};

const resolver = new TemplateResolver([storage, api]);
const resolve = (value: unknown, stack = 'Tributary-Api'): unknown => resolver.resolve(stack, value);

describe('the intrinsic function resolver', () => {
  it('names event buses and schedules as EventBridge and Scheduler do', () => {
    // Act & Assess
    expect(resolve({ Ref: 'Bus' })).toBe('tributary-dataflows');
    expect(resolve({ 'Fn::GetAtt': ['Bus', 'Arn'] })).toBe(
      'arn:aws:events:us-east-1:000000000000:event-bus/tributary-dataflows',
    );
    expect(resolve({ 'Fn::GetAtt': ['Bus', 'Name'] })).toBe('tributary-dataflows');
    expect(resolve({ 'Fn::GetAtt': ['Schedule', 'Arn'] })).toBe(
      'arn:aws:scheduler:us-east-1:000000000000:schedule/tributary/tributary-api-schedule',
    );
  });

  it('resolves Ref to explicit names, generated names, ids and pseudo parameters', () => {
    // Act & Assess
    expect(resolve({ Ref: 'CatalogTable' }, 'Tributary-Storage')).toBe('catalog');
    expect(resolve({ Ref: 'LakeBucketB6E0F4A1' }, 'Tributary-Storage')).toBe(
      'tributary-storage-lakebucketb6e0f4a1',
    );
    expect(resolve({ Ref: 'IngestStream' }, 'Tributary-Storage')).toBe('ingest-us-east-1');
    expect(resolve({ Ref: 'DataKey' }, 'Tributary-Storage')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(resolve({ Ref: 'Machine' })).toBe(
      'arn:aws:states:us-east-1:000000000000:stateMachine:ingest-batch',
    );
    expect(
      resolve([
        { Ref: 'AWS::Region' },
        { Ref: 'AWS::AccountId' },
        { Ref: 'AWS::Partition' },
        { Ref: 'AWS::URLSuffix' },
        { Ref: 'AWS::StackName' },
      ]),
    ).toEqual(['us-east-1', '000000000000', 'aws', 'amazonaws.com', 'Tributary-Api']);
  });

  it('resolves Fn::GetAtt to well-formed ARNs', () => {
    // Act & Assess
    expect(resolve({ 'Fn::GetAtt': ['CatalogTable', 'Arn'] }, 'Tributary-Storage')).toBe(
      'arn:aws:dynamodb:us-east-1:000000000000:table/catalog',
    );
    expect(resolve({ 'Fn::GetAtt': ['CatalogTable', 'StreamArn'] }, 'Tributary-Storage')).toMatch(
      /^arn:aws:dynamodb:us-east-1:000000000000:table\/catalog\/stream\//,
    );
    expect(resolve({ 'Fn::GetAtt': 'LakeBucketB6E0F4A1.Arn' }, 'Tributary-Storage')).toBe(
      'arn:aws:s3:::tributary-storage-lakebucketb6e0f4a1',
    );
    expect(resolve({ 'Fn::GetAtt': ['Fn', 'Arn'] })).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:tributary-api-fn',
    );
  });

  it('resolves Join, Sub, Select, Split, If and ImportValue', () => {
    // Act & Assess
    expect(resolve({ 'Fn::Sub': 'arn:${AWS::Partition}:x:${Fn.Arn}/${!Literal}' })).toBe(
      'arn:aws:x:arn:aws:lambda:us-east-1:000000000000:function:tributary-api-fn/${Literal}',
    );
    expect(resolve({ 'Fn::Sub': ['${A}-${B}', { A: 'a', B: { Ref: 'AWS::Region' } }] })).toBe('a-us-east-1');
    expect(resolve({ 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b,c'] }] })).toBe('b');
    expect(resolve({ 'Fn::If': ['IsUsEast1', 'yes', 'no'] }, 'Tributary-Storage')).toBe('yes');
    expect(resolve({ 'Fn::ImportValue': 'Tributary-Storage:Lake' })).toBe(
      'tributary-storage-lakebucketb6e0f4a1',
    );
    expect(resolve({ 'Fn::ImportValue': 'Tributary-Storage:StreamArn' })).toBe(
      'arn:aws:kinesis:us-east-1:000000000000:stream/ingest-us-east-1',
    );
    expect(resolve({ a: [1, { Ref: 'AWS::NoValue' }], b: { Ref: 'AWS::NoValue' } })).toEqual({ a: [1] });
  });

  it('names an unknown intrinsic or resource in its error', () => {
    // Act & Assess
    expect(() => resolve({ 'Fn::Cidr': ['10.0.0.0/16', 2, 8] })).toThrow(/Fn::Cidr/);
    expect(() => resolve({ Ref: 'Missing' })).toThrow(/no resource Missing/);
    expect(() => resolve({ 'Fn::ImportValue': 'nobody' })).toThrow(/no stack exports nobody/);
  });

  it('generates valid, deterministic bucket names even for long ids', () => {
    // Act
    const name = generatedName(
      'AWS::S3::Bucket',
      'Tributary-Storage-With-A-Very-Long-Name',
      'QuarantineBucketWithAnEvenLongerLogicalId0123456789',
    );

    // Assess
    expect(name).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
    expect(name).toBe(
      generatedName(
        'AWS::S3::Bucket',
        'Tributary-Storage-With-A-Very-Long-Name',
        'QuarantineBucketWithAnEvenLongerLogicalId0123456789',
      ),
    );
  });
});
