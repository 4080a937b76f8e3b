import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// How much a sync's heavy work (`PatientWorkers`) gives way to requests from
/// people. A node serving the API and the console runs it at nice 10, so that an officer's page
/// gets a core first; everywhere else (`liandong sync`, the tools, tests) it keeps nice 0, as a
/// peer on the same machine does, since nobody waits on a page there.
public enum Patience {
  /// The nice value patient threads run at: 0 until `yieldToPeople`.
  static let niceness = Atomic<Int32>(0)

  /// From now on, the sync's heavy work gives way to requests from people.
  public static func yieldToPeople() { niceness.store(10, ordering: .relaxed) }

  /// Whether this node serves people (`yieldToPeople` was called).
  static var servesPeople: Bool { niceness.load(ordering: .relaxed) != 0 }

  /// Sets the calling thread's nice value to `niceness` plus `above` if `current` is not it yet;
  /// returns it. On Linux the nice value is the thread's own (who 0: this thread, not the
  /// process), the kernel caps it at 19, and lowering one's own priority needs no privilege
  /// (raising it back would: a node never does).
  static func adopt(from current: Int32, above: Int32 = 0) -> Int32 {
    let wanted = niceness.load(ordering: .relaxed) + above
    if wanted != current { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, wanted) }
    return wanted
  }
}
