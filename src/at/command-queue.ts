/**
 * Runs tasks one at a time in order: exactly one AT command in flight per channel
 * (27.007 §5.7: a new command line may only be sent after the final result of the
 * previous one). Per-instance state only, so a hung port never blocks another.
 */
interface Item {
  task: () => Promise<unknown>;
  label: string;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class CommandQueue {
  #items: Item[] = [];
  #running = false;

  /** Commands waiting (not counting the one in flight). */
  get waiting(): number {
    return this.#items.length;
  }

  /** `label` names the task for `rejectWaiting` (the channel passes the command text). */
  enqueue<T>(task: () => Promise<T>, label = ""): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#items.push({ task, label, resolve: resolve as (value: unknown) => void, reject });
      void this.#pump();
    });
  }

  /** Reject every task that has not started yet. */
  rejectWaiting(errorFor: (label: string) => unknown): void {
    const items = this.#items;
    this.#items = [];
    for (const item of items) item.reject(errorFor(item.label));
  }

  async #pump(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      for (let item = this.#items.shift(); item; item = this.#items.shift()) {
        try {
          item.resolve(await item.task());
        } catch (err) {
          item.reject(err);
        }
      }
    } finally {
      this.#running = false;
    }
  }
}
