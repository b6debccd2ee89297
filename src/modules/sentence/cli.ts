// The `compute-sentence` command: one input JSON document on standard input, the result JSON
// on standard output. Exit 0 on success; exit 2 with
// {"error": {"code": "invalid_input", "message": "<field>: …", "path": "<field>"}}
// on any invalid input, unparsable JSON included (spec, "Interfaces").
// `runComputeSentence` takes and returns strings so it is tested without a process.

import { tryComputeSentence, type ComputeOptions } from './engine.ts';
import { singleIssueError } from './validate.ts';
import type { SentenceValidationError } from './types.ts';

export interface CommandOutput {
  exitCode: number;
  stdout: string;
}

export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_INVALID_INPUT = 2;

function invalid(error: SentenceValidationError): CommandOutput {
  const body = { error: { code: error.code, message: error.message, path: error.path, kind: error.kind } };
  return { exitCode: EXIT_INVALID_INPUT, stdout: JSON.stringify(body) + '\n' };
}

export async function runComputeSentence(stdinText: string, options?: ComputeOptions): Promise<CommandOutput> {
  let input: unknown;
  try {
    // A UTF-8 byte-order mark from Windows editors is not a JSON error worth rejecting.
    input = JSON.parse(stdinText.charCodeAt(0) === 0xfeff ? stdinText.slice(1) : stdinText);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return invalid(singleIssueError('schema', '', 'not_json', { reason }));
  }
  try {
    const r = tryComputeSentence(input, options);
    if (!r.ok) return invalid(r.error);
    return { exitCode: EXIT_OK, stdout: JSON.stringify(r.result, null, 2) + '\n' };
  } catch (e) {
    // An engine bug must never look like a result: no dates on standard output.
    const message = e instanceof Error ? e.message : String(e);
    return { exitCode: EXIT_INTERNAL, stdout: JSON.stringify({ error: { code: 'internal_error', message } }) + '\n' };
  }
}

/** Reads a whole stream (standard input by default) as UTF-8 text. */
export async function readStream(stream: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The whole command in one call, for the CLI dispatcher:
 *   case 'compute-sentence': return computeSentenceCommand();
 * Writes the output and sets process.exitCode (not process.exit, so stdout is flushed).
 */
export async function computeSentenceCommand(
  stdin: NodeJS.ReadableStream = process.stdin,
  stdout: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const out = await runComputeSentence(await readStream(stdin));
  stdout.write(out.stdout);
  process.exitCode = out.exitCode;
  return out.exitCode;
}
