//! What the TypeScript reader sees in the shapes real code takes: a NestJS
//! PrismaService, a module-level client, a lazy singleton, the global
//! cache, an extended client, clients made per call, and the handlers
//! and checks around them.

use std::path::Path;

use super::*;

fn read(text: &str) -> Sources {
    read_at("src/prisma/prisma.service.ts", text)
}

fn read_at(path: &str, text: &str) -> Sources {
    let mut sources = Sources::default();
    sources.read(Path::new(path), path, text, true);
    sources
}

fn shapes(sources: &Sources) -> Vec<Shape> {
    sources.clients.iter().map(|c| c.shape.clone()).collect()
}

const NEST_SERVICE: &str = r#"
import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { PrismaClient } from '@prisma/client';

@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit, OnModuleDestroy {
  constructor() {
    super({ log: process.env.NODE_ENV === 'production' ? ['error'] : ['query', 'error'] });
  }

  async onModuleInit() {
    await this.$connect();
  }

  async onModuleDestroy() {
    await this.$disconnect();
  }
}
"#;

#[test]
fn a_nestjs_prisma_service_is_a_provider_that_disconnects_in_its_hook() {
    let sources = read(NEST_SERVICE);
    assert_eq!(shapes(&sources), [Shape::Provider("PrismaService".into())]);
    assert!(matches!(&sources.clients[0].log, Log::Chosen(text) if text.contains("NODE_ENV")), "{sources:?}");
    assert_eq!(sources.clients[0].at.line, 6);
    assert_eq!(sources.disconnects.len(), 1);
    assert_eq!(sources.disconnects[0].hook.as_deref(), Some("onModuleDestroy"));
    assert!(sources.shutdown_hooks.is_empty());

    let main = read_at(
        "src/main.ts",
        "async function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  app.enableShutdownHooks();\n}\n",
    );
    assert_eq!(main.shutdown_hooks.iter().map(|a| a.line).collect::<Vec<_>>(), [3]);
}

#[test]
fn a_service_without_injectable_makes_a_client_per_instance() {
    let sources = read("export class Db extends PrismaClient {}\n");
    assert_eq!(shapes(&sources), [Shape::PerInstance("Db".into())]);
    assert_eq!(sources.clients[0].log, Log::Absent);
}

#[test]
fn module_level_lazy_global_and_per_call_clients() {
    let module = read(
        "import { PrismaClient } from '@prisma/client';\nexport const prisma = new PrismaClient({ log: ['query'] });\n",
    );
    assert_eq!(shapes(&module), [Shape::ModuleLevel]);
    assert_eq!(module.clients[0].log, Log::Fixed("['query']".into()));

    let lazy = read(
        "let prisma: PrismaClient | undefined;\nexport function db() {\n  if (!prisma) {\n    prisma = new PrismaClient();\n  }\n  return prisma;\n}\n",
    );
    assert_eq!(shapes(&lazy), [Shape::Lazy("prisma".into())]);

    let global = read(
        "const globalForPrisma = globalThis as unknown as { prisma?: PrismaClient };\nexport const prisma = globalForPrisma.prisma ?? new PrismaClient();\nif (process.env.NODE_ENV !== 'production') globalForPrisma.prisma = prisma;\n",
    );
    assert_eq!(shapes(&global), [Shape::ModuleLevel]);

    let cached = read("export function db() {\n  return (globalThis.prisma ??= new PrismaClient());\n}\n");
    assert_eq!(shapes(&cached), [Shape::Lazy("globalThis.prisma".into())]);

    let per_call = read(
        "export async function handler(req) {\n  const prisma = new PrismaClient();\n  return prisma.patient.findMany();\n}\n",
    );
    assert_eq!(shapes(&per_call), [Shape::PerCall("handler".into())]);
}

