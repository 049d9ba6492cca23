// The emulators ship no type declarations; these cover the parts the local runtime uses.
declare module 'dynalite' {
  import type { Server } from 'node:http';
  interface DynaliteOptions {
    path?: string | undefined;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
  }
  export default function dynalite(options?: DynaliteOptions): Server;
}

declare module 'kinesalite' {
  import type { Server } from 'node:http';
  interface KinesaliteOptions {
    path?: string | undefined;
    createStreamMs?: number;
    deleteStreamMs?: number;
    updateStreamMs?: number;
    shardLimit?: number;
  }
  export default function kinesalite(options?: KinesaliteOptions): Server;
}

declare module 's3rver' {
  import type { EventEmitter } from 'node:events';
  import type { IncomingMessage } from 'node:http';
  import type { AddressInfo } from 'node:net';
  interface S3rverOptions {
    port?: number;
    address?: string;
    directory: string;
    silent?: boolean;
    resetOnClose?: boolean;
    configureBuckets?: { name: string; configs?: string[] }[];
  }
  /** The parts of a Koa context (s3rver is a Koa application) that the local runtime's middleware uses. */
  export interface S3Context {
    readonly method: string;
    readonly path: string;
    readonly query: Readonly<Record<string, string | undefined>>;
    readonly req: IncomingMessage;
    app: S3rver;
    status: number;
    body: unknown;
    type: string;
    length: number;
    set(name: string, value: string): void;
    get(name: string): string;
  }
  export type S3Middleware = (ctx: S3Context, next: () => Promise<void>) => Promise<void>;
  /** s3rver's file system store (3.7): where an object's file is, and its metadata (ETag, headers, size). */
  interface S3rverStore {
    getResourcePath(bucket: string, key: string, resource: 'object'): string;
    getMetadata(bucket: string, key: string): Promise<Record<string, unknown>>;
  }
  export default class S3rver extends EventEmitter {
    constructor(options: S3rverOptions);
    /** Koa's middleware list, composed when the server starts listening. */
    readonly middleware: S3Middleware[];
    readonly store: S3rverStore;
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
}

/** s3rver's account registry: every access key it accepts belongs to its one account. */
declare module 's3rver/lib/models/account.js' {
  export const DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secretAccessKey: string): void };
}
