import { describe, expect, it } from 'vitest';
import type { ProfileReadService } from '../../../lambdas/core/profiles/profile-read-service';
import type { ApiRequest } from '../../../lambdas/http/api-types';
import { DomainError } from '../../../lambdas/core/errors/domain-error';
import { profileRoutes } from '../../../lambdas/http/routes/profile-routes';
import { FixedGraph, MemoryProfileData, SANDBOX } from './profile-read-fakes';

/** The lookups the routes asked for, answered with nothing. */
function routes() {
  const asked: string[] = [];
  const reads = {
    profile: async () => {
      asked.push('profile');
      return {};
    },
    events: async () => {
      asked.push('events');
      return { items: [] };
    },
  } as unknown as ProfileReadService;
  const map = profileRoutes({ reads, graph: new FixedGraph([]), data: new MemoryProfileData() });
  const call = async (key: 'GET /profiles' | 'GET /profiles/events', query: Record<string, string>) => {
    const request: ApiRequest = {
      method: 'GET',
      resource: key.slice(4),
      path: key.slice(4),
      pathParameters: {},
      query: { entityId: 'a@b.co', entityIdNS: 'Email', ...query },
      headers: {},
      body: undefined,
      sandbox: SANDBOX,
      caller: { keyId: 'k', keySandbox: SANDBOX, scopes: ['read'] },
      requestId: 'r',
      baseUrl: 'http://localhost',
    };
    try {
      return (await map[key]!(request)).status;
    } catch (error) {
      if (error instanceof DomainError) return error.violations?.[0]?.pointer;
      throw error;
    }
  };
  return { asked, call };
}

describe('profile lookups: query parameters are honoured or refused', () => {
  it("accepts Experience Platform's schema.name and relatedSchema.name where they name what the route answers", async () => {
    // Prepare
    const { asked, call } = routes();

    // Act
    const answers = [
      await call('GET /profiles', { 'schema.name': '_xdm.context.profile' }),
      await call('GET /profiles/events', {
        'schema.name': '_xdm.context.experienceevent',
        'relatedSchema.name': '_xdm.context.profile',
        limit: '5',
      }),
    ];

    // Assess
    expect(answers).toEqual([200, 200]);
    expect(asked).toEqual(['profile', 'events']);
  });

  it.each([
    ['GET /profiles', { 'schema.name': '_xdm.context.experienceevent' }, '/schema.name'],
    ['GET /profiles', { orderby: '-timestamp' }, '/orderby'],
    ['GET /profiles/events', { 'schema.name': '_xdm.context.profile' }, '/schema.name'],
    ['GET /profiles/events', { relatedEntityId: 'x' }, '/relatedEntityId'],
  ] as const)(
    '%s refuses %j, naming %s, instead of answering as if it were absent',
    async (key, query, pointer) => {
      // Prepare
      const { asked, call } = routes();

      // Act
      const answer = await call(key, query);

      // Assess
      expect(answer).toBe(pointer);
      expect(asked).toEqual([]);
    },
  );
});
