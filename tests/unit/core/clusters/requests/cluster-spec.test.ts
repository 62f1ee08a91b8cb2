import { parseClusterSpec } from '../../../../../core/clusters/requests/cluster-spec';
import { ValidationError } from '../../../../../core/kernel/errors';

const roleArn = 'arn:aws:iam::123456789012:role/eks-cluster';
const minimal = { name: 'prod-eu', roleArn, subnetIds: ['subnet-0a1', 'subnet-0b2'] };

/** Runs `fn`, expects a ValidationError, returns it. */
function validationError(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}

function fields(error: ValidationError): string[] {
  return error.details.map((d) => d.field);
}

describe('parseClusterSpec', () => {
  it('accepts a minimal spec and fills in the defaults', () => {
    // Act
    const spec = parseClusterSpec(minimal);

    // Assess
    expect(spec).toEqual({
      name: 'prod-eu',
      roleArn,
      subnetIds: ['subnet-0a1', 'subnet-0b2'],
      securityGroupIds: [],
      endpointPublicAccess: false,
      publicAccessCidrs: [],
      endpointPrivateAccess: true,
      logging: ['api', 'audit', 'authenticator'],
      namespaces: [],
      tags: {},
      nodegroups: [],
      addons: [],
      access: [],
      onFailure: 'rollback',
    });
    expect(spec.version).toBeUndefined();
  });

  it('takes roleArn and subnetIds from the deployment defaults when the body has none', () => {
    // Prepare
    const defaults = { roleArn, subnetIds: ['subnet-1', 'subnet-2'] };

    // Act
    const spec = parseClusterSpec({ name: 'dev' }, defaults);

    // Assess
    expect(spec.roleArn).toBe(roleArn);
    expect(spec.subnetIds).toEqual(['subnet-1', 'subnet-2']);
  });

  it('lets the body override the deployment defaults', () => {
    // Prepare
    const defaults = { roleArn: 'arn:aws:iam::111111111111:role/default', subnetIds: ['subnet-1', 'subnet-2'] };

    // Act
    const spec = parseClusterSpec({ ...minimal, subnetIds: ['subnet-9', 'subnet-8', 'subnet-7'] }, defaults);

    // Assess
    expect(spec.roleArn).toBe(roleArn);
    expect(spec.subnetIds).toEqual(['subnet-9', 'subnet-8', 'subnet-7']);
  });

  it("adds the stack's cluster API security group to a spec's own groups, once", () => {
    // Prepare: the group that opens the API to the functions in the VPC (EKSFLOW_CLUSTER_SECURITY_GROUP_IDS)
    const defaults = { securityGroupIds: ['sg-0eksflowapi'] };

    // Act
    const bare = parseClusterSpec(minimal, defaults);
    const own = parseClusterSpec({ ...minimal, securityGroupIds: ['sg-0team', 'sg-0eksflowapi'] }, defaults);

    // Assess
    expect(bare.securityGroupIds).toEqual(['sg-0eksflowapi']);
    expect(own.securityGroupIds).toEqual(['sg-0team', 'sg-0eksflowapi']);
  });

  it('ignores undefined defaults instead of letting them hide a missing field', () => {
    // Act
    const error = validationError(() =>
      parseClusterSpec({ name: 'dev', subnetIds: ['subnet-1', 'subnet-2'] }, { roleArn: undefined }),
    );

    // Assess
    expect(error.details).toEqual([{ field: 'roleArn', reason: 'is required' }]);
  });

  it('keeps every optional field the caller gives', () => {
    // Prepare
    const body = {
      ...minimal,
      version: '1.31',
      securityGroupIds: ['sg-0abc'],
      endpointPublicAccess: true,
      publicAccessCidrs: ['203.0.113.0/24', '0.0.0.0/0'],
      endpointPrivateAccess: true,
      logging: ['audit', 'scheduler'],
      kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:alias/eks-secrets',
      namespaces: ['team-a', 'team-b'],
      tags: { team: 'platform' },
    };

    // Act
    const spec = parseClusterSpec(body);

    // Assess: bare namespace names become namespaces with nothing else; the lists default to empty
    expect(spec).toEqual({
      ...body,
      namespaces: [
        { name: 'team-a', labels: {}, networkPolicy: 'none' },
        { name: 'team-b', labels: {}, networkPolicy: 'none' },
      ],
      nodegroups: [],
      addons: [],
      access: [],
      onFailure: 'rollback',
    });
  });

  it.each([
    { what: 'null', body: null },
    { what: 'an array', body: [minimal] },
    { what: 'a string', body: 'prod-eu' },
    { what: 'a number', body: 42 },
  ])('rejects a body that is $what, naming `body`', ({ body }) => {
    // Act
    const error = validationError(() => parseClusterSpec(body, { roleArn, subnetIds: ['subnet-1', 'subnet-2'] }));

    // Assess
    expect(fields(error)).toEqual(['body']);
    expect(error.status).toBe(400);
  });

  it('names a missing name as required', () => {
    // Act
    const error = validationError(() => parseClusterSpec({ roleArn, subnetIds: ['subnet-1', 'subnet-2'] }));

    // Assess
    expect(error.details).toEqual([{ field: 'name', reason: 'is required' }]);
    expect(error.message).toContain('name: is required');
  });

  it.each([
    { name: '-x', why: 'starts with a hyphen' },
    { name: '_x', why: 'starts with an underscore' },
    { name: 'a b', why: 'contains a space' },
    { name: 'prod.eu', why: 'contains a dot' },
    { name: '', why: 'is empty' },
    { name: 'a'.repeat(101), why: 'is 101 characters' },
  ])('rejects the EKS name "$name" ($why)', ({ name }) => {
    // Act
    const error = validationError(() => parseClusterSpec({ ...minimal, name }));

    // Assess
    expect(fields(error)).toEqual(['name']);
  });

  it.each([
    { name: 'a', why: 'one character' },
    { name: '0prod', why: 'starts with a digit' },
    { name: 'Prod_EU-01', why: 'mixed case, underscore, hyphen' },
    { name: 'a'.repeat(100), why: '100 characters' },
  ])('accepts the EKS name "$name" ($why)', ({ name }) => {
    // Act / Assess
    expect(parseClusterSpec({ ...minimal, name }).name).toBe(name);
  });

  it.each([
    { field: 'name', value: 42 },
    { field: 'roleArn', value: 'not-an-arn' },
    { field: 'version', value: 1.31 },
    { field: 'version', value: 'latest' },
    { field: 'subnetIds', value: 'subnet-1,subnet-2' },
    { field: 'securityGroupIds', value: 'sg-1' },
    { field: 'endpointPublicAccess', value: 'yes' },
    { field: 'endpointPrivateAccess', value: 1 },
    { field: 'publicAccessCidrs', value: '203.0.113.0/24' },
    { field: 'publicAccessCidrs.0', value: ['203.0.113.0'] },
    { field: 'publicAccessCidrs.0', value: ['300.0.113.0/24'] },
    { field: 'logging', value: 'audit' },
    { field: 'logging.1', value: ['audit', 'everything'] },
    { field: 'logging', value: ['audit', 'audit'] },
    { field: 'kmsKeyArn', value: 'alias/eks' },
    { field: 'namespaces', value: 'team-a' },
    { field: 'tags', value: ['team'] },
  ])('names $field when it has the wrong type or shape ($value)', ({ field, value }) => {
    // Act
    const error = validationError(() => parseClusterSpec({ ...minimal, [field]: value }));

    // Assess
    expect(fields(error)).toEqual([field]);
  });

  it('takes podSecurity on a namespace entry, and names it when it is not a level', () => {
    // Act
    const spec = parseClusterSpec({ ...minimal, namespaces: [{ name: 'team-a', podSecurity: 'restricted' }] });
    const error = validationError(() =>
      parseClusterSpec({ ...minimal, namespaces: [{ name: 'team-a', podSecurity: 'privileged' }] }),
    );

    // Assess
    expect(spec.namespaces[0]?.podSecurity).toBe('restricted');
    expect(fields(error)).toEqual(['namespaces.0.podSecurity']);
  });

  it('names each unknown field on its own', () => {
    // Act
    const error = validationError(() => parseClusterSpec({ ...minimal, nodeCount: 3, region: 'eu-west-1' }));

    // Assess
    expect(error.details).toEqual(
      expect.arrayContaining([
        { field: 'nodeCount', reason: 'unknown field' },
        { field: 'region', reason: 'unknown field' },
      ]),
    );
    expect(error.details).toHaveLength(2);
  });

  it('refuses a single subnet: the control plane needs two AZs', () => {
    // Act
    const error = validationError(() => parseClusterSpec({ ...minimal, subnetIds: ['subnet-1'] }));

    // Assess
    expect(fields(error)).toEqual(['subnetIds']);
    expect(error.details[0]?.reason).toMatch(/at least two subnets/);
  });

  it('refuses a repeated subnet', () => {
    // Act
    const error = validationError(() => parseClusterSpec({ ...minimal, subnetIds: ['subnet-1', 'subnet-1'] }));

    // Assess
    expect(fields(error)).toEqual(['subnetIds']);
    expect(error.details[0]?.reason).toMatch(/repeat/);
  });

  it('names the index of a malformed subnet id', () => {
    // Act
    const error = validationError(() => parseClusterSpec({ ...minimal, subnetIds: ['subnet-1', 'vpc-2'] }));

    // Assess
    expect(fields(error)).toEqual(['subnetIds.1']);
  });

  it.each([
    { namespace: 'Team-A', index: 1 },
    { namespace: 'team_a', index: 1 },
    { namespace: '-team', index: 1 },
    { namespace: 'team-', index: 1 },
    { namespace: 'a'.repeat(64), index: 1 },
  ])('names namespaces.$index for the bad namespace "$namespace"', ({ namespace, index }) => {
    // Act
    const error = validationError(() => parseClusterSpec({ ...minimal, namespaces: ['ok', namespace] }));

    // Assess
    expect(fields(error)).toEqual([`namespaces.${index}.name`]);
  });

  it('names every bad field at once', () => {
    // Act
    const error = validationError(() =>
      parseClusterSpec({ name: '-bad', roleArn, subnetIds: ['subnet-1'], extra: true }),
    );

    // Assess
    expect(fields(error).sort()).toEqual(['extra', 'name', 'subnetIds']);
  });

  describe('safer clusters by default (issue 8, item 5)', () => {
    it('keeps the endpoint private and audit logging on when the spec says nothing', () => {
      // Act
      const spec = parseClusterSpec(minimal);

      // Assess
      expect(spec.endpointPublicAccess).toBe(false);
      expect(spec.publicAccessCidrs).toEqual([]);
      expect(spec.endpointPrivateAccess).toBe(true);
      expect(spec.logging).toContain('audit');
      expect(spec.kmsKeyArn).toBeUndefined();
    });

    it('refuses a public endpoint without publicAccessCidrs, naming the field (EKS would open it to 0.0.0.0/0)', () => {
      // Act
      const error = validationError(() => parseClusterSpec({ ...minimal, endpointPublicAccess: true }));

      // Assess
      expect(error.status).toBe(400);
      expect(fields(error)).toEqual(['publicAccessCidrs']);
      expect(error.details[0]?.reason).toMatch(/required when endpointPublicAccess is true/);
    });

    it('refuses an empty publicAccessCidrs list with a public endpoint', () => {
      // Act
      const error = validationError(() =>
        parseClusterSpec({ ...minimal, endpointPublicAccess: true, publicAccessCidrs: [] }),
      );

      // Assess
      expect(fields(error)).toEqual(['publicAccessCidrs']);
    });

    it('accepts a public endpoint limited to the CIDR blocks given', () => {
      // Act
      const spec = parseClusterSpec({ ...minimal, endpointPublicAccess: true, publicAccessCidrs: ['198.51.100.7/32'] });

      // Assess
      expect(spec.endpointPublicAccess).toBe(true);
      expect(spec.publicAccessCidrs).toEqual(['198.51.100.7/32']);
    });

    it('refuses publicAccessCidrs on a private endpoint: they would do nothing', () => {
      // Act
      const error = validationError(() => parseClusterSpec({ ...minimal, publicAccessCidrs: ['198.51.100.7/32'] }));

      // Assess
      expect(fields(error)).toEqual(['publicAccessCidrs']);
      expect(error.details[0]?.reason).toMatch(/only to a public endpoint/);
    });

    it('refuses to turn private endpoint access off', () => {
      // Act
      const error = validationError(() => parseClusterSpec({ ...minimal, endpointPrivateAccess: false }));

      // Assess
      expect(fields(error)).toEqual(['endpointPrivateAccess']);
      expect(error.details[0]?.reason).toMatch(/must be true/);
    });

    it('lets the caller choose the log types, audit included or not', () => {
      // Act / Assess
      expect(parseClusterSpec({ ...minimal, logging: ['api'] }).logging).toEqual(['api']);
      expect(parseClusterSpec({ ...minimal, logging: [] }).logging).toEqual([]);
    });

    it('keeps a KMS key ARN for encrypting Secrets', () => {
      // Prepare
      const kmsKeyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

      // Act / Assess
      expect(parseClusterSpec({ ...minimal, kmsKeyArn }).kmsKeyArn).toBe(kmsKeyArn);
    });
  });
});
