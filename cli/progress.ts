// A progress bar on stderr for long runs; silent when stderr is not a terminal or with --quiet.

interface Progress {
  update(done: number, total: number, label?: string): void;
  done(): void;
}

export function createProgress(title: string, options: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const enabled = !options.quiet && Boolean(stream.isTTY);
  let last = 0;
  let drawn = false;
  return {
    update(done, total, label = '') {
      if (!enabled) return;
      const now = Date.now();
      if (now - last < 50 && done < total) return;
      last = now;
      const width = 30;
      const filled = total > 0 ? Math.round((done / total) * width) : 0;
      const pct = total > 0 ? Math.floor((done / total) * 100) : 0;
      stream.write(
        `\r${title} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${done}/${total} ${label}\u001b[K`,
      );
      drawn = true;
    },
    done() {
      if (enabled && drawn) stream.write('\n');
    },
  };
}
