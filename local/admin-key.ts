/**
 * The bootstrap admin (platform) key: given in TRIBUTARY_ADMIN_KEY, else the one saved in the data folder by an
 * earlier start, else a new one, saved there readable by the owner only so that every restart keeps it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ADMIN_KEY_FILE = 'admin-key';
/** 32 random bytes: as strong as the keys the API issues. */
const ADMIN_KEY_BYTES = 32;
const OWNER_ONLY = 0o600;

export type AdminKeySource = 'environment' | 'data-dir' | 'generated';

export interface AdminKey {
  readonly key: string;
  readonly source: AdminKeySource;
  readonly file: string;
}

export function resolveAdminKey(dataDir: string, given: string | undefined): AdminKey {
  const file = join(dataDir, ADMIN_KEY_FILE);
  if (given) return { key: given, source: 'environment', file };
  if (existsSync(file)) {
    const saved = readFileSync(file, 'utf8').trim();
    if (saved) return { key: saved, source: 'data-dir', file };
  }
  const key = `trb_${randomBytes(ADMIN_KEY_BYTES).toString('base64url')}`;
  writeFileSync(file, `${key}\n`, { mode: OWNER_ONLY });
  return { key, source: 'generated', file };
}
