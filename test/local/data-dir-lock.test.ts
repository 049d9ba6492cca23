import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirInUseError, LOCK_FILE, lockDataDir } from '../../local/data-dir-lock';

describe('data folder lock', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tributary-lock-'));
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a second runtime on the same folder, and frees the folder on release', () => {
    // Prepare
    const release = lockDataDir(dataDir);

    // Act
    const second = (): unknown => lockDataDir(dataDir);

    // Assess
    expect(second).toThrow(DataDirInUseError);
    release();
    const again = lockDataDir(dataDir);
    expect(readFileSync(join(dataDir, LOCK_FILE), 'utf8')).toBe(String(process.pid));
    again();
  });

  it('takes over a lock left by a process that no longer runs', () => {
    // Prepare: the highest pid Linux hands out is 4194304; this one cannot be running
    writeFileSync(join(dataDir, LOCK_FILE), '4194305');

    // Act
    const release = lockDataDir(dataDir);

    // Assess
    expect(readFileSync(join(dataDir, LOCK_FILE), 'utf8')).toBe(String(process.pid));
    release();
  });

  it('refuses a folder held by another running process', () => {
    // Prepare: pid 1 always runs
    writeFileSync(join(dataDir, LOCK_FILE), '1');

    // Act / Assess
    expect(() => lockDataDir(dataDir)).toThrow(/in use by another Tributary runtime \(process 1\)/);
  });
});
