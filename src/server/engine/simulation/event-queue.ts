import type { Rider } from './simulator.types.js'

/** The simulator's events, in time order. */
export type NewEvent =
  | { t: number; kind: 'rider'; rider: Rider }
  | { t: number; kind: 'arrive'; station: number; tried: number[] }
  | { t: number; kind: 'tick' }
  | { t: number; kind: 'crew'; crew: number }
type Event = NewEvent & { seq: number }

/** A binary min-heap on (t, seq): equal times keep their insertion order. */
export class EventQueue {
  private items: Event[] = []
  private seq = 0
  get size(): number {
    return this.items.length
  }
  push(event: NewEvent): void {
    const item = { ...event, seq: this.seq++ }
    const items = this.items
    items.push(item)
    let i = items.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.less(items[i] as Event, items[parent] as Event)) break
      ;[items[i], items[parent]] = [items[parent] as Event, items[i] as Event]
      i = parent
    }
  }
  pop(): Event | undefined {
    const items = this.items
    const top = items[0]
    const last = items.pop()
    if (items.length > 0 && last) {
      items[0] = last
      let i = 0
      for (;;) {
        const left = 2 * i + 1
        const right = left + 1
        let smallest = i
        if (left < items.length && this.less(items[left] as Event, items[smallest] as Event))
          smallest = left
        if (right < items.length && this.less(items[right] as Event, items[smallest] as Event))
          smallest = right
        if (smallest === i) break
        ;[items[i], items[smallest]] = [items[smallest] as Event, items[i] as Event]
        i = smallest
      }
    }
    return top
  }
  private less(a: Event, b: Event): boolean {
    return a.t < b.t || (a.t === b.t && a.seq < b.seq)
  }
}
