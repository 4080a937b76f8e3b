import Foundation

/// The hub's log in the order its changes became visible, which the event stream and a client
/// resuming it with `Last-Event-ID` read by position (`arrivals(after:)`): a reader that
/// remembers the last position it saw must never find a smaller one committed later.
///
/// On SQLite, the one writer commits in the order of `changes.rowid`. On PostgreSQL, several
/// transactions (of one `serve` process or several) take rowids at once and commit in any order:
/// a reader could pass a rowid whose transaction was still open and never see its change. So
/// each transaction numbers the changes it stored in `log_order` last, under one lock held until
/// it commits (`PostgresLocks.logOrder`): the numbers of a transaction that commits later are
/// always larger, and what is visible is always every position up to some number.
extension PostgresConnection {
  /// Marks `change` as entering the log in this transaction (stored, or its body filled in):
  /// numbered at commit, after anything it held before.
  func enteredLog(_ change: Data) {
    if inTransaction { changesEntered.append(change) }
  }

  /// Numbers the changes this transaction stored, in the order it stored them, just before it
  /// commits. A change entered twice (a stub, then its body) is numbered once, at the later place;
  /// one that was numbered before moves to the end, as a filled stub's row does on SQLite.
  func numberEnteredChanges() throws {
    guard !changesEntered.isEmpty else { return }
    var seen = Set<Data>()
    let ordered = changesEntered.reversed().filter { seen.insert($0).inserted }.reversed()
    changesEntered = []
    try PostgresLocks.take([PostgresLocks.logOrder], on: self)
    for change in ordered { try coalesce(Self.logOrderRows, [.bytes(change)]) }
    try sendHeldRows()
  }

  private static let logOrderRows = RowInserts(
    "log_order", rowsPerStatement: 64, columns: ["change_id"],
    onConflict:
      "(change_id) DO UPDATE SET position = nextval(pg_get_serial_sequence('log_order', 'position'))")
}
