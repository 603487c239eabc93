import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../../auth/decorators/public.decorator';
import { RAW_BODY } from '../../http/http-pipeline';
import { ProcessorEventDto } from './processor-event.dto';
import { ProcessorSignatureGuard } from './processor-signature.guard';
import { ProcessorWebhookService, WebhookAck } from './processor-webhook.service';

/**
 * The processor's callbacks. Public (the processor has no bearer token): authenticity comes from
 * the signature guard alone, which needs the raw body.
 */
@ApiTags('webhooks')
@Controller({ path: 'webhooks/processor', version: '1' })
export class ProcessorWebhookController {
  constructor(private readonly webhooks: ProcessorWebhookService) {}

  @Post()
  @Public()
  @HttpCode(200)
  @RouteConfig({ [RAW_BODY]: true })
  @UseGuards(ProcessorSignatureGuard)
  @ApiHeader({
    name: 'Processor-Signature',
    required: true,
    description: 't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">',
  })
  @ApiOkResponse({ description: 'applied, or a replayed event acknowledged without change' })
  handle(@Body() event: ProcessorEventDto): Promise<WebhookAck> {
    return this.webhooks.handle(event);
  }
}
