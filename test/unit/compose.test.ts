import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** docker-compose.yml and its files cannot be run here (no Docker engine), so check what can be checked. */

const root = path.resolve(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

type Service = {
  image?: string;
  build?: unknown;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, unknown>;
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  restart?: string;
};
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;

describe('docker-compose.yml', () => {
  it('has the whole production-like stack', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'api',
        'postgresql',
        'temporal',
        'temporal-admin-tools',
        'temporal-create-namespace',
        'temporal-ui',
        'worker',
      ].sort(),
    );
  });

  it('uses no deprecated temporalio/auto-setup image', () => {
    for (const [name, s] of Object.entries(services)) expect(`${name}: ${s.image ?? ''}`).not.toMatch(/auto-setup/);
  });

  it('runs PostgreSQL 16 with a pg_isready healthcheck', () => {
    expect(services.postgresql.image).toBe('postgres:16');
    expect(services.postgresql.healthcheck?.test.join(' ')).toContain('pg_isready');
  });

  it('sets up the Temporal schemas before the server starts, and the namespace after', () => {
    expect(services['temporal-admin-tools'].image).toBe('temporalio/admin-tools:1.30.1');
    expect(services.temporal.image).toBe('temporalio/server:1.30.1');
    expect(services.temporal.depends_on?.['temporal-admin-tools']).toEqual({
      condition: 'service_completed_successfully',
    });
    expect(services['temporal-create-namespace'].depends_on?.temporal).toEqual({ condition: 'service_healthy' });
    expect(services.temporal.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });

    const setup = read('deploy/temporal/scripts/setup-postgres.sh');
    for (const cmd of ['create', 'setup-schema -v 0.0', 'update-schema']) expect(setup).toContain(cmd);
    expect(setup).toContain('temporal-sql-tool --plugin postgres12');
    expect(setup).toMatch(/setup_db "\$\{DBNAME:-temporal\}" temporal/);
    expect(setup).toMatch(/setup_db "\$\{VISIBILITY_DBNAME:-temporal_visibility\}" visibility/);

    const ns = read('deploy/temporal/scripts/create-namespace.sh');
    expect(ns).toContain('SEARCH_ATTRIBUTES="SourceId SourceStatus"');
    expect(ns).toContain('--type Keyword');
  });

  it('gives the Temporal server the dynamic config the service needs', () => {
    const file = String(services.temporal.environment?.DYNAMIC_CONFIG_FILE_PATH);
    const hostDir = services.temporal.volumes?.[0].split(':')[0] ?? '';
    const config = parse(read(path.join(hostDir, path.basename(file)))) as Record<string, { value: unknown }[]>;
    for (const key of [
      'frontend.enableUpdateWorkflowExecution',
      'frontend.enableUpdateWorkflowExecutionAsyncAccepted',
      'frontend.enableExecuteMultiOperation',
    ]) {
      expect(config[key]).toEqual([{ value: true }]);
    }
  });

  it('serves the Temporal UI on 8233 of localhost only', () => {
    expect(services['temporal-ui'].image).toBe('temporalio/ui:2.34.0');
    expect(services['temporal-ui'].ports).toEqual(['127.0.0.1:8233:8080']);
  });

  it('publishes only the API to the network; Temporal stays inside the compose network', () => {
    const published = Object.entries(services).flatMap(([name, s]) => (s.ports ?? []).map((p) => ({ name, p })));
    for (const { name, p } of published) {
      // host_ip:host:container; a port without host_ip listens on every interface.
      const onlyLocal = /^(127\.0\.0\.1|\[::1\]|localhost):/.test(String(p));
      expect(`${name} ${p} ${onlyLocal || name === 'api'}`).toBe(`${name} ${p} true`);
    }
    expect(services.temporal.ports).toBeUndefined();
    expect(services['temporal-ui'].environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
    for (const name of ['api', 'worker']) expect(services[name].environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('requires every password: none has a default', () => {
    const text = read('docker-compose.yml');
    const uses = [...text.matchAll(/\$\{(\w*(PASSWORD|PWD|SECRET|KEY)\w*)(:?[-?][^}]*)?\}/g)];
    expect(uses.map((m) => m[1])).toEqual(expect.arrayContaining(['POSTGRES_PASSWORD', 'API_KEYS', 'ENCRYPTION_KEY']));
    for (const [use, name, , rest] of uses) {
      // Secrets Intercom gives (client id/secret) are optional: empty means the feature is off, never a weak value.
      const optional = /^INTERCOM_/.test(name) && rest === ':-';
      expect(`${use} ${optional || /^:\?./.test(rest ?? '')}`).toBe(`${use} true`);
    }
    // No literal password either: every password value is a required variable.
    const env = { ...services.postgresql.environment, ...services.temporal.environment };
    expect(String(env.POSTGRES_PASSWORD)).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    expect(String(env.POSTGRES_PWD)).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    expect(String(services.api.environment?.DATABASE_URL)).toContain('${POSTGRES_PASSWORD:?');
  });

  it('has a healthcheck for every long-running service; one-shot jobs are waited for until they succeed', () => {
    const jobs = ['temporal-admin-tools', 'temporal-create-namespace'];
    for (const [name, s] of Object.entries(services)) {
      if (jobs.includes(name)) {
        expect(`${name} ${s.restart}`).toMatch(/on-failure/);
        continue;
      }
      expect(`${name}: ${s.healthcheck?.test.join(' ') ?? 'no healthcheck'}`).toMatch(/^[\w-]+: CMD/);
      expect(`${name} ${s.restart}`).toBe(`${name} unless-stopped`);
    }
    for (const s of Object.values(services)) {
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(`${dep} ${condition}`).toBe(
          `${dep} ${jobs.includes(dep) ? 'service_completed_successfully' : 'service_healthy'}`,
        );
      }
    }
    expect(services.api.healthcheck?.test.join(' ')).toContain('/readyz');
  });

  it('builds api and worker from the Dockerfile, configured only with variables config.ts knows', () => {
    expect(services.api.command).toEqual(['node', 'dist/api/server.js']);
    expect(services.worker.command).toEqual(['node', '--max-old-space-size=256', 'dist/worker.js']);
    const configSource = read('src/config.ts');
    for (const name of ['api', 'worker']) {
      const s = services[name];
      expect(s.build).toBe('.');
      expect(s.depends_on?.['temporal-create-namespace']).toEqual({ condition: 'service_completed_successfully' });
      const env = Object.keys(s.environment ?? {});
      expect(env).toEqual(expect.arrayContaining(['DATABASE_URL', 'TEMPORAL_ADDRESS', 'API_KEYS', 'ENCRYPTION_KEY']));
      for (const key of env) expect(`${name}: ${key} ${configSource.includes(`${key}:`)}`).toBe(`${name}: ${key} true`);
    }
    expect(String(services.api.environment?.DATABASE_URL)).toMatch(/@postgresql:5432\/intercom_sync$/);
  });

  it('mounts only host paths that exist, and runs scripts that are executable and parse', () => {
    for (const s of Object.values(services)) {
      for (const volume of s.volumes ?? []) {
        const host = volume.split(':')[0];
        if (host.startsWith('.')) expect(existsSync(path.join(root, host))).toBe(true);
      }
    }
    for (const script of ['setup-postgres.sh', 'create-namespace.sh']) {
      const file = path.join(root, 'deploy/temporal/scripts', script);
      expect(() => accessSync(file, constants.X_OK)).not.toThrow();
      expect(() => execFileSync('sh', ['-n', file])).not.toThrow();
      const command =
        services[script.startsWith('setup') ? 'temporal-admin-tools' : 'temporal-create-namespace'].command;
      expect(command).toBe(`/scripts/${script}`);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  it('builds in one stage and runs from a slimmer one', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/RUN npm ci\b/);
    expect(dockerfile).toContain('RUN npm run build');
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toContain('COPY --from=build /app/dist ./dist');
    expect(dockerfile).toContain('CMD ["node", "dist/api/server.js"]');
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it('runs compiled JavaScript with production dependencies only', () => {
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
    expect(runtime).toMatch(/npm ci --omit=dev/);
    expect(runtime).not.toMatch(/COPY (\.\/)?src|tsx|ts-node/);
    expect(runtime).toMatch(/^ENV NODE_ENV=production$/m);
  });
});
