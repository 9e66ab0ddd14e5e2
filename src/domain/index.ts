export * from './types';
export * from './policy';
export * from './request';
export * from './billing';
export * from './calendar';
export * from './timeline';
export * from './load';
