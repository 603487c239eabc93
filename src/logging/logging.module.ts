import { Module, RequestMethod } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { REDACT_PATHS, REDACTION_CENSOR } from '../http/log-redaction';

/**
 * Structured JSON logs (pino). Every line of a request carries its server-generated id; the
 * request line records method, route and status only, and REDACT_PATHS is applied to all lines.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        // nestjs-pino's default route pattern (`{/*splat}`) only matches `/` on the Fastify
        // adapter (Nest 12 + @fastify/middie), so no request was logged: `{*splat}` matches all.
        // Guarded by the smoke test, which finds the request's log line by its id.
        forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
        pinoHttp: {
          level: config.logLevel,
          redact: { paths: REDACT_PATHS, censor: REDACTION_CENSOR },
          genReqId: (req: IncomingMessage) =>
            (req as IncomingMessage & { id?: string }).id ?? 'unknown',
          customAttributeKeys: { reqId: 'requestId' },
          // Every line logged during a request carries `requestId` (not the whole request).
          quietReqLogger: true,
          serializers: {
            req: (req: { id?: string; method?: string; url?: string; originalUrl?: string }) => {
              // Middleware sees a path-stripped `url`; `originalUrl` is the request's own.
              const url = req.originalUrl ?? req.url;
              return {
                id: req.id,
                method: req.method,
                // The path only: query strings can carry filters with personal data.
                url: typeof url === 'string' ? url.split('?')[0] : undefined,
              };
            },
            res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
          },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
