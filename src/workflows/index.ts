export { requestWorkflow } from './request';
export { dispatchWorkflow, workloadReviewWorkflow } from './workload';
export { monthlyRolloverWorkflow } from './billing';
