// KV keys allow [-/_=.A-Za-z0-9]; aliases and dataset names may hold anything. Escape the rest as =XX (UTF-8
// bytes), which keeps keys readable, injective and free of '.', so '.' stays the separator for prefix listing.
const SAFE = /[A-Za-z0-9_-]/;

export function escapeKeyPart(part: string): string {
  let out = '';
  for (const ch of part) {
    if (SAFE.test(ch)) out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out || '=';
}

/**
 * The longest alias or dataset name, once escaped: an alias's key holds both, and a key must fit one subject
 * (kv-fast.ts MAX_KEY_LENGTH). A character outside [A-Za-z0-9_-] takes 3 to 12.
 */
export const MAX_NAME_KEY = 1024;
const PLAIN_NAME = new RegExp(`^[A-Za-z0-9_-]{1,${MAX_NAME_KEY}}$`);

/** Why `name` cannot name an alias or a dataset; undefined when it can. */
export function nameProblem(name: unknown): string | undefined {
  if (typeof name === 'string' && PLAIN_NAME.test(name)) return undefined; // every request's dataset: no escaping
  if (typeof name !== 'string' || name.length === 0) return 'must be a non-empty string';
  // a lone surrogate has no UTF-8 form: it would be stored as U+FFFD and name another alias
  if (/\p{Cs}/u.test(name)) return 'must be well-formed Unicode (it holds a lone surrogate)';
  const escaped = escapeKeyPart(name).length;
  if (escaped > MAX_NAME_KEY) return `is ${escaped} characters once escaped for its key, at most ${MAX_NAME_KEY}`;
  return undefined;
}

export function unescapeKeyPart(part: string): string {
  if (part === '=') return '';
  const bytes: number[] = [];
  for (let i = 0; i < part.length; i++) {
    if (part[i] === '=') {
      bytes.push(parseInt(part.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(part.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}
