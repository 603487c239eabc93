import { Controller, Get, Header, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../decorators/public.decorator';
import { AccessTokenService } from './access-token.service';

/** RFC 7517 JWK Set: the public keys that verify our access tokens (RFC 8414 `jwks_uri`). */
@ApiTags('auth')
@Controller({ path: '.well-known', version: VERSION_NEUTRAL })
export class JwksController {
  constructor(private readonly tokens: AccessTokenService) {}

  @Public()
  @Get('jwks.json')
  // Public keys hold no secret: resource servers may cache them for a few minutes.
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: 'Public keys (JWK Set) that verify access tokens' })
  jwks(): { keys: Record<string, string>[] } {
    return this.tokens.jwks();
  }
}
