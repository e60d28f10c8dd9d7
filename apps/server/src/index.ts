export { loadConfig, type ServerConfig, type LoadConfigOptions } from './config.js';
export { ConfigError } from './ConfigError.js';
export { startServer, type RunningServer } from './startServer.js';
export { createHttpHandler, type HttpRoutesOptions } from './http/createHttpHandler.js';
export { VERSION } from './version.js';
