/**
 * Resolves CloudFormation intrinsic functions in a synthesized template the way CloudFormation would at deploy
 * time, with fake but well-formed ARNs in the local account, so that function environments, event source
 * mappings, notification targets and state machine substitutions all name the locally created resources.
 */
import { LOCAL_REGION } from '../emulators';
import {
  LOCAL_ACCOUNT,
  LOCAL_PARTITION,
  LOCAL_URL_SUFFIX,
  type CfnResource,
  type CfnTemplate,
  type StackTemplate,
} from './cloudformation';
import { generatedId, generatedName, NAME_PROPERTIES } from './physical-names';

/** `Ref: AWS::NoValue` removes the property or list element that holds it. */
const NO_VALUE = Symbol('AWS::NoValue');

const REST_API_ID_LENGTH = 10;
/** Secrets Manager ends a secret's ARN with a hyphen and six random characters after its name. */
const SECRET_ARN_SUFFIX_LENGTH = 6;
const API_CHILD_ID_LENGTH = 6;

/** Types whose Ref is their ARN rather than their name. */
const REF_IS_ARN = new Set([
  'AWS::StepFunctions::StateMachine',
  'AWS::SNS::Topic',
  'AWS::SecretsManager::Secret',
  'AWS::IAM::ManagedPolicy',
]);

/** Types whose Ref is a generated id (API Gateway's ids, KMS key ids). */
const REF_IS_ID: Readonly<Record<string, number>> = {
  'AWS::ApiGateway::RestApi': REST_API_ID_LENGTH,
  'AWS::ApiGateway::Resource': API_CHILD_ID_LENGTH,
  'AWS::ApiGateway::Authorizer': API_CHILD_ID_LENGTH,
  'AWS::ApiGateway::Deployment': API_CHILD_ID_LENGTH,
  'AWS::ApiGateway::Method': API_CHILD_ID_LENGTH,
  'AWS::ApiGateway::GatewayResponse': API_CHILD_ID_LENGTH,
};

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

