/**
 * Runs the chunks' database work one after the other on the import's connection, while the caller goes on parsing;
 * `submit` waits while two chunks are pending, which bounds memory. The first failure stops the rest and is
 * thrown by the next submit or by drain.
 */
export class ChunkPipeline {
  private tail: Promise<void> = Promise.resolve();
  private readonly pending: Array<Promise<void>> = [];
  private failure: { error: unknown } | null = null;

  async submit(work: () => Promise<void>): Promise<void> {
    this.check();
    this.tail = this.tail
      .then(() => (this.failure ? undefined : work()))
      .catch((error: unknown) => {
        this.failure ??= { error };
      });
    this.pending.push(this.tail);
    while (this.pending.length >= 2) await this.pending.shift();
    this.check();
  }

  async drain(): Promise<void> {
    await this.tail;
    this.check();
  }

  /** Waits for the running chunk to end, ignoring its outcome (the caller is already failing). */
  async settle(): Promise<void> {
    await this.tail;
  }

  private check(): void {
    if (this.failure) throw this.failure.error;
  }
}
