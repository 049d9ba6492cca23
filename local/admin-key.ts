/**
 * The bootstrap admin (platform) key: given in TRIBUTARY_ADMIN_KEY, else the one saved in the data folder by an
 * earlier start, else a new one, saved there readable by the owner only so that every restart keeps it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey } from '../lambdas/core/api-keys/api-key';

export const ADMIN_KEY_FILE = 'admin-key';
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
  // As strong as the keys the API issues.
  const key = generateKey();
  writeFileSync(file, `${key}\n`, { mode: OWNER_ONLY });
  return { key, source: 'generated', file };
}