interface ExportedValue {
  readonly stackName: string;
  readonly value: unknown;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export class TemplateResolver {
  readonly region = LOCAL_REGION;
  readonly account = LOCAL_ACCOUNT;
  private readonly templates = new Map<string, CfnTemplate>();
  private exportsByName: Map<string, ExportedValue> | undefined;

  constructor(readonly stacks: readonly StackTemplate[]) {
    for (const { stackName, template } of stacks) this.templates.set(stackName, template);
  }

  /** The template value with every intrinsic function replaced by its value. */
  resolve(stackName: string, value: unknown): unknown {
    const resolved = this.resolveValue(stackName, value);
    return resolved === NO_VALUE ? undefined : resolved;
  }

  resolveString(stackName: string, value: unknown, what: string): string {
    const resolved = this.resolve(stackName, value);
    if (typeof resolved === 'string') return resolved;
    if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
    throw new TemplateError(
      `${stackName}: ${what} does not resolve to a string: ${JSON.stringify(resolved)}`,
    );
  }

  resource(stackName: string, logicalId: string): CfnResource {
    const resource = this.template(stackName).Resources?.[logicalId];
    if (!resource) throw new TemplateError(`${stackName}: no resource ${logicalId}`);
    return resource;
  }

  /** The resource's name: its explicit name property, else a deterministic generated one. */
  physicalName(stackName: string, logicalId: string): string {
    const resource = this.resource(stackName, logicalId);
    const nameProperty = NAME_PROPERTIES[resource.Type];
    const explicit = nameProperty === undefined ? undefined : resource.Properties?.[nameProperty];
    if (explicit !== undefined)
      return this.resolveString(stackName, explicit, `${logicalId}.${nameProperty}`);
    return generatedName(resource.Type, stackName, logicalId);
  }

  ref(stackName: string, logicalId: string): unknown {
    const pseudo = this.pseudoParameter(stackName, logicalId);
    if (pseudo !== undefined) return pseudo;
    const parameter = this.template(stackName).Parameters?.[logicalId];
    if (parameter) return parameter.Default;
    const resource = this.resource(stackName, logicalId);
    if (REF_IS_ARN.has(resource.Type)) return this.getAtt(stackName, logicalId, 'Arn');
    const idLength = REF_IS_ID[resource.Type];
    if (idLength !== undefined) return generatedId(`${stackName}/${logicalId}`, idLength);
    if (resource.Type === 'AWS::KMS::Key') return this.kmsKeyId(stackName, logicalId);
    if (resource.Type === 'AWS::SQS::Queue') return this.getAtt(stackName, logicalId, 'QueueUrl');
    return this.physicalName(stackName, logicalId);
  }

  getAtt(stackName: string, logicalId: string, attribute: string): unknown {
    const { Type: type } = this.resource(stackName, logicalId);
    const name = this.physicalName(stackName, logicalId);
    const regional = `${this.region}:${this.account}`;
    const arn = (service: string, rest: string, scope = regional): string =>
      `arn:${LOCAL_PARTITION}:${service}:${scope}:${rest}`;
    switch (`${type}.${attribute}`) {
      case 'AWS::DynamoDB::Table.Arn':
      case 'AWS::DynamoDB::GlobalTable.Arn':
        return arn('dynamodb', `table/${name}`);
      case 'AWS::DynamoDB::Table.StreamArn':
      case 'AWS::DynamoDB::GlobalTable.StreamArn':
        return arn('dynamodb', `table/${name}/stream/1970-01-01T00:00:00.000`);
      case 'AWS::S3::Bucket.Arn':
        return arn('s3', name, ':');
      case 'AWS::S3::Bucket.DomainName':
        return `${name}.s3.${LOCAL_URL_SUFFIX}`;
      case 'AWS::S3::Bucket.RegionalDomainName':
        return `${name}.s3.${this.region}.${LOCAL_URL_SUFFIX}`;
      case 'AWS::S3::Bucket.WebsiteURL':
        return `http://${name}.s3-website-${this.region}.${LOCAL_URL_SUFFIX}`;
      case 'AWS::Kinesis::Stream.Arn':
        return arn('kinesis', `stream/${name}`);
      case 'AWS::Lambda::Function.Arn':
        return arn('lambda', `function:${name}`);
      case 'AWS::IAM::Role.Arn':
        return arn('iam', `role/${name}`, `:${this.account}`);
      case 'AWS::KMS::Key.Arn':
        return arn('kms', `key/${this.kmsKeyId(stackName, logicalId)}`);
      case 'AWS::KMS::Key.KeyId':
        return this.kmsKeyId(stackName, logicalId);
      case 'AWS::SQS::Queue.Arn':
        return arn('sqs', name);
      case 'AWS::SQS::Queue.QueueName':
        return name;
      case 'AWS::SQS::Queue.QueueUrl':
        return `https://sqs.${this.region}.${LOCAL_URL_SUFFIX}/${this.account}/${name}`;
      case 'AWS::SNS::Topic.TopicArn':
      case 'AWS::SNS::Topic.Arn':
        return arn('sns', name);
      case 'AWS::StepFunctions::StateMachine.Arn':
        return arn('states', `stateMachine:${name}`);
      case 'AWS::StepFunctions::StateMachine.Name':
        return name;
      case 'AWS::Events::EventBus.Arn':
        return arn('events', `event-bus/${name}`);
      case 'AWS::Events::EventBus.Name':
        return name;
      case 'AWS::Scheduler::Schedule.Arn':
        return arn('scheduler', `schedule/${this.scheduleGroup(stackName, logicalId)}/${name}`);
      case 'AWS::SecretsManager::Secret.Arn':
        // The suffix is derived from the resource, so a restart names the same secret (and keeps its value).
        return arn(
          'secretsmanager',
          `secret:${name}-${generatedId(`${stackName}/${logicalId}/secret`, SECRET_ARN_SUFFIX_LENGTH)}`,
        );
      case 'AWS::Logs::LogGroup.Arn':
        return arn('logs', `log-group:${name}:*`);
      case 'AWS::ApiGateway::RestApi.RootResourceId':
        return generatedId(`${stackName}/${logicalId}/root`, API_CHILD_ID_LENGTH);
      default:
        if (attribute === 'Arn') return arn(serviceOf(type), `${type.split('::')[2]?.toLowerCase()}/${name}`);
        return `${name}.${attribute}`;
    }
  }

  /** Evaluates a named condition of the stack's Conditions section. */
  condition(stackName: string, name: string): boolean {
    const expression = this.template(stackName).Conditions?.[name];
    if (expression === undefined) throw new TemplateError(`${stackName}: no condition ${name}`);
    return this.resolve(stackName, expression) === true;
  }

  /** The group a schedule belongs to: its GroupName, else Scheduler's `default` group. */
  scheduleGroup(stackName: string, logicalId: string): string {
    const group = this.resource(stackName, logicalId).Properties?.['GroupName'];
    return group === undefined ? 'default' : this.resolveString(stackName, group, `${logicalId}.GroupName`);
  }

  private template(stackName: string): CfnTemplate {
    const template = this.templates.get(stackName);
    if (!template) throw new TemplateError(`no stack ${stackName}`);
    return template;
  }

  private kmsKeyId(stackName: string, logicalId: string): string {
    const hex = generatedId(`${stackName}/${logicalId}/key`, 32);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  private pseudoParameter(stackName: string, name: string): unknown {
    switch (name) {
      case 'AWS::Region':
        return this.region;
      case 'AWS::AccountId':
        return this.account;
      case 'AWS::Partition':
        return LOCAL_PARTITION;
      case 'AWS::URLSuffix':
        return LOCAL_URL_SUFFIX;
      case 'AWS::StackName':
        return stackName;
      case 'AWS::StackId':
        return `arn:${LOCAL_PARTITION}:cloudformation:${this.region}:${this.account}:stack/${stackName}/${generatedId(stackName, 32)}`;
      case 'AWS::NotificationARNs':
        return [];
      case 'AWS::NoValue':
        return NO_VALUE;
      default:
        return undefined;
    }
  }

  private resolveValue(stackName: string, value: unknown): unknown {
    if (Array.isArray(value)) {
      return value.map((item) => this.resolveValue(stackName, item)).filter((item) => item !== NO_VALUE);
    }
    if (!isRecord(value)) return value;
    const keys = Object.keys(value);
    const [onlyKey] = keys;
    if (
      keys.length === 1 &&
      onlyKey !== undefined &&
      (onlyKey === 'Ref' || onlyKey.startsWith('Fn::') || onlyKey === 'Condition')
    ) {
      return this.intrinsic(stackName, onlyKey, value[onlyKey]);
    }
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const resolved = this.resolveValue(stackName, item);
      if (resolved !== NO_VALUE) result[key] = resolved;
    }
    return result;
  }

  private intrinsic(stackName: string, fn: string, argument: unknown): unknown {
    const list = (): unknown[] => {
      const resolved = this.resolveValue(stackName, argument);
      if (!Array.isArray(resolved))
        throw new TemplateError(`${stackName}: ${fn} needs a list, got ${JSON.stringify(argument)}`);
      return resolved;
    };
    const text = (item: unknown): string => {
      if (typeof item === 'string') return item;
      if (typeof item === 'number' || typeof item === 'boolean') return String(item);
      throw new TemplateError(`${stackName}: ${fn} needs strings, got ${JSON.stringify(item)}`);
    };
    switch (fn) {
      case 'Ref':
        return this.ref(stackName, text(argument));
      case 'Condition':
        return this.condition(stackName, text(argument));
      case 'Fn::GetAtt': {
        const [logicalId, ...attribute] =
          typeof argument === 'string' ? argument.split('.') : list().map(text);
        return this.getAtt(stackName, text(logicalId), attribute.join('.'));
      }
      case 'Fn::Join': {
        const [delimiter, items] = list();
        if (!Array.isArray(items)) throw new TemplateError(`${stackName}: Fn::Join needs a list of values`);
        return items.map(text).join(text(delimiter));
      }
      case 'Fn::Sub':
        return this.substitute(stackName, argument);
      case 'Fn::Select': {
        const [index, items] = list();
        const selected: unknown = Array.isArray(items) ? (items as unknown[])[Number(index)] : undefined;
        if (selected === undefined)
          throw new TemplateError(`${stackName}: Fn::Select index ${String(index)} out of range`);
        return selected;
      }
      case 'Fn::Split': {
        const [delimiter, source] = list();
        return text(source).split(text(delimiter));
      }
      case 'Fn::ImportValue':
        return this.importValue(text(this.resolveValue(stackName, argument)));
      case 'Fn::If': {
        const [conditionName, whenTrue, whenFalse] = Array.isArray(argument) ? (argument as unknown[]) : [];
        return this.resolveValue(
          stackName,
          this.condition(stackName, text(conditionName)) ? whenTrue : whenFalse,
        );
      }
      case 'Fn::Equals': {
        const [left, right] = list();
        return JSON.stringify(left) === JSON.stringify(right);
      }
      case 'Fn::Not':
        return list()[0] !== true;
      case 'Fn::And':
        return list().every((item) => item === true);
      case 'Fn::Or':
        return list().some((item) => item === true);
      case 'Fn::FindInMap': {
        const [map, top, second] = list().map(text);
        return this.template(stackName).Mappings?.[map ?? '']?.[top ?? '']?.[second ?? ''];
      }
      case 'Fn::Base64':
        return Buffer.from(text(this.resolveValue(stackName, argument))).toString('base64');
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((zone) => `${this.region}${zone}`);
      default:
        throw new TemplateError(`${stackName}: the local runtime does not resolve ${fn}`);
    }
  }

  private substitute(stackName: string, argument: unknown): string {
    const [source, variables] = Array.isArray(argument) ? (argument as unknown[]) : [argument, {}];
    if (typeof source !== 'string') throw new TemplateError(`${stackName}: Fn::Sub needs a string`);
    const resolvedVariables = isRecord(variables)
      ? (this.resolveValue(stackName, variables) as Record<string, unknown>)
      : {};
    return source.replace(/\$\{([^}]*)\}/g, (_match, name: string) => {
      if (name.startsWith('!')) return `\${${name.slice(1)}}`;
      const value =
        name in resolvedVariables
          ? resolvedVariables[name]
          : name.includes('.') && this.pseudoParameter(stackName, name) === undefined
            ? this.getAtt(stackName, name.slice(0, name.indexOf('.')), name.slice(name.indexOf('.') + 1))
            : this.ref(stackName, name);
      if (typeof value !== 'string' && typeof value !== 'number') {
        throw new TemplateError(`${stackName}: Fn::Sub variable ${name} is not a string`);
      }
      return String(value);
    });
  }

  private importValue(name: string): unknown {
    if (!this.exportsByName) {
      this.exportsByName = new Map();
      for (const { stackName, template } of this.stacks) {
        for (const output of Object.values(template.Outputs ?? {})) {
          if (output.Export === undefined) continue;
          const exportName = this.resolveString(stackName, output.Export.Name, 'Export.Name');
          this.exportsByName.set(exportName, { stackName, value: output.Value });
        }
      }
    }
    const exported = this.exportsByName.get(name);
    if (!exported) throw new TemplateError(`Fn::ImportValue: no stack exports ${name}`);
    return this.resolve(exported.stackName, exported.value);
  }
}

function serviceOf(type: string): string {
  return (type.split('::')[1] ?? 'unknown').toLowerCase();
}

/** The function name in a Lambda function ARN (with or without a qualifier), else undefined. */
export function functionNameFromArn(arn: string): string | undefined {
  return /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(arn)?.[1];
}
