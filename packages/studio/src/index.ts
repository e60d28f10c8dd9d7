export { Studio, Studio as default } from './Studio.js';
export type { StudioOptions } from './Studio.js';
