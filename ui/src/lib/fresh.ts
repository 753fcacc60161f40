// Which answer about a piece of shell state is the newest: a read command's, or an update
// event's.
//
// The window mirrors shell state (health, outbox, password status) from two sources: a read
// command and an update event. It subscribes first, then reads, so no update can fall between
// the two. That leaves one race: a read's answer can arrive after an event that is newer than
// it (the background check finished while the answer was on its way). The rule here: an event
// supersedes every read that began before it, and a later read supersedes an earlier one. An
// event is never older than a read that began before it was sent, because the shell sends one
// after every change; so dropping such a read loses nothing.

/** The order of one state's reads and updates. */
export class Freshness {
  #epoch = 0;

  /** An update event (or a command's answer that is the new state) arrived: reads in flight are stale. */
  supersede(): void {
    this.#epoch += 1;
  }

  /** A read begins; the returned function tells, when it answers, whether its answer is still the newest. */
  begin(): () => boolean {
    const epoch = ++this.#epoch;
    return () => epoch === this.#epoch;
  }
}
