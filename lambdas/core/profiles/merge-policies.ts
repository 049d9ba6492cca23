/**
 * Merge policies: how the fragments of one profile combine into its attributes. `timestamp` lets the newest
 * fragment win each attribute; `datasetPrecedence` lets the first listed dataset that has the attribute win.
 *
 * `identityGraph` says which fragments and events make one profile: `pdg` (the default) those of every identity the
 * graph links to the one looked up; `none` only those of the identity looked up itself, with no stitching.
 *
 * One policy per sandbox is the default. Which one is held by a single pointer item rather than by a flag on each
 * policy, so switching the default is one write and can never leave two defaults (or none) half-way. With no policy
 * marked default, the implicit timestamp policy below applies.
 */
import { randomUUID } from 'node:crypto';
import { invalid, conflict, notFound } from '../errors/domain-error';
import type { Page, PageRequest } from '../page';

export type AttributeMerge = 'timestamp' | 'datasetPrecedence';

/** Experience Platform's identity graph types: `pdg` (the private graph, i.e. stitching) or `none`. */
export const IDENTITY_GRAPH_TYPES = ['pdg', 'none'] as const;
export type IdentityGraphType = (typeof IDENTITY_GRAPH_TYPES)[number];

export interface MergePolicy {
  readonly id: string;
  readonly sandbox: string;
  readonly name: string;
  readonly attributeMerge: AttributeMerge;
  /** For `datasetPrecedence`: dataset ids, the first has the highest precedence. */
  readonly datasets?: readonly string[];
  /** Absent on policies stored before it existed: `pdg`. */
  readonly identityGraph?: IdentityGraphType;
  readonly createdAt: string;
  readonly createdBy: string;
}

/** Whether a lookup under the policy stitches the identities of the graph (`pdg`) or reads one identity (`none`). */
export const stitches = (policy: Pick<MergePolicy, 'identityGraph'>): boolean =>
  policy.identityGraph !== 'none';

/** A policy as answers show it: whether it is the sandbox's default is the pointer's to say. */
export interface MergePolicyView extends Omit<MergePolicy, 'sandbox' | 'identityGraph'> {
  readonly identityGraph: { readonly type: IdentityGraphType };
  readonly default: boolean;
}

export interface MergePolicyStore {
  get(sandbox: string, id: string): Promise<MergePolicy | undefined>;
  create(policy: MergePolicy): Promise<boolean>;
  list(sandbox: string, page: PageRequest): Promise<Page<MergePolicy>>;
  /** The id of the sandbox's default policy, when one was chosen. */
  defaultId(sandbox: string): Promise<string | undefined>;
  setDefault(sandbox: string, id: string): Promise<void>;
}

/** What merge policies need of datasets: an `invalid` error naming the field when a referenced dataset does not exist. */
export interface DatasetReferences {
  require(sandbox: string, id: string, pointer: string): Promise<unknown>;
}

export interface NewMergePolicy {
  readonly name: string;
  readonly attributeMerge: AttributeMerge;
  readonly datasets?: readonly string[];
  readonly identityGraph?: IdentityGraphType;
  readonly default?: boolean;
}

/** The policy in force when a sandbox has chosen no default: newest attribute wins, as in Experience Platform. */
export const IMPLICIT_MERGE_POLICY_ID = 'timestamp-ordered';
const IMPLICIT_CREATED_AT = new Date(0).toISOString();

export function implicitMergePolicy(sandbox: string): MergePolicy {
  return {
    id: IMPLICIT_MERGE_POLICY_ID,
    sandbox,
    name: 'Timestamp ordered (implicit default)',
    attributeMerge: 'timestamp',
    createdAt: IMPLICIT_CREATED_AT,
    createdBy: 'system',
  };
}

/** Bounds a policy item far below DynamoDB's 400 KB; a precedence list longer than this is not a real need. */
export const MAX_PRECEDENCE_DATASETS = 100;

