import Foundation
import LiandongCore
import LiandongStore
import Synchronization
import Testing

/// What `evidence add` accepts as a file: a regular file whose content stays put while it is
/// read, attached to an object the node knows.
@Suite("Evidence input")
struct EvidenceInputTests {
  static func node(_ label: String) async throws -> (NodeProcess, String, URL) {
    let jjj = try await NodeProcess("jjj", federation: try TestFederation(label: label, nodes: ["jjj"]))
    let lead = try await jjj.addLead()
    return (jjj, lead, temporaryDirectory(label))
  }

  func add(_ node: NodeProcess, _ item: String, _ path: String) async throws -> ProcessResult {
    try await node.cli("evidence", "add", item, path, "--category", "documentary")
  }

  @Test("a named pipe, a device, a folder and an empty file are refused at once, and nothing is recorded")
  func notRegularFiles() async throws {
    let (jjj, lead, folder) = try await Self.node("evidence-input")
    let pipe = folder.appendingPathComponent("pipe").path
    #expect(mkfifo(pipe, 0o600) == 0)
    let empty = folder.appendingPathComponent("empty.txt")
    try Data().write(to: empty)
    let before = try await jjj.cli("log").stdout
    // A pipe with no writer used to block `evidence add` forever: the run helper's timeout would fail it.
    let piped = try await add(jjj, lead, pipe)
    #expect(piped.failed(with: "evidence.not-a-file") && piped.stderr.contains("a named pipe"), "\(piped)")
    let device = try await add(jjj, lead, "/dev/null")
    #expect(device.failed(with: "evidence.not-a-file") && device.stderr.contains("a device"), "\(device)")
    let directory = try await add(jjj, lead, folder.path)
    #expect(
      directory.failed(with: "evidence.not-a-file") && directory.stderr.contains("a folder"), "\(directory)")
    let nothing = try await add(jjj, lead, empty.path)
    #expect(nothing.failed(with: "evidence.empty"), "\(nothing)")
    #expect(try await jjj.cli("log").stdout == before)
    let partials =
      (try? FileManager.default.contentsOfDirectory(
        atPath: jjj.data.appendingPathComponent("blobs/partial").path))
      ?? []
    #expect(partials.isEmpty, "no half-copied file is left: \(partials)")
  }

  @Test("a symbolic link is followed and said; a mistyped item ID is refused")
  func linksAndItems() async throws {
    let (jjj, lead, folder) = try await Self.node("evidence-link")
    let target = folder.appendingPathComponent("order-records.txt")
    try Data("orders".utf8).write(to: target)
    let link = folder.appendingPathComponent("latest.txt")
    try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
    let linked = try await add(jjj, lead, link.path)
    #expect(linked.status == 0, "\(linked)")
    #expect(
      linked.stderr.contains("is a symbolic link: added the file it points to, \(target.path)"), "\(linked)")
    let mistyped = "0b7f2a44-3c1d-4e55-9a51-3f1f0c2d9e11"
    let nowhere = try await jjj.cli(
      "evidence", "add", mistyped, target.path, "--category", "documentary", "--to", "origin-only")
    #expect(nowhere.failed(with: "object.not-found") && nowhere.stderr.contains(mistyped), "\(nowhere)")
  }

  @Test("a file that grows while it is read is refused, and nothing is stored")
  func changingFile() throws {
    let node = try SimulatedNode("n0")
    let file = temporaryDirectory("evidence-growing").appendingPathComponent("recording.mp4")
    try randomBytes(8 << 20, seed: 3).write(to: file)
    // A writer appends until the import is over, as a download or a recording still running does.
    let stop = StopFlag()
    let started = DispatchSemaphore(value: 0)
    let writer = Thread {
      guard let handle = try? FileHandle(forWritingTo: file) else {
        started.signal()
        return
      }
      var first = true
      while !stop.isSet {
        _ = try? handle.seekToEnd()
        try? handle.write(contentsOf: Data(repeating: 7, count: 4096))
        if first {
          started.signal()
          first = false
        }
        usleep(200)
      }
      try? handle.close()
    }
    writer.start()
    started.wait()
    let error = #expect(throws: BlobError.self) { try node.blobs.importFile(file) }
    stop.set()
    #expect(error?.code == "evidence.changed-while-read", "\(String(describing: error))")
    #expect(error?.description.contains("nothing was recorded") == true)
  }
}
