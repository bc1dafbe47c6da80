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
