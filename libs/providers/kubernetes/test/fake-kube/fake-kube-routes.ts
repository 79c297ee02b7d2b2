/** The resources the fake API server serves, as the real one names them. */
export const RESOURCES: Record<string, { readonly kind: string; readonly group: string; readonly namespaced: boolean }> = {
  namespaces: { kind: 'Namespace', group: '', namespaced: false },
  nodes: { kind: 'Node', group: '', namespaced: false },
  pods: { kind: 'Pod', group: '', namespaced: true },
  services: { kind: 'Service', group: '', namespaced: true },
  resourcequotas: { kind: 'ResourceQuota', group: '', namespaced: true },
  limitranges: { kind: 'LimitRange', group: '', namespaced: true },
  networkpolicies: { kind: 'NetworkPolicy', group: 'networking.k8s.io', namespaced: true },
  // Student namespaces (templates with `kubernetes`).
  serviceaccounts: { kind: 'ServiceAccount', group: '', namespaced: true },
  configmaps: { kind: 'ConfigMap', group: '', namespaced: true },
  endpoints: { kind: 'Endpoints', group: '', namespaced: true },
  rolebindings: { kind: 'RoleBinding', group: 'rbac.authorization.k8s.io', namespaced: true },
  clusterrolebindings: { kind: 'ClusterRoleBinding', group: 'rbac.authorization.k8s.io', namespaced: false },
  clusterroles: { kind: 'ClusterRole', group: 'rbac.authorization.k8s.io', namespaced: false },
};

export interface Route {
  readonly group: string;
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
}

export const apiVersionOf = (group: string): string => (group ? `${group}/v1` : 'v1');

/** Parses `/api/v1/...` and `/apis/<group>/v1/...` paths; undefined for anything else. */
export function parseRoute(pathname: string): Route | undefined {
  const parts = pathname.split('/').filter(Boolean);
  let group: string;
  let rest: string[];
  if (parts[0] === 'api' && parts[1] === 'v1') [group, rest] = ['', parts.slice(2)];
  else if (parts[0] === 'apis' && parts[2] === 'v1') [group, rest] = [parts[1], parts.slice(3)];
  else return undefined;
  let route: Route;
  if (rest[0] === 'namespaces' && rest.length >= 3) route = { group, namespace: rest[1], resource: rest[2], name: rest[3], subresource: rest[4] };
  else route = { group, resource: rest[0], name: rest[1] };
  const known = RESOURCES[route.resource];
  if (!known || known.group !== group || rest.length > 5) return undefined;
  if (!known.namespaced && route.namespace !== undefined) return undefined;
  return route;
}

/** The RBAC verb the API server authorizes a request as (https://kubernetes.io/docs/reference/access-authn-authz/authorization/#determine-the-request-verb). */
export function verbOf(method: string, route: Route, watch: boolean): string {
  if (method === 'GET') return watch ? 'watch' : route.name ? 'get' : 'list';
  if (method === 'POST') return 'create';
  if (method === 'DELETE') return route.name ? 'delete' : 'deletecollection';
  return method === 'PUT' ? 'update' : method === 'PATCH' ? 'patch' : method.toLowerCase();
}

export function statusBody(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}
