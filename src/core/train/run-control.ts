/** Pause, resume and cancel for a running training loop, checked between batches. */

export class CancelledError extends Error {
  override name = 'CancelledError';
  constructor() {
    super('Training was cancelled.');
  }
}

export class RunControl {
  private pausedFlag = false;
  private cancelledFlag = false;
  private waiters: (() => void)[] = [];

  get paused(): boolean {
    return this.pausedFlag;
  }
  get cancelled(): boolean {
    return this.cancelledFlag;
  }
  pause(): void {
    this.pausedFlag = true;
  }
  resume(): void {
    this.pausedFlag = false;
    this.wake();
  }
  cancel(): void {
    this.cancelledFlag = true;
    this.wake();
  }
  /** Waits while paused; returns true when the run should stop (cancelled). */
  async checkpoint(onPause?: () => void): Promise<boolean> {
    if (this.pausedFlag && !this.cancelledFlag) {
      onPause?.();
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.cancelledFlag;
  }
  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }
}
