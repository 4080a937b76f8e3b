import Foundation
import LiandongErrors

extension EvidenceBundle {
  /// The bundle of `item` as one tar file at `file` (which must not exist), holding the bundle's
  /// folder `folderName`: what a browser downloads, where the command line writes a folder. Built
  /// beside `file` and removed from there whatever happens.
  public func writeArchive(item: String, to file: URL, folderName: String) throws -> Summary {
    try writeArchive(item: item, to: file, folderName: folderName, pack: NodeBackup.tar)
  }

  /// `pack` runs tar with these arguments (a test stands in a tar that fails).
  func writeArchive(item: String, to file: URL, folderName: String, pack: ([String]) throws -> Void) throws
    -> Summary
  {
    let fileManager = FileManager.default
    guard !fileManager.fileExists(atPath: file.path) else { throw BundleError.notEmpty(file.path) }
    let staging = file.deletingLastPathComponent().appendingPathComponent(".\(UUID().uuidString).bundle")
    defer { try? fileManager.removeItem(at: staging) }
    try fileManager.createDirectory(at: staging, withIntermediateDirectories: true)
    var summary = try write(item: item, to: staging.appendingPathComponent(folderName))
    do { try pack(["-cf", file.path, "-C", staging.path, folderName]) } catch {
      try? fileManager.removeItem(at: file)
      throw BundleError.archiveFailed((error as? StoreError)?.description ?? SystemError.reason(error))
    }
    summary.directory = folderName
    return summary
  }
}
