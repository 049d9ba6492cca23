/**
 * The local secrets, kept in `<data>/secrets.json`: readable by the owner only (the values are in clear, there is
 * no KMS locally) and replaced atomically (a temporary file renamed over it), so a crash never tears it.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SECRETS_FILE = 'secrets.json';
/** AWS appends a hyphen and six random alphanumerics to the name in a secret's ARN. */
export const ARN_SUFFIX_LENGTH = 6;
const OWNER_ONLY = 0o600;

export interface SecretVersion {
  readonly versionId: string;
  readonly secretString?: string;
  /** Base64, as the JSON protocol carries blobs. */
  readonly secretBinary?: string;
  /** Epoch seconds, as the JSON protocol carries timestamps. */
  readonly createdDate: number;
  /** `AWSCURRENT` or `AWSPREVIOUS`: only the two staged versions are kept. */
  readonly stages: readonly string[];
}

export interface StoredSecret {
  readonly arn: string;
  readonly name: string;
  readonly description?: string;
  readonly kmsKeyId?: string;
  readonly tags: readonly { readonly Key: string; readonly Value: string }[];
  readonly createdDate: number;
  readonly lastChangedDate: number;
  readonly versions: readonly SecretVersion[];
}

interface SecretsFile {
  readonly secrets: readonly StoredSecret[];
}

export class SecretStore {
  private readonly file: string;
  private readonly secrets = new Map<string, StoredSecret>();

  constructor(dataDir: string) {
    this.file = join(dataDir, SECRETS_FILE);
    for (const secret of this.read().secrets) this.secrets.set(secret.arn, secret);
  }

  all(): StoredSecret[] {
    return [...this.secrets.values()];
  }

  /** By ARN, by name, or by the ARN without its random suffix, as Secrets Manager accepts all three. */
  find(id: string): StoredSecret | undefined {
    return this.all().find(
      (candidate) =>
        candidate.arn === id ||
        candidate.name === id ||
        candidate.arn.slice(0, -(ARN_SUFFIX_LENGTH + 1)) === id,
    );
  }

  save(secret: StoredSecret): void {
    this.secrets.set(secret.arn, secret);
    this.write();
  }

  remove(arn: string): void {
    this.secrets.delete(arn);
    this.write();
  }

  private read(): SecretsFile {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { secrets: [] };
      throw error;
    }
    // A damaged file fails start-up rather than silently losing every secret on the next write.
    return JSON.parse(text) as SecretsFile;
  }

  private write(): void {
    const temporary = `${this.file}.tmp`;
    const content: SecretsFile = { secrets: this.all() };
    // A mode applies only when a file is created: a temporary left by a crash is removed so that the values are
    // never written into a file others may read.
    rmSync(temporary, { force: true });
    writeFileSync(temporary, JSON.stringify(content), { mode: OWNER_ONLY, flag: 'wx' });
    renameSync(temporary, this.file);
  }
}
