import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * The compose stack keeps /metrics internal (docs/monitoring.md): the api binds its metrics
 * listener to its own address on the internal `monitoring` network, with a bearer token from
 * `.env`; Prometheus reads that token as a secret file; nothing of the monitoring stack is
 * published. (Ports and the production config of the whole stack: test/deployment.)
 */
const root = join(__dirname, '..', '..', '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

interface Service {
  environment?: Record<string, string>;
  networks?: string[] | Record<string, { ipv4_address?: string } | null>;
  secrets?: string[];
  ports?: unknown;
  volumes?: string[];
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, Service>;
  networks: Record<string, { internal?: boolean; ipam?: { config: { subnet: string }[] } }>;
  secrets?: Record<string, { environment?: string }>;
};

describe('monitoring stack (compose)', () => {
  const api = compose.services.api;

  it('should bind the metrics listener to the api address on the internal monitoring network', () => {
    const networks = api.networks as Record<string, { ipv4_address?: string } | null>;
    expect(api.environment?.METRICS_HOST).toBe(networks.monitoring?.ipv4_address);
    expect(compose.networks.monitoring.internal).toBe(true);
    const subnet = compose.networks.monitoring.ipam!.config[0].subnet;
    expect(api.environment?.METRICS_HOST?.split('.').slice(0, 3)).toEqual(
      subnet.split('.').slice(0, 3),
    );
  });

  it('should require the metrics token from .env and hand it to Prometheus as a secret file', () => {
    expect(api.environment?.METRICS_TOKEN).toMatch(/^\$\{METRICS_TOKEN:\?/);
    expect(compose.secrets?.metrics_token?.environment).toBe('METRICS_TOKEN');
    expect(compose.services.prometheus.secrets).toContain('metrics_token');
    const prometheus = parse(read('docker/prometheus/prometheus.yml')) as {
      scrape_configs: { job_name: string; authorization?: { credentials_file?: string } }[];
    };
    const job = prometheus.scrape_configs.find((j) => j.job_name === 'secure-api');
    expect(job?.authorization?.credentials_file).toBe('/run/secrets/metrics_token');
    expect(read('docker/make-env.sh')).toMatch(/^METRICS_TOKEN=\$\(hex\)$/m);
  });

  it('should keep Prometheus and Alertmanager unpublished, on the monitoring network only', () => {
    for (const name of ['prometheus', 'alertmanager']) {
      const service = compose.services[name];
      expect(service.ports).toBeUndefined();
      expect(service.networks).toEqual(['monitoring']);
    }
    expect(compose.services.prometheus.volumes).toContain('./docker/prometheus:/etc/prometheus:ro');
  });
});
