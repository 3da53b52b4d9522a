// ABCI events as CometBFT 0.38 carries them: string keys and values, each with an index flag.

export interface EventAttribute {
  key: string;
  value: string;
  index: boolean;
}

export interface Event {
  type: string;
  attributes: EventAttribute[];
}

export function event(type: string, attrs: ReadonlyArray<readonly [string, string]>, index = true): Event {
  return { type, attributes: attrs.map(([key, value]) => ({ key, value, index })) };
}

/** Collects events in emission order; a tx's events are kept only if it succeeds. */
export class EventManager {
  readonly events: Event[] = [];

  emit(e: Event): void {
    this.events.push(e);
  }

  emitAll(es: readonly Event[]): void {
    for (const e of es) this.events.push(e);
  }
}
