// A logger whose lines a test reads back: what an app said (a warning, once each) or never said (a secret).
import pino, { type Level, type Logger } from 'pino';

/** One line as pino wrote it: its level number, its message and its other fields. */
export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface CapturedLogger {
  logger: Logger;
  /** Every line written so far, parsed, in order. */
  readonly lines: LogLine[];
  /** Everything written so far, as written: to look for a value anywhere, such as a secret that must not leak. */
  text(): string;
  /** Whether some line holds `text`, in its message or any field. */
  logged(text: string): boolean;
}

export function capturedLogger(level: Level = 'info'): CapturedLogger {
  const written: string[] = [];
  const lines: LogLine[] = [];
  const logger = pino(
    { level },
    {
      write(line: string) {
        written.push(line);
        lines.push(JSON.parse(line) as LogLine);
      },
    },
  );
  return {
    logger,
    lines,
    text: () => written.join(''),
    logged: (text) => written.some((line) => line.includes(text)),
  };
}
