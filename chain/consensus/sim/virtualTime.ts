import type { Timer, TimerHandle } from "../driverContext.js";

// The simulator's clock: virtual milliseconds and one queue of timed callbacks, run in (time,
// insertion) order. Nothing in a run reads the real clock or a real timer, so a seed replays
// exactly. After each callback the loop lets every promise it started settle (the drivers' work
// is asynchronous but never waits on real I/O), so a callback's effects are complete, at its
// virtual time, before the next one runs.

interface Entry {
  at: number;
  seq: number;
  f: () => void;
  cancelled: boolean;
}

export class VirtualClock {
  now = 0;
  private seq = 0;
  private readonly heap: Entry[] = [];

  /** Runs f at now + ms (ms >= 0). */
  at(ms: number, f: () => void): Entry {
    const e: Entry = { at: this.now + Math.max(0, ms), seq: this.seq++, f, cancelled: false };
    this.push(e);
    return e;
  }

  get pending(): number {
    return this.heap.length;
  }

  /** A driver's Timer on this clock; `alive` false (a crashed incarnation) silences its callbacks. */
  timer(alive: () => boolean): Timer {
    return {
      set: (f, ms) => this.at(ms, () => alive() && f()),
      clear: (h: TimerHandle) => {
        (h as Entry).cancelled = true;
      },
    };
  }

  /** The next callback due, with the clock moved to its time; null when nothing is queued. */
  next(): (() => void) | null {
    while (this.heap.length > 0) {
      const e = this.pop();
      if (e.cancelled) continue;
      this.now = e.at;
      return e.f;
    }
    return null;
  }

  private less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): Entry {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

/** Lets every promise started so far settle (microtasks run before the next macrotask). */
export function settle(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
