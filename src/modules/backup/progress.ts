// Progress of a backup or restore on standard error: a redrawn bar on a terminal, one plain
// line per table otherwise (logs, cron mail, CI).

export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

const int = (n: number) => n.toLocaleString('en-US');

export class Progress {
  readonly #out: ProgressOutput;
  readonly #tty: boolean;
  #label = '';
  #total = 0;
  #rows = 0;
  #bytes = 0;
  #started = 0;
  #drawn = 0;

  constructor(out: ProgressOutput) {
    this.#out = out;
    this.#tty = Boolean(out.isTTY);
  }

  /** A message on its own line. */
  log(message: string): void {
    if (this.#tty && this.#label) this.#out.write('\r\x1b[K');
    this.#out.write(`${message}\n`);
    if (this.#tty && this.#label) this.#draw();
  }

  start(label: string, totalRows: number): void {
    this.#label = label;
    this.#total = totalRows;
    this.#rows = 0;
    this.#bytes = 0;
    this.#started = Date.now();
    this.#drawn = 0;
    if (this.#tty) this.#draw();
  }

  add(rows: number, bytes: number): void {
    this.#rows += rows;
    this.#bytes += bytes;
    if (this.#tty && Date.now() - this.#drawn >= 100) this.#draw();
  }

  done(): void {
    const secs = ((Date.now() - this.#started) / 1000).toFixed(1);
    const line = `${this.#label}: ${int(this.#rows)} rows, ${formatBytes(this.#bytes)} (${secs} s)`;
    if (this.#tty) this.#out.write(`\r\x1b[K${line}\n`);
    else this.#out.write(`${line}\n`);
    this.#label = '';
  }

  #draw(): void {
    this.#drawn = Date.now();
    const width = 24;
    const share = this.#total > 0 ? Math.min(1, this.#rows / this.#total) : 1;
    const filled = Math.round(share * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    let text = `${this.#label} ${bar} ${int(this.#rows)}/${int(this.#total)} rows ${formatBytes(this.#bytes)}`;
    const cols = this.#out.columns || 100;
    if (text.length > cols - 1) text = text.slice(0, cols - 1);
    this.#out.write(`\r\x1b[K${text}`);
  }
}
