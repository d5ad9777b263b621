import { SingleBar } from 'cli-progress';

/** A progress bar on a TTY, plain periodic lines otherwise (CI logs, pipes). */
export function progressBar(label: string) {
  const tty = process.stderr.isTTY;
  const bar = tty
    ? new SingleBar({
        format: `${label} [{bar}] {percentage}% | {detail}`,
        stream: process.stderr,
        hideCursor: true,
      })
    : null;
  let started = false;
  let lastLine = 0;
  return {
    update(value: number, total: number, detail: string) {
      if (bar) {
        if (!started) bar.start(total, 0, { detail });
        started = true;
        bar.setTotal(total);
        bar.update(value, { detail });
      } else if (Date.now() - lastLine > 2000) {
        lastLine = Date.now();
        process.stderr.write(`${label}: ${total ? Math.floor((100 * value) / total) : 0}% ${detail}\n`);
      }
    },
    stop() {
      if (bar && started) bar.stop();
    },
  };
}
