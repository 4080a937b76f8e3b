import Foundation

/// Free and total bytes of the file system that holds a path, as an unprivileged writer sees
/// them (`f_bavail`: root's reserve does not count, since the node need not run as root).
public struct DiskSpace: Sendable, Equatable {
  public var free: Int64
  public var total: Int64

  /// Nil when the path cannot be examined (it does not exist, or is not readable).
  public init?(of path: String) {
    var status = statvfs()
    guard statvfs(path, &status) == 0 else { return nil }
    let unit = Int64(status.f_frsize)
    free = Int64(status.f_bavail) * unit
    total = Int64(status.f_blocks) * unit
  }
}
