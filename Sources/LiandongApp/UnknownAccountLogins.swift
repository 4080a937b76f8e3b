import Foundation
import Synchronization

/// Wrong logins to names that are no account, with the back-off an account's get: otherwise a
/// guesser would learn which names exist from which ones start answering 429. Kept in memory
/// (a guesser's names are not worth a write each); the table is bounded, and when full it
/// forgets the names whose wait is over first.
enum UnknownAccountLogins {
  struct Entry {
    var failures: Int
    var blockedUntil: Date?
  }

  static let capacity = 10_000
  private static let table = Mutex<[String: Entry]>([:])

  static func blockedUntil(_ name: String) -> Date? {
    table.withLock { $0[name]?.blockedUntil }
  }

  static func recordFailure(_ name: String, now: Date) {
    table.withLock { table in
      if table[name] == nil, table.count >= capacity {
        table = table.filter { ($0.value.blockedUntil ?? .distantPast) > now }
        if table.count >= capacity { table.removeAll() }
      }
      var entry = table[name] ?? Entry(failures: 0)
      entry.failures += 1
      entry.blockedUntil = LoginBackOff.wait(afterFailures: entry.failures).map { now.addingTimeInterval($0) }
      table[name] = entry
    }
  }
}
