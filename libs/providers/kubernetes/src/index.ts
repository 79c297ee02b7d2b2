export * from './kube-config';
export * from './kubernetes.provider';
export * from './lab-objects.builder';
export * from './lab-resource-names';
export * from './pod-status';
export * from './lab-informer';
export { parseQuantity, podRequests } from './node-capacity';
