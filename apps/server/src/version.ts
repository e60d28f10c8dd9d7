import { version } from '../package.json';

/** This package's version, announced in the hello and the start-up line. */
export const VERSION: string = version;
