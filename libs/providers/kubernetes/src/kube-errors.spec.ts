import { ApiException } from '@kubernetes/client-node';
import { DependencyUnavailableError, ProviderError } from '@labfleet/domain';
import { toProviderError, tolerate } from './kube-errors';

const status = (code: number, message: string) => new ApiException(code, 'Unknown API Status Code!', JSON.stringify({ kind: 'Status', code, message }), {});

describe('toProviderError', () => {
  it('reports an API server out of reach as a dependency outage', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED', type: 'system' });
    expect(toProviderError(refused, 'listing labs')).toMatchObject({ name: 'DependencyUnavailableError', dependency: 'kubernetes' });
    expect(toProviderError(refused, 'x')).toBeInstanceOf(DependencyUnavailableError);
  });

  it("keeps the API server's message and says whether to retry", () => {
    const forbidden = toProviderError(status(403, 'pods is forbidden: User "system:serviceaccount:labfleet:worker" cannot create resource "pods"'), 'provisioning the lab');
    expect(forbidden).toEqual(new ProviderError('provisioning the lab: pods is forbidden: User "system:serviceaccount:labfleet:worker" cannot create resource "pods"', false));
    expect(toProviderError(status(503, 'etcd leader changed'), 'x')).toMatchObject({ retryable: true });
    expect(toProviderError(status(429, 'too many requests'), 'x')).toMatchObject({ retryable: true });
    expect(toProviderError(status(403, 'unable to create new content in namespace labfleet-x because it is being terminated'), 'x')).toMatchObject({ retryable: true });
  });
});

describe('tolerate', () => {
  it('turns the listed statuses into undefined and rethrows the rest', async () => {
    await expect(tolerate(Promise.reject(status(409, 'exists')), [409])).resolves.toBeUndefined();
    await expect(tolerate(Promise.reject(status(500, 'boom')), [409])).rejects.toMatchObject({ code: 500 });
  });
});
