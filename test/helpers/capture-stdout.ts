/**
 * Captures every line written to standard output (pino writes there) while keeping the stream
 * usable, so a test can search the logs for data that must never appear in them.
 * Call `restore()` in `afterAll`.
 */
export function captureStdout(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const originalWrite = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
    lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  };
  return {
    lines,
    restore: () => {
      process.stdout.write = originalWrite;
    },
  };
}
