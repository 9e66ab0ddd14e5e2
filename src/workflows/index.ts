export { requestWorkflow } from './request';
export { dispatchWorkflow, workloadReviewWorkflow } from './workload';
export { monthlyRolloverWorkflow } from './billing';
export { mailDigestWorkflow, mailInWorkflow, mailOutWorkflow } from './mail';
