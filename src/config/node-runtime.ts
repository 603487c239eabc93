/**
 * How Node is started in production: the Dockerfile's `ENV` and `CMD`, `npm run start:prod` and
 * every server of `npm run bench` use exactly these (test/deployment checks the first two).
 * They bound the memory a busy process keeps (docs/performance.md "Memory"):
 *
 * - `--max-old-space-size=256`: V8 sizes its heap from this limit, young generation included, so
 *   under load the heap stays near 100 MB instead of growing towards the machine's default limit
 *   (~4 GB here) before collecting. 256 MB is about seven times the idle heap (36 MB).
 * - `MALLOC_ARENA_MAX=2`: glibc otherwise gives each thread its own allocation arena, and the
 *   19 MiB argon2id buffers hashed on libuv's threads stay resident in each of them after a
 *   login storm.
 */
export const NODE_RUNTIME = {
  flags: ['--max-old-space-size=256'],
  env: { MALLOC_ARENA_MAX: '2' },
} as const;
