export { createEngine, Engine } from './Engine.js';
export { ENGINE_DEFAULTS, type EngineOptions, type TlsOptions, type TransportName } from './EngineOptions.js';
export { ENGINE_VERSION } from './version.js';
export { ListenError } from './transports/ListenError.js';
export { readTlsFiles, TlsConfigError, type TlsCredentials, type TlsField } from './transports/readTlsFiles.js';
export {
  HttpBodyTooLarge,
  type HttpHandler,
  type HttpRequest,
  type HttpResponse,
} from './http/HttpTypes.js';
export { consoleLogger, type Logger, type LogLevel } from './log/Logger.js';
