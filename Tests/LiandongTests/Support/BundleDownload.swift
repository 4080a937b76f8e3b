import Foundation

/// A downloaded evidence bundle (one tar file) unpacked and checked with its own `verify.sh`, as
/// a court or police office would with openssl alone: the script's result, or tar's if the file
/// does not unpack.
func verifyDownloadedBundle(_ tar: URL, of item: String) throws -> ProcessResult {
  let unpacked = tar.deletingLastPathComponent().appendingPathComponent("unpacked-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: unpacked, withIntermediateDirectories: true)
  let unpacking = try run("/usr/bin/tar", ["-xf", tar.path, "-C", unpacked.path])
  guard unpacking.status == 0 else { return unpacking }
  return try run(
    "/bin/sh", [unpacked.appendingPathComponent("evidence-\(item.prefix(8))/verify.sh").path])
}

extension NodeProcess {
  /// What a download left in the node's `exports/` folder: nothing, however it ended.
  var exportsLeft: [String] {
    (try? FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent("exports").path)) ?? []
  }
}
