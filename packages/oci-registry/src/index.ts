export * from './address';
export * from './client';
export * from './errors';
export * from './manifest';
export * from './media-types';
