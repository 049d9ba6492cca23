/**
 * The unfinished record at the end of one piece of a stream, joined to the next piece. A record that spans many
 * pieces is appended into storage that doubles as it fills, so that joining costs linear time, not a copy of the
 * whole record per piece.
 */
const MIN_STORAGE = 64 * 1024;

export class CarriedBytes {
  private storage = Buffer.alloc(0);
  private carried: Buffer = this.storage;

  /** `carried` followed by `piece`. */
  join(piece: Buffer): Buffer {
    const carried = this.carried;
    if (carried.length === 0) return piece;
    const length = carried.length + piece.length;
    // Appending in place is safe only when the carried bytes begin the storage: nothing before them is still in use.
    const inPlace = carried.buffer === this.storage.buffer && carried.byteOffset === this.storage.byteOffset;
    if (!inPlace || this.storage.length < length) {
      const storage = Buffer.allocUnsafe(Math.max(length, carried.length * 2, MIN_STORAGE));
      carried.copy(storage);
      this.storage = storage;
    }
    piece.copy(this.storage, carried.length);
    return this.storage.subarray(0, length);
  }

  /** Keeps `bytes` (a view of the last joined buffer) for the next piece. */
  carry(bytes: Buffer): void {
    this.carried = bytes;
  }

  get length(): number {
    return this.carried.length;
  }

  get bytes(): Buffer {
    return this.carried;
  }
}
