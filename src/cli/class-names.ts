// `--class BankAccount` for `src/model.BankAccount`: a short name is accepted where exactly one class the backends
// have ends with it; an ambiguous or unknown one is an error that lists the candidates.
import { InvalidOptionError } from '../errors.js';

export function resolveClassName(given: string, known: Iterable<string>): string {
  const classes = [...new Set(known)].sort();
  if (classes.includes(given)) return given;
  const matches = classes.filter((c) => c.endsWith(`.${given}`) || c.endsWith(`/${given}`));
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) throw new InvalidOptionError('--class', given, `one of ${matches.join(', ')} (ambiguous)`);
  throw new InvalidOptionError('--class', given, `a class the backends have (${classes.join(', ') || 'none'})`);
}