function checkDatasets(input: NewMergePolicy): void {
  const datasets = input.datasets ?? [];
  if (input.attributeMerge === 'timestamp' && datasets.length > 0) {
    const message = 'datasets apply only to attributeMerge datasetPrecedence';
    throw invalid('invalid-merge-policy', message, [
      { pointer: '/datasets', keyword: 'attributeMerge', message },
    ]);
  }
  if (input.attributeMerge === 'datasetPrecedence' && datasets.length === 0) {
    const message =
      'attributeMerge datasetPrecedence needs a non-empty list of datasets, highest precedence first';
    throw invalid('invalid-merge-policy', message, [{ pointer: '/datasets', keyword: 'required', message }]);
  }
  const seen = new Set<string>();
  datasets.forEach((id, index) => {
    if (seen.has(id)) {
      const message = `dataset '${id}' is listed twice`;
      throw invalid('invalid-merge-policy', message, [
        { pointer: `/datasets/${index}`, keyword: 'uniqueItems', message },
      ]);
    }
    seen.add(id);
  });
}

export class MergePolicyService {
  private readonly now: () => Date;

  constructor(
    private readonly deps: {
      readonly store: MergePolicyStore;
      readonly datasets: DatasetReferences;
      readonly now?: () => Date;
    },
  ) {
    this.now = deps.now ?? (() => new Date());
  }

  async create(sandbox: string, input: NewMergePolicy, createdBy: string): Promise<MergePolicyView> {
    checkDatasets(input);
    for (const [index, id] of (input.datasets ?? []).entries())
      await this.deps.datasets.require(sandbox, id, `/datasets/${index}`);
    const policy: MergePolicy = {
      id: randomUUID(),
      sandbox,
      name: input.name,
      attributeMerge: input.attributeMerge,
      ...(input.attributeMerge === 'datasetPrecedence' ? { datasets: [...(input.datasets ?? [])] } : {}),
      identityGraph: input.identityGraph ?? 'pdg',
      createdAt: this.now().toISOString(),
      createdBy,
    };
    if (!(await this.deps.store.create(policy)))
      throw conflict('merge-policy-id-conflict', 'a merge policy with this id already exists');
    // The policy is written before the pointer names it, so the pointer never names a missing policy.
    if (input.default) await this.deps.store.setDefault(sandbox, policy.id);
    return view(policy, input.default === true);
  }

  async get(sandbox: string, id: string): Promise<MergePolicyView> {
    return view(await this.policy(sandbox, id), (await this.defaultPolicy(sandbox)).id === id);
  }

  async list(sandbox: string, page: PageRequest): Promise<Page<MergePolicyView>> {
    const [result, defaultId] = await Promise.all([
      this.deps.store.list(sandbox, page),
      this.deps.store.defaultId(sandbox),
    ]);
    return { ...result, items: result.items.map((policy) => view(policy, policy.id === defaultId)) };
  }

  /** The policy a lookup names, or the sandbox's default when it names none. */
  async forLookup(sandbox: string, id: string | undefined): Promise<MergePolicy> {
    return id === undefined ? this.defaultPolicy(sandbox) : this.policy(sandbox, id);
  }

  private async policy(sandbox: string, id: string): Promise<MergePolicy> {
    if (id === IMPLICIT_MERGE_POLICY_ID) return implicitMergePolicy(sandbox);
    const policy = await this.deps.store.get(sandbox, id);
    if (!policy) throw notFound('merge policy', id);
    return policy;
  }

  private async defaultPolicy(sandbox: string): Promise<MergePolicy> {
    const id = await this.deps.store.defaultId(sandbox);
    const policy = id === undefined ? undefined : await this.deps.store.get(sandbox, id);
    return policy ?? implicitMergePolicy(sandbox);
  }
}

function view(policy: MergePolicy, isDefault: boolean): MergePolicyView {
  return {
    id: policy.id,
    name: policy.name,
    attributeMerge: policy.attributeMerge,
    ...(policy.datasets !== undefined ? { datasets: policy.datasets } : {}),
    identityGraph: { type: policy.identityGraph ?? 'pdg' },
    default: isDefault,
    createdAt: policy.createdAt,
    createdBy: policy.createdBy,
  };
}
