import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  UseFilters,
} from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiBearerAuth, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Authorize } from '../decorators/authorize.decorator';
import { CurrentPrincipal } from '../decorators/current-principal.decorator';
import { Public } from '../decorators/public.decorator';
import type { Principal } from '../principal';
import { requestMetaOf } from '../request-meta';
import {
  ClientListDto,
  ClientTokenDto,
  CreateClientDto,
  CreatedClientDto,
  ListClientsQueryDto,
} from './dto/create-client.dto';
import { OAuthError, OAuthErrorFilter } from './oauth-error';
import { ClientCredentials, OAuthService } from './oauth.service';

/** `/v1/oauth` (API-CONTRACT.md, "OAuth 2.0"). */
@ApiTags('oauth')
@Controller({ path: 'oauth', version: '1' })
export class OAuthController {
  constructor(private readonly oauth: OAuthService) {}

  @Authorize({ roles: ['user'], principals: ['user'] })
  @Post('clients')
  @HttpCode(201)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Create an OAuth client; the secret is shown this once' })
  @ApiResponse({ status: 201, type: CreatedClientDto })
  async create(
    @Body() body: CreateClientDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<CreatedClientDto> {
    return this.oauth.createClient(principal, body.name, body.scopes, requestMetaOf(request));
  }

  @Authorize({ roles: ['user'], principals: ['user'] })
  @Get('clients')
  @ApiBearerAuth()
  @ApiOperation({ summary: "The caller's OAuth clients (never their secrets)" })
  @ApiResponse({ status: 200, type: ClientListDto })
  async list(
    @Query() query: ListClientsQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ClientListDto> {
    return this.oauth.listClients(principal, query.limit, query.cursor);
  }

  @Authorize({ roles: ['user'], principals: ['user'] })
  @Delete('clients/:client_id')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Delete an OAuth client; its tokens stop working at once' })
  async remove(
    @Param('client_id', new ParseUUIDPipe()) clientId: string,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    await this.oauth.deleteClient(principal, clientId, requestMetaOf(request));
  }

  /** RFC 6749 §4.4 client credentials. Public: the client authenticates in the request. */
  @Public()
  @Post('token')
  @HttpCode(200)
  @RouteConfig({ formBody: true })
  @UseFilters(OAuthErrorFilter)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiOperation({ summary: 'Client-credentials grant (RFC 6749 §4.4); RFC 6749 §5.2 errors' })
  @ApiResponse({ status: 200, type: ClientTokenDto })
  async token(@Req() request: FastifyRequest): Promise<ClientTokenDto> {
    const form = formBody(request);
    if (form.grant_type === undefined)
      throw new OAuthError('invalid_request', 'grant_type is required.');
    if (form.grant_type !== 'client_credentials')
      throw new OAuthError('unsupported_grant_type', 'Only client_credentials is supported.');
    return this.oauth.clientCredentialsGrant(
      clientCredentials(request, form),
      form.scope,
      requestMetaOf(request),
    );
  }

  /** RFC 7009 token revocation: client authentication required; unknown tokens still 200. */
  @Public()
  @Post('revoke')
  @HttpCode(200)
  @RouteConfig({ formBody: true })
  @UseFilters(OAuthErrorFilter)
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiOperation({ summary: 'Revoke a client access token (RFC 7009)' })
  async revoke(@Req() request: FastifyRequest): Promise<Record<string, never>> {
    const form = formBody(request);
    const credentials = clientCredentials(request, form);
    if (!credentials) throw new OAuthError('invalid_client', 'Client authentication failed.');
    if (typeof form.token !== 'string' || form.token === '')
      throw new OAuthError('invalid_request', 'token is required.');
    await this.oauth.revoke(credentials, form.token, requestMetaOf(request));
    return {};
  }
}

/** RFC 6749 §4.4.2: the token endpoint takes `application/x-www-form-urlencoded` only. */
function formBody(request: FastifyRequest): Record<string, string | undefined> {
  const type = String(request.headers['content-type'] ?? '').toLowerCase();
  if (!type.startsWith('application/x-www-form-urlencoded'))
    throw new OAuthError('invalid_request', 'Send the body as application/x-www-form-urlencoded.');
  const body = request.body;
  return body && typeof body === 'object' ? (body as Record<string, string | undefined>) : {};
}

/**
 * RFC 6749 §2.3.1: HTTP Basic (id and secret form-urlencoded, then base64) or
 * `client_secret_post`; using both at once is an `invalid_request` (§2.3).
 */
function clientCredentials(
  request: FastifyRequest,
  form: Record<string, string | undefined>,
): ClientCredentials | undefined {
  const header = request.headers.authorization;
  const inBody = form.client_id !== undefined || form.client_secret !== undefined;
  if (header !== undefined) {
    if (inBody) throw new OAuthError('invalid_request', 'Use one client authentication method.');
    const match = /^Basic ([A-Za-z0-9+/]+={0,2})$/i.exec(header);
    if (!match) throw new OAuthError('invalid_client', 'Client authentication failed.');
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new OAuthError('invalid_client', 'Client authentication failed.');
    try {
      const unescape = (v: string) => decodeURIComponent(v.replace(/\+/g, ' '));
      return {
        clientId: unescape(decoded.slice(0, colon)),
        clientSecret: unescape(decoded.slice(colon + 1)),
      };
    } catch {
      throw new OAuthError('invalid_client', 'Client authentication failed.');
    }
  }
  if (!inBody) return undefined;
  if (typeof form.client_id !== 'string' || typeof form.client_secret !== 'string')
    throw new OAuthError('invalid_client', 'Client authentication failed.');
  return { clientId: form.client_id, clientSecret: form.client_secret };
}
