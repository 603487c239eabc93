import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AuthService } from './auth.service';
import { Authorize } from './decorators/authorize.decorator';
import { CurrentPrincipal } from './decorators/current-principal.decorator';
import { Public } from './decorators/public.decorator';
import { LoginDto, MeDto, RefreshDto, RegisterDto, TokenPairDto } from './dto/credentials.dto';
import { Principal, ROLES } from './principal';
import { requestMetaOf } from './request-meta';

/** `/v1/auth`: accounts and first-party sessions (API-CONTRACT.md, "Accounts"). */
@ApiTags('auth')
@Controller({ path: 'auth', version: '1' })
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('register')
  @HttpCode(202)
  @ApiOperation({ summary: 'Register (same answer whether or not the email has an account)' })
  async register(
    @Body() body: RegisterDto,
    @Req() request: FastifyRequest,
  ): Promise<{ status: 'accepted' }> {
    await this.auth.register(body.email, body.password, requestMetaOf(request));
    return { status: 'accepted' };
  }

  /** Rate limiting and lock-out are attached to this route by src/rate-limit. */
  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Log in: an access token and a refresh token' })
  @ApiResponse({ status: 200, type: TokenPairDto })
  async login(@Body() body: LoginDto, @Req() request: FastifyRequest): Promise<TokenPairDto> {
    return this.auth.login(body.email, body.password, requestMetaOf(request));
  }

  /** Public: the refresh token in the body is the credential (never a bearer access token). */
  @Public()
  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate the refresh token: a new pair; the old one is spent' })
  @ApiResponse({ status: 200, type: TokenPairDto })
  async refresh(@Body() body: RefreshDto, @Req() request: FastifyRequest): Promise<TokenPairDto> {
    return this.auth.refresh(body.refresh_token, requestMetaOf(request));
  }

  @Authorize({ roles: [...ROLES], principals: ['user'] })
  @Post('logout')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Revoke this session: its access and refresh tokens stop at once' })
  async logout(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    await this.auth.logout(principal, requestMetaOf(request));
  }

  @Authorize({ roles: [...ROLES], principals: ['user'] })
  @Get('me')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The logged-in user' })
  @ApiResponse({ status: 200, type: MeDto })
  async me(@CurrentPrincipal() principal: Principal): Promise<MeDto> {
    return this.auth.me(principal);
  }
}