#[test]
fn an_extended_client_is_still_one_client() {
    let sources = read(
        "export const prisma = new PrismaClient().$extends({\n  query: {\n    $allOperations: async ({ args, query }) => {\n      const start = performance.now();\n      const result = await query(args);\n      if (performance.now() - start > 500) console.warn('slow');\n      return result;\n    },\n  },\n});\n",
    );
    assert_eq!(shapes(&sources), [Shape::ModuleLevel]);
    assert_eq!(sources.extensions.len(), 1);
    assert_eq!(sources.query_logs.len(), 1, "the timing in $allOperations logs slow queries");
    assert!(sources.query_logs[0].threshold);
}

#[test]
fn a_use_factory_provider_is_a_provider() {
    let sources = read(
        "@Module({ providers: [{ provide: PRISMA, useFactory: () => new PrismaClient() }], exports: [PRISMA] })\nexport class DbModule {}\n",
    );
    assert_eq!(shapes(&sources), [Shape::Provider("useFactory".into())]);
}

#[test]
fn signal_handlers_inline_and_by_name() {
    let inline = read(
        "export const prisma = new PrismaClient();\nprocess.on('SIGTERM', async () => {\n  await prisma.$disconnect();\n  process.exit(0);\n});\n",
    );
    assert_eq!(inline.disconnects[0].signals, ["SIGTERM"]);

    let named = read(
        "export const prisma = new PrismaClient();\nasync function shutdown() {\n  await prisma.$disconnect();\n}\nprocess.once('SIGINT', shutdown);\n",
    );
    assert_eq!(named.disconnects[0].functions, ["shutdown"]);
    assert_eq!(named.signals[0].handler.as_deref(), Some("shutdown"));
    assert_eq!(named.signals[0].signal, "SIGINT");

    let seed = read("main().finally(async () => {\n  await prisma.$disconnect();\n});\n");
    assert!(seed.disconnects[0].signals.is_empty() && seed.disconnects[0].hook.is_none());
}

#[test]
fn health_checks_query_logs_and_overrides() {
    let health = read_at(
        "src/health/health.controller.ts",
        "export class HealthController {\n  async check() {\n    await this.prisma.$queryRaw`SELECT 1`;\n  }\n}\n",
    );
    assert_eq!(health.health.len(), 1);
    assert_eq!(health.health[0].0.line, 3);

    let elsewhere = read(
        "export class PatientsService {\n  list() {\n    return this.prisma.$queryRaw`SELECT * FROM patients`;\n  }\n}\n",
    );
    assert!(elsewhere.health.is_empty(), "a raw query outside a health check is not one");

    let terminus = read("export class Checks {\n  constructor(private readonly db: PrismaHealthIndicator) {}\n}\n");
    assert_eq!(terminus.health.len(), 1);

    let logs = read(
        "prisma.$on('query', (e) => {\n  logger.debug(e.query);\n});\nprisma.$on('query', (e) => {\n  if (e.duration >= 200) logger.warn(e.query);\n});\n",
    );
    assert_eq!(logs.query_logs.iter().map(|q| q.threshold).collect::<Vec<_>>(), [false, true]);

    let overrides = read(
        "export const prisma = new PrismaClient({ datasources: { db: { url: 'postgres://ehr:pw@db/ehr' } } });\nconst adapter = new PrismaPg({ connectionString: process.env.DATABASE_URL, max: 10 });\nexport const other = new PrismaClient({ datasourceUrl: process.env.DIRECT_URL });\n",
    );
    let found: Vec<(String, Value)> = overrides.overrides.iter().map(|o| (o.what.clone(), o.value.clone())).collect();
    assert_eq!(
        found,
        [
            ("datasources.db.url".to_owned(), Value::Literal("postgres://ehr:pw@db/ehr".into())),
            ("PrismaPg connectionString".to_owned(), Value::Code("process.env.DATABASE_URL".into())),
            ("PrismaPg max".to_owned(), Value::Code("10".into())),
            ("datasourceUrl".to_owned(), Value::Code("process.env.DIRECT_URL".into())),
        ]
    );
}

#[test]
fn a_syntax_error_is_kept_with_its_line_and_column() {
    let sources = read("export const prisma = new PrismaClient(;\n");
    assert_eq!(sources.errors.len(), 1);
    assert!(sources.errors[0].starts_with("src/prisma/prisma.service.ts:1:"), "{:?}", sources.errors);
}
