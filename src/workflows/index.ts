export { requestWorkflow } from './request';
