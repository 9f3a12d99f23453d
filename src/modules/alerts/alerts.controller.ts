import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put } from '@nestjs/common';
import type { AlertRule } from './alert-rule.js';
import { AlertsService, type ActiveAlert, type WebhookView } from './alerts.service.js';

/** Alert rules, webhooks and active alerts (DESIGN §5.6). */
@Controller('api')
export class AlertsController {
  constructor(@Inject(AlertsService) private readonly alerts: AlertsService) {}

  @Post('alert-rules')
  @HttpCode(201)
  createRule(@Body() body: unknown): Promise<AlertRule> {
    return this.alerts.createRule(body);
  }

  @Get('alert-rules')
  listRules(): Promise<AlertRule[]> {
    return this.alerts.listRules();
  }

  @Get('alert-rules/:id')
  getRule(@Param('id') id: string): Promise<AlertRule> {
    return this.alerts.getRule(id);
  }

  @Put('alert-rules/:id')
  updateRule(@Param('id') id: string, @Body() body: unknown): Promise<AlertRule> {
    return this.alerts.updateRule(id, body);
  }

  @Delete('alert-rules/:id')
  @HttpCode(204)
  deleteRule(@Param('id') id: string): Promise<void> {
    return this.alerts.deleteRule(id);
  }

  @Get('alerts')
  active(): Promise<ActiveAlert[]> {
    return this.alerts.activeAlerts();
  }

  @Post('webhooks')
  @HttpCode(201)
  createWebhook(@Body() body: unknown): Promise<WebhookView> {
    return this.alerts.createWebhook(body);
  }

  @Get('webhooks')
  listWebhooks(): Promise<WebhookView[]> {
    return this.alerts.listWebhooks();
  }

  @Get('webhooks/:id')
  getWebhook(@Param('id') id: string): Promise<WebhookView> {
    return this.alerts.getWebhook(id);
  }

  @Delete('webhooks/:id')
  @HttpCode(204)
  deleteWebhook(@Param('id') id: string): Promise<void> {
    return this.alerts.deleteWebhook(id);
  }
}
