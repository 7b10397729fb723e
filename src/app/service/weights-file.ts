import { closeSync, fstatSync, openSync, readSync, constants } from 'node:fs';
import { parseWeightsCsv, type Weights } from '../../domain/service/scorecard.ts';
import { TenureError } from '../errors.ts';

/** A weights file has one short line per component; anything larger is not one. */
export const WEIGHTS_MAX_BYTES = 64 * 1024;

/**
 * Reads `--weights FILE` (component,weight CSV; domain/service/scorecard.ts). Only a regular file
 * is read, through the one descriptor it was opened with; the first problem is the error, naming
 * the file, line and column, with the count of the others.
 */
export function loadWeights(path: string): Weights {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TenureError('FILE_NOT_FOUND', 'no such weights file', { file: path });
    if (code === 'ELOOP') throw new TenureError('USAGE', 'the weights file is a symbolic link; give the file itself', { file: path });
    throw new TenureError('BAD_INPUT', `cannot read the weights file: ${code ?? (err as Error).message}`, { file: path });
  }
  let text: string;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new TenureError('USAGE', 'the weights file is not a regular file', { file: path });
    if (st.size > WEIGHTS_MAX_BYTES) throw new TenureError('BAD_INPUT', `the weights file is ${st.size} bytes, more than ${WEIGHTS_MAX_BYTES}`, { file: path });
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < st.size) {
      const n = readSync(fd, buf, got, st.size - got, got);
      if (n === 0) break;
      got += n;
    }
    text = buf.subarray(0, got).toString('utf8');
  } finally {
    closeSync(fd);
  }
  const { weights, problems } = parseWeightsCsv(text);
  const first = problems[0];
  if (weights === null || first) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    throw new TenureError('BAD_INPUT', `${first?.reason ?? 'invalid weights file'}${more}`, { file: path, line: first?.line, ...(first?.column ? { column: first.column } : {}) });
  }
  return weights;
}
