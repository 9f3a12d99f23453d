import { Controller, Get, Global, Header, Inject, Module } from '@nestjs/common';
import { PlumblineMetrics } from '../../monitoring/metrics.registry.js';

@Controller()
export class MetricsController {
  constructor(@Inject(PlumblineMetrics) private readonly metrics: PlumblineMetrics) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

@Global()
@Module({
  providers: [{ provide: PlumblineMetrics, useFactory: () => new PlumblineMetrics() }],
  controllers: [MetricsController],
  exports: [PlumblineMetrics],
})
export class MetricsModule {}
